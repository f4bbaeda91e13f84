"""The answer object of CONTRACT §2 — what ``ask --json``, ``POST /api/ask`` and evals see."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Citation(BaseModel):
    id: str = Field(description="clause id, qualified with the slug for non-default policies")
    policy: str = Field(description="policy slug")
    title: str
    text: str = Field(description="verbatim clause text")
    departments: list[str] = Field(default_factory=list)
    score: float = Field(description="retrieval relevance, higher is better")


class AwardResult(BaseModel):
    rule: str = Field(description="rule id, starts with its clause id (四.10, 四.4-服务收入补助)")
    eligible: bool | None = Field(
        default=True, description="false when a stated fact rules the award out"
    )
    amount_yuan: int | None = Field(
        default=None, description="integer yuan; 0 when ineligible; null when inputs missing"
    )
    steps: list[str] = Field(default_factory=list, description="the calculation, in Chinese")
    assumptions: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="facts still needed")
    # Optional extras (added by the award module; consumers may ignore them).
    clause: str | None = Field(default=None, description="clause id the rule cites (四.10)")
    title: str | None = Field(default=None, description="Chinese title of the rule")
    kind: str | None = Field(default=None, description="formula kind (rate_with_cap, fixed …)")
    follow_up: str | None = Field(
        default=None, description="Chinese question asking for the missing facts"
    )
    validity_note: str | None = Field(
        default=None, description="Chinese note on the policy's validity period as of today"
    )
    expired: bool | None = Field(
        default=None, description="true when today is after the policy's validity period"
    )
    upper_bound: bool = Field(
        default=False, description="amount is the clause's maximum, the exact sum is decided later"
    )
    negotiated: bool = Field(default=False, description="一事一议: the clause sets no amount")
    error: str | None = Field(
        default=None, description="Chinese message when a value in the question was unusable"
    )
    failed: list[str] = Field(
        default_factory=list,
        description="inputs of the conditions a stated fact failed (eligible false)",
    )
    policy: str | None = Field(default=None, description="slug of the rule's policy")
    # Two loaded policies providing for the same matter (就高不重复): which award is taken.
    chosen: bool | None = Field(
        default=None,
        description="true: the award taken of several policies' awards for one matter; false: "
        "shown, not taken; null: no other policy provides for the matter",
    )
    note: str | None = Field(default=None, description="Chinese: why it is taken or not")


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool = False
    citations: list[Citation] = Field(default_factory=list)
    award: AwardResult | None = None
    awards: list[AwardResult] = Field(
        default_factory=list,
        description="every award the question asks about, in the order it names them; "
        "award is the first of them (CONTRACT §2, added 2026-12)",
    )
    latency_ms: float = 0.0
    # Extensions beyond CONTRACT §2 (extend, never break): how the answer came about.
    route: str | None = Field(default=None, description="award, departments, … or out_of_scope")
    standalone_question: str | None = Field(
        default=None, description="the question after follow-ups were resolved"
    )
    validity: dict[str, Any] | None = Field(
        default=None, description="whether the policy is in force, with the calculation"
    )
    understood: list[str] = Field(
        default_factory=list,
        description="how the question was read: script, English terms, sound-alike terms",
    )
    composer: str = Field(default="deterministic", description="deterministic or llm")
    guard: dict[str, Any] | None = Field(
        default=None, description="numeric guard report when a language model composed"
    )
