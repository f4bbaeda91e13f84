"""Kinds that pay a share of a sum: a rate with a cap, a matching share, a loan's interest."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from assistant.awards.format import format_money, format_percent
from assistant.awards.formulas.base import (
    FormulaBase,
    OnBaseInput,
    Outcome,
    RuleParts,
    Values,
    apply_cap,
    given,
)


class RateWithCap(OnBaseInput):
    """按…的30%给予补助，最高500万元: ``base`` × parameter ``rate``, up to parameter ``cap``."""

    label: ClassVar[str] = "按比例，有上限"
    required_parameters: ClassVar[tuple[str, ...]] = ("rate",)
    kind: Literal["rate_with_cap"] = "rate_with_cap"

    def from_base(
        self, rule: RuleParts, base: Decimal, out: Outcome, values: Values | None = None
    ) -> None:
        rate = rule.param("rate").value
        amount = base * rate / 100
        out.steps.append(
            f"{rule.input(self.base).label}{format_money(base)} × {format_percent(rate)} = "
            f"{format_money(amount)}"
        )
        out.amount = apply_cap(rule, amount, out, values=values)


class MatchingShare(OnBaseInput):
    """按照上级拨付资金的50%给予配套: ``base`` × parameter ``share``; a cap only if stated."""

    label: ClassVar[str] = "按上级资金比例配套"
    required_parameters: ClassVar[tuple[str, ...]] = ("share",)
    kind: Literal["matching_share"] = "matching_share"

    def from_base(
        self, rule: RuleParts, base: Decimal, out: Outcome, values: Values | None = None
    ) -> None:
        share = rule.param("share").value
        amount = base * share / 100
        out.steps.append(
            f"{rule.input(self.base).label}{format_money(base)} × {format_percent(share)} = "
            f"{format_money(amount)}（配套）"
        )
        if "cap" in rule.parameters:
            amount = apply_cap(rule, amount, out, values=values)
        else:
            out.steps.append("条文未规定配套上限")
        out.amount = amount


class InterestSubsidy(FormulaBase):
    """Loan interest at min(rate, LPR), capped per year, for at most ``max_years`` years."""

    label: ClassVar[str] = "贷款贴息"
    required_parameters: ClassVar[tuple[str, ...]] = ("max_years",)
    kind: Literal["interest_subsidy"] = "interest_subsidy"
    principal: str
    rate: str
    lpr: str  # optional input: without it the rate is assumed not above LPR
    years: str  # optional input: without it one year is computed
    rate_ceiling_reference: str
    basis: str = ""

    def input_fields(self) -> dict[str, str]:
        return {
            "principal": self.principal,
            "rate": self.rate,
            "lpr": self.lpr,
            "years": self.years,
        }

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        out = Outcome(None)
        principal = given(values, self.principal, out)
        rate = given(values, self.rate, out)
        if principal is None or rate is None:
            return out
        lpr = values.get(self.lpr)
        if lpr is None:
            used = rate
            out.assumptions.append(
                f"假设贷款年利率{format_percent(rate)}未超过同期LPR（“{self.rate_ceiling_reference}”），"
                "超过部分不予贴息"
            )
        elif rate > lpr:
            used = lpr
            out.steps.append(
                f"贷款年利率{format_percent(rate)}高于同期LPR {format_percent(lpr)}，按LPR计"
            )
        else:
            used = rate
            out.steps.append(f"贷款年利率{format_percent(rate)}未超过同期LPR {format_percent(lpr)}")
        yearly = principal * used / 100
        out.steps.append(
            f"年贴息额 = 贷款本金{format_money(principal)} × {format_percent(used)}"
            f" = {format_money(yearly)}"
        )
        yearly = apply_cap(rule, yearly, out, values=values)
        max_years = rule.param("max_years")
        years = values.get(self.years)
        if years is None:
            out.assumptions.append(f"按一个年度计算；{max_years.reference}")
            amount = yearly
        else:
            if years > max_years.value:
                out.steps.append(
                    f"贴息期限{years}年，{max_years.reference}，按{max_years.value}年计"
                )
                years = max_years.value
            amount = yearly * years
            out.steps.append(f"{format_money(yearly)} × {years}年 = {format_money(amount)}")
        out.steps.append(self.basis)
        out.steps = [s for s in out.steps if s]
        out.amount = amount
        out.upper_bound = True
        return out
