"""Each award rule as a langchain ``StructuredTool`` so a tool-calling model can compute amounts.

The argument schema is built from the rule's inputs (pydantic ``create_model``): money, counts
and percentages accept an integer or Chinese text ("800万"); yes/no as bool; enums as Literal.
Every argument is optional — what is missing comes back in ``missing`` with a question.
The tool returns the AwardResult as JSON text; bad values come back as {"error": "…"}.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field, create_model

from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import InputSpec, Rule, RuleBook

_UNIT_HINT = {
    "yuan": "金额（元），可写整数元或中文如“800万”“2.5亿”",
    "percent": "百分比，如 20 或“20%”",
    "count": "数量，如 300 或“6000台”",
    "times": "次数，如“1500万次”",
}


def _field_type(spec: InputSpec) -> Any:
    if spec.type == "bool":
        return bool | None
    if spec.type == "enum":
        return Literal[tuple(spec.option_values())] | None
    if spec.type == "enum_list":
        return list[Literal[tuple(spec.option_values())]] | None  # type: ignore[misc]
    return int | str | None


def args_schema(rule: Rule) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for spec in rule.inputs:
        hint = _UNIT_HINT.get(spec.unit, "")
        fields[spec.name] = (
            _field_type(spec),
            Field(default=None, description=f"{spec.label}。{hint}".rstrip("。")),
        )
    return create_model(f"Args_{rule.name}", **fields)


def _describe(book: RuleBook, rule: Rule) -> str:
    refs = "；".join(p.reference for p in rule.parameters.values())
    return f"计算{book.ref(rule.clause)}《{rule.title}》的奖补金额。条文：{refs or '一事一议'}"


def rule_tool(rule: Rule, book: RuleBook, today: Callable[[], date]) -> StructuredTool:
    def run(**kwargs: Any) -> str:
        given = {k: v for k, v in kwargs.items() if v is not None}
        try:
            result = evaluate(rule.id, given, today=today(), rulebook=book)
        except AwardInputError as exc:
            return json.dumps({"error": str(exc)}, ensure_ascii=False)
        return result.model_dump_json()

    return StructuredTool.from_function(
        func=run,
        name=book.tool_name(rule),
        description=_describe(book, rule),
        args_schema=args_schema(rule),
    )


def award_tools(rulebook: RuleBook, today: date | None = None) -> list[StructuredTool]:
    """One tool per rule; ``today`` fixes the validity date (default: the real today)."""
    clock = (lambda: today) if today is not None else date.today
    return [rule_tool(rule, rulebook, clock) for rule in rulebook.rules.values()]
