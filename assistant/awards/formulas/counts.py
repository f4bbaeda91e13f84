"""Kinds that count: whole steps of a figure, or items at a unit amount."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import ClassVar, Literal

from assistant.awards.format import format_count, format_money, format_percent
from assistant.awards.formulas.base import (
    OnBaseInput,
    Outcome,
    RuleParts,
    Values,
    apply_cap,
)


class PerStepWithCap(OnBaseInput):
    """每增长1个百分点 / 每满200万条 奖励…: whole steps only — the part short of a step earns
    nothing."""

    label: ClassVar[str] = "按档累计，有上限"
    required_parameters: ClassVar[tuple[str, ...]] = ("step", "unit_amount")
    kind: Literal["per_step_with_cap"] = "per_step_with_cap"
    # "每超过200万条…给予10万元": not reaching one step means the clause is not met at all;
    # the Chinese reason given then
    below_first_step: str | None = None

    def from_base(
        self, rule: RuleParts, base: Decimal, out: Outcome, values: Values | None = None
    ) -> None:
        spec = rule.input(self.base)
        step = rule.param("step")
        unit_amount = rule.param("unit_amount").value
        steps = (base / step.value).to_integral_value(rounding=ROUND_FLOOR)
        if steps < 0:
            steps = Decimal(0)
        unit = (spec.quantity_units or [""])[0]
        if spec.unit == "percent":
            out.steps.append(
                f"{spec.label}{format_percent(base)}，按每{format_percent(step.value).rstrip('%')}个"
                f"百分点计（不足部分不计）：{steps}个百分点"
            )
            count_word = f"{steps}个百分点"
        else:
            out.steps.append(
                f"{spec.label}{format_count(base, unit)}，"
                f"每满{format_count(step.value, unit)}计一档（不足部分不计）：{steps}档"
            )
            count_word = f"{steps}档"
        if steps == 0 and self.below_first_step:
            shown = format_percent(base) if spec.unit == "percent" else format_count(base, unit)
            out.failure = (
                f"{spec.label}{shown}，未达到一档（“{step.reference}”），{self.below_first_step}"
            )
            return
        amount = steps * unit_amount
        out.steps.append(f"{count_word} × {format_money(unit_amount)} = {format_money(amount)}")
        out.amount = apply_cap(rule, amount, out, values=values)


class PerItemWithYearlyCap(OnBaseInput):
    """每个奖励100万元，每年最高300万元: items × parameter ``unit_amount``, up to ``cap``."""

    label: ClassVar[str] = "按项计，年度上限"
    required_parameters: ClassVar[tuple[str, ...]] = ("unit_amount",)
    kind: Literal["per_item_with_yearly_cap"] = "per_item_with_yearly_cap"

    def from_base(
        self, rule: RuleParts, base: Decimal, out: Outcome, values: Values | None = None
    ) -> None:
        unit_amount = rule.param("unit_amount").value
        amount = base * unit_amount
        out.steps.append(
            f"{format_count(base)}个 × {format_money(unit_amount)} = {format_money(amount)}"
        )
        out.amount = apply_cap(rule, amount, out, values=values)
