"""Kinds whose clause states the amount, a ceiling, or no amount at all."""

from __future__ import annotations

from typing import ClassVar, Literal

from assistant.awards.format import format_money
from assistant.awards.formulas.base import FormulaBase, Outcome, RuleParts, Values, apply_cap

_PERIOD_WORDS = {"per_year": "每年", "one_time": "一次性", "per_item": "每项"}


class Fixed(FormulaBase):
    """给予300万元的一次性奖励: the parameter ``amount`` is the award."""

    label: ClassVar[str] = "固定金额"
    required_parameters: ClassVar[tuple[str, ...]] = ("amount",)
    amount_is_fixed: ClassVar[bool] = True
    kind: Literal["fixed"] = "fixed"

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        p = rule.param("amount")
        word = "一次性奖励" if p.cap_period == "one_time" else "奖励"
        return Outcome(p.value, [f"{word}{format_money(p.value)}（“{p.reference}”）"])


class UpToCap(FormulaBase):
    """Clauses that set only a ceiling (服务券, 运营补贴): the exact sum is decided elsewhere.
    A requested sum (``base``), when given, is paid up to the cap."""

    label: ClassVar[str] = "不超过上限"
    required_parameters: ClassVar[tuple[str, ...]] = ("cap",)
    kind: Literal["up_to_cap"] = "up_to_cap"
    base: str = "requested_yuan"
    basis: str = ""  # how the exact sum is decided (具体额度根据…确定)

    def input_fields(self) -> dict[str, str]:
        return {"base": self.base}

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        cap = rule.param("cap")
        out = Outcome(None)
        if self.base in values:
            requested = values[self.base]
            out.steps.append(f"{rule.input(self.base).label}{format_money(requested)}")
            out.amount = apply_cap(rule, requested, out, values=values)
            return out
        period = _PERIOD_WORDS.get(cap.cap_period or "", "")
        out.steps.append(f"{period}最高{format_money(cap.value)}（“{cap.reference}”）")
        if self.basis:
            out.steps.append(f"具体金额：{self.basis}")
        for key, p in rule.parameters.items():
            if key != "cap":
                out.steps.append(f"{p.description}：{format_money(p.value)}（“{p.reference}”）")
        out.amount = cap.value
        out.upper_bound = True
        if cap.cap_period == "per_year":
            out.assumptions.append(f"以上为上限，按单个企业每年计（“{cap.reference}”）")
        return out


class Negotiated(FormulaBase):
    """一事一议: the clause names no amount; the answer says so and whom to agree it with."""

    label: ClassVar[str] = "一事一议"
    negotiated: ClassVar[bool] = True
    kind: Literal["negotiated"] = "negotiated"
    reference: str = ""  # the clause's phrase

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        return Outcome(
            None,
            [
                f"本条采取“一事一议”方式给予支持，条文未规定具体金额（“{self.reference}”）",
                "具体支持内容和额度需与责任单位逐项商定",
            ],
            negotiated=True,
        )
