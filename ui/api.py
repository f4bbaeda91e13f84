# Long for a reason: left whole while the multi-policy change edits it; split after that merge.
"""The REST API of CONTRACT §5 (plus /api/feedback and /api/clauses as extensions).

Every bad input gets a 4xx and ``{"error": "..."}``; nothing reaches the client as a 500.
Blocking work (model inference, Chroma, SQLite) runs in worker threads, off the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from typing import Any, Literal

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer import Answer, AwardResult
from assistant.log import UnknownExchangeError, clean_text
from ui.page_meta import assistant_name, default_meta
from ui.service import NotReadyError, Service, worker_count

logger = logging.getLogger("ui.api")


# -- request and response models ---------------------------------------------------------------


# Ids are SQLite integers handed out from 1; 2**53 - 1 is the largest that every JSON
# client (JavaScript included) reads exactly, and is written as an integer in the schema.
MAX_EXCHANGE_ID = 2**53 - 1
MAX_HISTORY_ITEMS = 50
MAX_FEEDBACK_TEXT = 2000


def _question_pattern() -> str:
    """A JSON-schema ``pattern`` saying what the server checks: at least one character
    that is neither white space nor a control, format or private-use character (those are
    dropped before the question is read; see ``assistant.chain.clean_question``).

    Written for both Python's ``re`` and ECMA/Rust engines: BMP characters as ``\\uXXXX``,
    astral ones as themselves; surrogates left out (no engine but Python's takes them,
    and JSON text cannot carry a lone one as UTF-8)."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Co"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])

    def spell(code: int) -> str:
        return f"\\u{code:04x}" if code < 0x10000 else chr(code)

    body = "".join(spell(a) if a == b else f"{spell(a)}-{spell(b)}" for a, b in ranges)
    return f"[^{body}]"


def question_schema(max_chars: int) -> dict[str, Any]:
    return {"minLength": 1, "maxLength": max_chars, "pattern": _question_pattern()}


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The limits are checked in the handler (a Chinese 400), and stated here for clients.
    question: str = Field(description="the question, in Chinese; 1..max_question_chars characters")
    history: list[str] = Field(
        default_factory=list,
        description="earlier questions of the conversation, oldest first",
    )


class AskResponse(Answer):
    exchange_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_EXCHANGE_ID,
        description="id of the logged exchange, for POST /api/feedback; null when not logged",
    )
    feedback_token: str | None = Field(
        default=None,
        description="secret for POST /api/feedback on this exchange; null when not logged",
    )
    recorded: bool = Field(
        default=True,
        description="false when the answer could not be written to the conversation log",
    )


class AwardRequest(BaseModel):
    rule: str = Field(description="rule id as listed by GET /api/rules, e.g. 四.10")
    inputs: dict[str, Any] = Field(
        default_factory=dict, description="input name → value (numbers or Chinese amounts)"
    )


class FeedbackRequest(BaseModel):
    exchange_id: int = Field(
        ge=1, le=MAX_EXCHANGE_ID, description="exchange_id returned by POST /api/ask"
    )
    vote: Literal["up", "down"]
    token: str = Field(
        min_length=1, max_length=200, description="feedback_token returned by POST /api/ask"
    )
    comment: str | None = Field(
        default=None, max_length=MAX_FEEDBACK_TEXT, description="the user's reason, free text"
    )
    correct_answer: str | None = Field(
        default=None,
        max_length=MAX_FEEDBACK_TEXT,
        description="what the user says the right answer is",
    )


class FeedbackResponse(BaseModel):
    ok: bool = True
    feedback_id: int
    exchange_id: int


class ClauseOut(BaseModel):
    id: str = Field(description="clause id (CONTRACT §1), slug-qualified for non-default policies")
    policy: str
    kind: str
    title: str
    path: list[str]
    text: str = Field(description="verbatim clause text")
    departments: list[str]
    order: int


class ClauseWithGuide(ClauseOut):
    guide: dict[str, str] | None = Field(
        default=None,
        description="申兑指南 of a support clause (CONTRACT §5): 惠及对象, 申报条件, 支持标准, "
        "责任单位, 政策依据, 有效期, 申报材料, 申报时间, 受理方式",
    )


class RuleInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    label: str = ""
    unit: str = ""
    type: str = "number"


class RuleOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(description="rule id, starts with its clause id")
    clause: str
    title: str = ""
    inputs: list[RuleInput]


class ErrorOut(BaseModel):
    error: str


class HealthOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "degraded", "loading", "error"] = Field(
        description="ok; degraded = answers are given but cannot be logged (see `log`)"
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 413, 422, 503)
}


# -- helpers -----------------------------------------------------------------------------------


MAX_INPUT_CHARS = 200  # an award input is a number, a yes/no or a choice — not an essay


