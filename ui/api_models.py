"""Request and response models of the REST API (CONTRACT §5), with the limits they state."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer import Answer

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
