"""The shape of one composed answer: the labels its lines start with and the draft that
holds those lines in the fixed order (see compose.py for the order and why)."""

from __future__ import annotations

from knowledge.base import ClauseHit

WHOLE_CLAUSE_ROUTES = ("lookup", "fact", "eligibility")
WHOLE_CLAUSE_CHARS = 260
# Labels that start the lines after the conclusion (the page and the hotline read them).
STEPS = "计算过程："
CONFIRM = "请确认："
BASIS = "政策依据："
DEPARTMENTS = "责任单位："
VALIDITY = "有效期："
RELATED = "相关条款："
DISCLAIMER = "以上内容依据政策原文整理，仅供参考，最终以{who}的审核认定为准。"
# An amount asked for when nothing names which award ("获评了一个国家级的称号，能奖多少？"):
# a question back, never a guessed clause's amount.
ASK_WHICH = "请问具体是哪一项（哪个称号或项目）？您的问题没有说明，无法确定金额。最接近的条款如下。"


class Draft:
    """The lines of one answer, in the fixed order, plus the clauses it used."""

    def __init__(self, conclusion: str) -> None:
        self.conclusion = conclusion
        self.steps: list[str] = []
        self.confirm: list[str] = []
        self.body: list[str] = []  # quotes, tables, related clauses
        self.departments: str = ""
        self.validity: str = ""
        self.used: list[ClauseHit] = []

    def use(self, hit: ClauseHit) -> None:
        if all(h.clause is not hit.clause for h in self.used):
            self.used.append(hit)

    def lines(self, disclaimer: str) -> list[str]:
        out = [self.conclusion, *self.steps]
        if self.confirm:
            out.append(CONFIRM)
            out.extend(f"· {c}" for c in self.confirm)
        out.extend(self.body)
        if self.departments:
            out.append(self.departments)
        if self.validity:
            out.append(self.validity)
        out.append(disclaimer)
        return [line for line in out if line]


__all__ = [
    "ASK_WHICH",
    "BASIS",
    "CONFIRM",
    "DEPARTMENTS",
    "DISCLAIMER",
    "RELATED",
    "STEPS",
    "VALIDITY",
    "WHOLE_CLAUSE_CHARS",
    "WHOLE_CLAUSE_ROUTES",
    "Draft",
]
