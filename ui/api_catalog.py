"""The catalogue routes: clauses (with their 申兑指南), award rules, and POST /api/award."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.answer import AwardResult
from ui.api_context import ApiContext
from ui.api_errors import error_response
from ui.api_models import ERRORS, AwardRequest, ClauseOut, ClauseWithGuide, RuleOut

MAX_INPUT_CHARS = 200  # an award input is a number, a yes/no or a choice — not an essay


def _bounded_input(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_INPUT_CHARS
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return depth < 3 and len(value) <= 50 and all(_bounded_input(v, depth + 1) for v in value)
    return True


def catalog_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter()
    service, settings = ctx.service, ctx.settings

    @router.get("/api/clauses", response_model=list[ClauseOut], responses=ERRORS)
    async def clauses() -> Any:
        """Every clause of every loaded policy, in document order."""
        ctx.need_assistant()
        return await ctx.run(
            lambda: [service.clause_dict(c) for c in service.assistant.knowledge.clauses()]
        )

    @router.get("/api/clauses/{clause_id}", response_model=ClauseWithGuide, responses=ERRORS)
    async def clause(clause_id: str) -> Any:
        """One clause by id (`四.10`, `二.(二)`, `序`, or `slug:四.12`), with its guide."""
        from knowledge.guide import clause_guide

        ctx.need_assistant()
        found = await ctx.run(service.find_clause, clause_id)
        if found is None:
            return error_response(404, f"未找到条款 {clause_id[:50]!r} (unknown clause id)")
        kb, today = service.assistant.knowledge, settings.resolved_today()
        return {**service.clause_dict(found), "guide": clause_guide(kb, found, today)}

    @router.get("/api/rules", response_model=list[RuleOut], responses=ERRORS)
    async def rules() -> Any:
        """Every award rule with its clause id and the inputs it takes."""
        ctx.need_assistant()
        return await ctx.run(service.rules)

    @router.post("/api/award", response_model=AwardResult, responses=ERRORS)
    async def award(req: AwardRequest) -> Any:
        """Compute one award from its rule and inputs (the `award` object of CONTRACT §2)."""
        assistant = ctx.need_assistant()
        if len(req.inputs) > 50 or not all(
            len(k) <= 100 and _bounded_input(v) for k, v in req.inputs.items()
        ):
            # Reading a 100,000-character Chinese numeral took minutes of CPU.
            return error_response(
                422, f"输入项过多或过长：每项不超过 {MAX_INPUT_CHARS} 字 (input too long)"
            )
        if await ctx.run(service.rule, req.rule) is None:
            return error_response(
                404, f"未知的补贴规则 {req.rule[:50]!r}，可用规则见 GET /api/rules"
            )

        def work() -> Any:
            from assistant.awards import AwardInputError

            try:
                return assistant.award(req.rule, req.inputs)
            except AwardInputError as exc:
                return error_response(422, str(exc))

        return await ctx.run(work)

    return router
