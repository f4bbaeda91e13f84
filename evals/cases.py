"""Gold Q&A cases (CONTRACT §3): loading and validating JSON Lines.

One case a line. A malformed line is bad input: the runner stops with exit status 2 and
names the file and the line, because a silently skipped case would make the figures lie.
Expectation keys are checked strictly (a misspelt ``citation_any`` would otherwise turn a
check off without anyone noticing); extra top-level keys such as ``note`` are allowed and ignored.

Per case ``source`` says where it came from — ``written`` (by hand from the policy text),
``reviewed`` (accepted from the conversation log by ``python -m evals review``), ``fresh``
(held out by its author), ``dev`` (the tuning set) — and ``date`` when; reports group by source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class CaseError(ValueError):
    """Bad gold input; ``str()`` names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class Expect(BaseModel):
    """What a case checks; ``None`` (or a missing key) means "not checked"."""

    model_config = ConfigDict(extra="forbid", strict=True)

    citations_any: list[str] | None = None
    must_include: list[str] | None = None
    amount_yuan: int | None = None
    # CONTRACT §3 (2026-12): every one must be the amount_yuan of one of the answer's awards.
    amounts_yuan: list[int] | None = None
    eligible: bool | None = None
    refuse: bool | None = None
    # (2026-12) true: no award may state an amount — the answer must ask back for a missing or
    # unclear fact (a foreign currency, an ambiguous figure) or state the clause gives none.
    no_amount: bool | None = None

    @field_validator("amount_yuan")
    @classmethod
    def _non_negative(cls, v: int | None) -> int | None:
        if v is not None and v < 0:
            raise ValueError("amount_yuan must be a non-negative integer number of yuan")
        return v

    @field_validator("amounts_yuan")
    @classmethod
    def _non_negative_list(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (not v or any(a < 0 for a in v)):
            raise ValueError("amounts_yuan must be a non-empty list of non-negative integer yuan")
        return v

    @property
    def expected_amounts(self) -> list[int]:
        """Every amount the case expects an award to state (amount_yuan first)."""
        out = [] if self.amount_yuan is None else [self.amount_yuan]
        return out + [a for a in self.amounts_yuan or [] if a not in out]

    @field_validator("citations_any", "must_include")
    @classmethod
    def _non_empty_strings(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and any(not s.strip() for s in v):
            raise ValueError("entries must be non-empty strings")
        return v


class GoldCase(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    category: str = "uncategorised"
    question: str | None = None
    turns: list[str] | None = None
    expect: Expect = Field(default_factory=Expect)
    # Provenance (optional in the file): written / reviewed / fresh / dev, and an ISO date.
    source: str | None = None
    date: str | None = None
    # File and line, for error messages and reports (not part of the file format).
    location: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _question_or_turns(self) -> GoldCase:
        if (self.question is None) == (self.turns is None):
            raise ValueError("give exactly one of 'question' or 'turns'")
        if self.turns is not None and (not self.turns or any(not t.strip() for t in self.turns)):
            raise ValueError("'turns' must be a non-empty list of non-empty strings")
        if self.question is not None and not self.question.strip():
            raise ValueError("'question' is empty")
        if not self.category.strip():
            raise ValueError("'category' is empty")
        if self.source is not None and not self.source.strip():
            raise ValueError("'source' is empty (use written, reviewed, fresh or dev)")
        return self

    @property
    def last_question(self) -> str:
        return self.question if self.question is not None else self.turns[-1]  # type: ignore[index]

    @property
    def history(self) -> list[str]:
        """Earlier turns; the expectations apply to the last one."""
        return [] if self.turns is None else list(self.turns[:-1])

    @property
    def checks_award(self) -> bool:
        exp = self.expect
        return (
            exp.amount_yuan is not None
            or exp.eligible is not None
            or bool(exp.amounts_yuan)
            or bool(exp.no_amount)
        )


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "case"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def parse_line(text: str, path: Path | str, line: int) -> GoldCase:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise CaseError(path, line, f"not valid JSON ({e.msg}, column {e.colno})") from None
    if not isinstance(raw, dict):
        raise CaseError(path, line, "a case must be a JSON object")
    try:
        case = GoldCase.model_validate(raw)
    except ValidationError as e:
        raise CaseError(path, line, f"malformed case: {_describe(e)}") from None
    case.location = f"{path}:{line}"
    return case


def load_file(path: Path) -> list[GoldCase]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CaseError(path, None, f"cannot read gold file: {e}") from None
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue  # blank lines are harmless
        cases.append(parse_line(line, path, number))
    return cases


# Files in a gold folder that hold no cases: the reviewers' decisions (evals.review).
NOT_CASE_FILES = frozenset({"review-history.jsonl"})


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """A directory means every ``*.jsonl`` in it (sorted, not recursive), bar the review
    history, which records decisions rather than cases."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.glob("*.jsonl") if f.name not in NOT_CASE_FILES)
            if not found:
                raise CaseError(p, None, "directory holds no *.jsonl gold files")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise CaseError(p, None, "no such file or directory")
    return files


def load_cases(paths: Sequence[Path | str]) -> list[GoldCase]:
    """Every case of every file, in order; ids must be unique across files."""
    cases: list[GoldCase] = []
    seen: dict[str, str] = {}
    for path in expand_paths(paths):
        for case in load_file(path):
            if case.id in seen:
                file, _, line = case.location.rpartition(":")
                raise CaseError(
                    file, int(line), f"duplicate case id {case.id!r} (first at {seen[case.id]})"
                )
            seen[case.id] = case.location
            cases.append(case)
    if not cases:
        raise CaseError(", ".join(map(str, paths)), None, "no gold cases found")
    return cases
