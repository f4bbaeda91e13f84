"""The answer's validity statement: whether the policy is in force on the day asked, with
the calculation shown, as the answer's conclusion or its one validity line.

Not the same concern as ``assistant.awards.rules.Validity``: that one is the rule book's
period (start, years, end, the clause phrase) a rule is evaluated against; this one is what an
answer says about that period on a given date, built from the policy's metadata
(policy.yaml). ``assistant.compose`` keeps the name ``Validity`` for it as an alias."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from assistant.draft import VALIDITY
from knowledge.clause import PolicyMeta
from knowledge.guide import cn_date, cn_years, contact_phrase, validity_period, validity_status


class ValidityStatement(BaseModel):
    """Whether the policy is still in force on a date, with the calculation shown."""

    issued: date
    valid_until: date
    expired: bool
    steps: list[str]
    status: str = ""

    @classmethod
    def of(cls, meta: PolicyMeta | None, today: date) -> ValidityStatement | None:
        if meta is None or meta.issued is None or meta.valid_until is None:
            return None
        years = meta.valid_years or (meta.valid_until.year - meta.issued.year)
        steps = [
            f"{cn_date(meta.issued)}起实施，有效期{cn_years(years)}",
            f"有效期至{cn_date(meta.valid_until)}",
        ]
        return cls(
            issued=meta.issued,
            valid_until=meta.valid_until,
            expired=today > meta.valid_until,
            steps=steps,
            status=validity_status(meta, today) or "",
        )

    def sentence(self, meta: PolicyMeta) -> str:
        """The whole validity statement as one sentence (a validity question's conclusion)."""
        period = validity_period(meta) or "；".join(self.steps)
        return f"本政策{period}，{self.status}。"

    def note(self, meta: PolicyMeta) -> str:
        """The one validity line of an answer about applying, money or departments."""
        period = validity_period(meta) or "；".join(self.steps)
        who = contact_phrase(meta)
        if self.expired:
            return f"{VALIDITY}本政策{period}，{self.status}，申报前请向{who}确认是否有接续政策。"
        return f"{VALIDITY}本政策{period}，{self.status}，申报以当年申报通知为准。"


__all__ = ["ValidityStatement"]