def _bounded_input(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_INPUT_CHARS
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return depth < 3 and len(value) <= 50 and all(_bounded_input(v, depth + 1) for v in value)
    return True


# An error message may quote the input it refuses, but never more than a short prefix.
MAX_ERROR_CHARS = 300


def short(message: str) -> str:
    return message if len(message) <= MAX_ERROR_CHARS else message[:MAX_ERROR_CHARS] + "…"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": short(clean_text(message))}, status_code=status)


def _describe(errors: list[dict[str, Any]]) -> str:
    """A short readable message from pydantic's error list."""
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid"))
        if len(msg) > 200:  # never echo a whole oversized input back
            msg = msg[:200] + "…"
        parts.append(f"{loc[:80]}: {msg}" if loc else msg)
    return "请求格式不正确 (invalid request): " + "; ".join(parts)


class _LastResort:
    """Turns an unhandled error in /api/* or /healthz into a 503 JSON answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/healthz")):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            response = _error(503, "服务暂时无法处理该请求，请稍后再试 (temporarily unavailable)")
            await response(scope, receive, send)


class _Unavailable(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


# -- the app -----------------------------------------------------------------------------------


def build_api(service: Service) -> FastAPI:
    """The FastAPI app with every API route; the caller mounts the web page at ``/`` after."""
    meta = default_meta(service.settings)  # the policy's own metadata, not strings in code
    app = FastAPI(
        title=f"{assistant_name(service.settings)} API",
        version="1.0",
        description=(
            "问答、条款、补贴计算。Answers questions about "
            + (f"《{meta.title}》" if meta is not None else "the loaded policies")
            + ", with clause citations and award calculations."
        ),
    )
    limiter = anyio.CapacityLimiter(worker_count())
    settings = service.settings

    async def run(fn: Any, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    def need_assistant() -> Any:
        try:
            return service.assistant
        except NotReadyError as exc:
            raise _Unavailable(str(exc)) from exc

    # -- errors ------------------------------------------------------------------------------

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, "请求体不是合法的 JSON (malformed JSON body)")
        if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in errors):
            return _error(400, "缺少 JSON 请求体 (missing JSON body)")
        return _error(422, _describe(errors))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code if 400 <= exc.status_code < 600 else 400
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if detail == "There was an error parsing the body":  # FastAPI's own words
            detail = "无法解析请求体，请发送 UTF-8 编码的 JSON (could not parse the request body)"
        return JSONResponse({"error": short(detail)}, status_code=status, headers=exc.headers)

    @app.exception_handler(_Unavailable)
    async def on_unavailable(request: Request, exc: _Unavailable) -> JSONResponse:
        return JSONResponse(
            {"error": short(exc.message)}, status_code=503, headers={"Retry-After": "5"}
        )

    # Last resort for anything unforeseen: logged here, never sent. A plain ASGI wrapper
    # rather than an Exception handler, which Starlette re-raises (closing the connection).
    app.add_middleware(_LastResort)

    # -- routes ------------------------------------------------------------------------------

    @app.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
    async def healthz() -> JSONResponse:
        """200 `ok` once the index is loaded and questions can be answered; 200 `degraded`
        when they are answered but cannot be logged (`log` says why); 503 before."""
        body = await run(service.health) if service.ready else service.health()
        answering = body["status"] in ("ok", "degraded")
        return JSONResponse(body, status_code=200 if answering else 503)

    @app.post("/api/ask", response_model=AskResponse, responses=ERRORS)
    async def ask(req: AskRequest) -> Any:
        """Answer one question (CONTRACT §2), with citations and any award calculation."""
        question = req.question
        if not question.strip():
            return _error(400, "问题不能为空，请输入您想咨询的政策问题。")
        if len(question) > settings.max_question_chars:
            return _error(
                400,
                f"问题过长（{len(question)} 字），请控制在 {settings.max_question_chars} 字以内。",
            )
        if len(req.history) > MAX_HISTORY_ITEMS or any(
            len(h) > settings.max_question_chars for h in req.history
        ):
            return _error(
                400, f"对话历史过长：最多 {MAX_HISTORY_ITEMS} 条，每条不超过问题长度上限。"
            )
        history = [clean_text(h) for h in req.history]
        assistant = need_assistant()

        def work() -> AskResponse | JSONResponse:
            from assistant.errors import QuestionError

            try:
                answer = assistant.ask(question, history)
            except QuestionError as exc:
                return _error(400, str(exc))
            token = service.new_feedback_token()
            exchange_id = service.log.record(answer, history, "api", feedback_token=token)
            return AskResponse(
                **answer.model_dump(),
                exchange_id=exchange_id,
                feedback_token=token if exchange_id is not None else None,
                recorded=exchange_id is not None,
            )

        return await run(work)

    @app.get("/api/clauses", response_model=list[ClauseOut], responses=ERRORS)
    async def clauses() -> Any:
        """Every clause of every loaded policy, in document order."""
        need_assistant()
        return await run(
            lambda: [service.clause_dict(c) for c in service.assistant.knowledge.clauses()]
        )

    @app.get("/api/clauses/{clause_id}", response_model=ClauseWithGuide, responses=ERRORS)
    async def clause(clause_id: str) -> Any:
        """One clause by id (`四.10`, `二.(二)`, `序`, or `slug:四.12`), with its guide."""
        from knowledge.guide import clause_guide

        need_assistant()
        found = await run(service.find_clause, clause_id)
        if found is None:
            return _error(404, f"未找到条款 {clause_id[:50]!r} (unknown clause id)")
        kb, today = service.assistant.knowledge, settings.resolved_today()
        return {**service.clause_dict(found), "guide": clause_guide(kb, found, today)}

    @app.get("/api/rules", response_model=list[RuleOut], responses=ERRORS)
    async def rules() -> Any:
        """Every award rule with its clause id and the inputs it takes."""
        need_assistant()
        return await run(service.rules)

    @app.post("/api/award", response_model=AwardResult, responses=ERRORS)
    async def award(req: AwardRequest) -> Any:
        """Compute one award from its rule and inputs (the `award` object of CONTRACT §2)."""
        assistant = need_assistant()
        if len(req.inputs) > 50 or not all(
            len(k) <= 100 and _bounded_input(v) for k, v in req.inputs.items()
        ):
            # Reading a 100,000-character Chinese numeral took minutes of CPU.
            return _error(
                422, f"输入项过多或过长：每项不超过 {MAX_INPUT_CHARS} 字 (input too long)"
            )
        if await run(service.rule, req.rule) is None:
            return _error(404, f"未知的补贴规则 {req.rule[:50]!r}，可用规则见 GET /api/rules")

        def work() -> Any:
            from assistant.awards import AwardInputError

            try:
                return assistant.award(req.rule, req.inputs)
            except AwardInputError as exc:
                return _error(422, str(exc))

        return await run(work)

    @app.post(
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
            fid = await run(work)
        except UnknownExchangeError:
            return _error(404, "未找到该问答记录，或反馈凭证不符 (unknown exchange or token)")
        except (OSError, sqlite3.Error):
            logger.exception("feedback not stored")
            raise _Unavailable(
                "反馈暂时无法保存，请稍后再试 (feedback could not be stored)"
            ) from None
        return FeedbackResponse(feedback_id=fid, exchange_id=req.exchange_id)

    # Anything else under /api/ (and any other method on /healthz) would fall through to
    # the Gradio mount at "/" and get its {"detail": ...}; answer it here in the API's own
    # error shape, with the Allow header a 405 must carry.
    own_routes = [r for r in app.routes if getattr(r, "path", "").startswith(("/api/", "/healthz"))]
    every_method = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"]

    async def elsewhere(request: Request) -> JSONResponse:
        allowed: set[str] = set()
        for route in own_routes:
            for method in every_method:
                scope = {"type": "http", "path": request.url.path, "method": method}
                if route.matches(scope)[0].name == "FULL":
                    allowed |= set(getattr(route, "methods", ()) or ())
        if allowed:
            message = f"不支持的请求方法 {request.method[:10]} (method not allowed)"
            response = _error(405, message)
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return _error(404, f"没有这个接口 {request.url.path[:80]} (unknown API path)")

    app.add_api_route(
        "/healthz",
        elsewhere,
        methods=[m for m in every_method if m != "GET"],
        include_in_schema=False,
    )
    app.add_api_route("/api/{rest:path}", elsewhere, methods=every_method, include_in_schema=False)

    _document_limits(app, settings.max_question_chars)
    return app


def _integral(node: Any) -> Any:
    """FastAPI writes every bound as a float (``maximum: 9.0e15``); integers read better."""
    if isinstance(node, dict):
        out = {k: _integral(v) for k, v in node.items()}
        if out.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(out.get(key), float) and out[key].is_integer():
                    out[key] = int(out[key])
        return out
    if isinstance(node, list):
        return [_integral(v) for v in node]
    return node


def _document_limits(app: FastAPI, max_chars: int) -> None:
    """The OpenAPI document states the limits the handlers check (so a client, or
    schemathesis, knows that a blank question is refused) and writes integer bounds."""
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = _integral(plain_openapi())
            ask = spec["components"]["schemas"]["AskRequest"]["properties"]
            ask["question"].update(question_schema(max_chars))
            ask["history"].update(maxItems=MAX_HISTORY_ITEMS)
            ask["history"]["items"].update(maxLength=max_chars)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
