"""The conversation routes: /healthz, POST /api/ask (CONTRACT §2) and POST /api/feedback."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.log import UnknownExchangeError, clean_text
from ui.api_context import ApiContext
from ui.api_errors import Unavailable, error_response, logger
from ui.api_models import (
    ERRORS,
    MAX_HISTORY_ITEMS,
    AskRequest,
    AskResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthOut,
)


def health_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter()
    service = ctx.service

    @router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
    async def healthz() -> JSONResponse:
        """200 `ok` once the index is loaded and questions can be answered; 200 `degraded`
        when they are answered but cannot be logged (`log` says why); 503 before."""
        body = await ctx.run(service.health) if service.ready else service.health()
        answering = body["status"] in ("ok", "degraded")
        return JSONResponse(body, status_code=200 if answering else 503)

    return router


def ask_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter()
    service, settings = ctx.service, ctx.settings

    @router.post("/api/ask", response_model=AskResponse, responses=ERRORS)
    async def ask(req: AskRequest) -> Any:
        """Answer one question (CONTRACT §2), with citations and any award calculation."""
        question = req.question
        if not question.strip():
            return error_response(400, "问题不能为空，请输入您想咨询的政策问题。")
        if len(question) > settings.max_question_chars:
            return error_response(
                400,
                f"问题过长（{len(question)} 字），请控制在 {settings.max_question_chars} 字以内。",
            )
        if len(req.history) > MAX_HISTORY_ITEMS or any(
            len(h) > settings.max_question_chars for h in req.history
        ):
            return error_response(
                400, f"对话历史过长：最多 {MAX_HISTORY_ITEMS} 条，每条不超过问题长度上限。"
            )
        history = [clean_text(h) for h in req.history]
        assistant = ctx.need_assistant()
        answer = await _in_pool(service, question, history)

        def work() -> AskResponse | JSONResponse:
            from assistant.errors import QuestionError

            try:
                answered = answer if answer is not None else assistant.ask(question, history)
            except QuestionError as exc:
                return error_response(400, str(exc))
            if isinstance(answered, QuestionError):
                return error_response(400, str(answered))
            return respond(answered)

        def respond(answer: Any) -> AskResponse:
            token = service.new_feedback_token()
            exchange_id = service.log.record(answer, history, "api", feedback_token=token)
            # the answer's fields as they are (dict(), not model_dump()): its parts are
            # validated models already, taken without a dump and a second validation
            return AskResponse(
                **dict(answer),
                exchange_id=exchange_id,
                feedback_token=token if exchange_id is not None else None,
                recorded=exchange_id is not None,
            )

        return await ctx.run(work)

    return router


async def _in_pool(service: Any, question: str, history: list[str]) -> Any:
    """The answer computed by an answer process (``ASSISTANT_WORKERS`` > 1), a QuestionError
    it raised, or None: no pool, not loaded yet, or broken (then the server answers)."""
    pool = service.pool
    if pool is None or not pool.ready:
        return None
    from assistant.errors import QuestionError
    from ui.ask_pool import BrokenProcessPool

    try:
        answer = await asyncio.wrap_future(pool.submit(question, history))
        pool.answered += 1
        return answer
    except QuestionError as exc:
        return exc
    except BrokenProcessPool as exc:  # a worker died: the server process answers from now on
        pool.broke(exc)
        return None


def feedback_router(ctx: ApiContext) -> APIRouter:
    router = APIRouter()
    service = ctx.service

    @router.post(
        "/api/feedback",
        response_model=FeedbackResponse,
        responses=ERRORS,
    )
    async def feedback(req: FeedbackRequest) -> Any:
        """Vote up or down on an answer returned by /api/ask, with the `feedback_token` that
        came with it. An unknown id and a wrong token get the same 404."""

        def work() -> int:
            return service.log.feedback(
                req.exchange_id,
                req.vote,
                req.comment,
                correct_answer=req.correct_answer,
                token=req.token,
            )

        try:
            fid = await ctx.run(work)
        except UnknownExchangeError:
            return error_response(
                404, "未找到该问答记录，或反馈凭证不符 (unknown exchange or token)"
            )
        except (OSError, sqlite3.Error):
            logger.exception("feedback not stored")
            raise Unavailable(
                "反馈暂时无法保存，请稍后再试 (feedback could not be stored)"
            ) from None
        return FeedbackResponse(feedback_id=fid, exchange_id=req.exchange_id)

    return router
