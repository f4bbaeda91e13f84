"""Inputs computed from other inputs before a formula runs (两年收入 → 增长率)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field

from assistant.awards.format import format_money, format_percent
from assistant.awards.specs import StrictModel


class Derivation(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    input: str  # the input computed
    method: Literal["growth_percent", "add", "subtract", "apply_growth"]
    sources: list[str] = Field(alias="from", min_length=2, max_length=2)

    def apply(self, values: dict[str, Any], label: Callable[[str], str]) -> str | None:
        """Set ``values[self.input]`` from the sources and return the step, or None when the
        input is already given or a source is missing. ``label`` names an input in Chinese."""
        if self.input in values or not all(s in values for s in self.sources):
            return None
        first, second = (values[s] for s in self.sources)
        target = label(self.input)
        if self.method == "growth_percent":
            last, this = first, second
            growth = (this - last) / last * 100
            # keep two decimals for display; whole points are what counts
            shown = growth.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            approx = "" if shown == growth else "约"
            values[self.input] = growth
            return (
                f"{target}：({format_money(this)} − {format_money(last)}) ÷ "
                f"{format_money(last)} × 100% = {approx}{format_percent(shown)}"
            )
        if self.method == "add":
            # 上年收入 and the increase given ("比上年的7000万多了700万") → this year's revenue
            current = first + second
            values[self.input] = current
            return (
                f"{target}：{format_money(first)} + {format_money(second)} = "
                f"{format_money(current)}"
            )
        if self.method == "subtract":
            # this year's revenue and the increase given ("今年4.2亿，比上年多了7000万") → 上年收入;
            # a figure that would not stay above zero is no figure of it (not derived)
            rest = first - second
            if rest <= 0:
                return None
            values[self.input] = rest
            return (
                f"{target}：{format_money(first)} − {format_money(second)} = {format_money(rest)}"
            )
        # apply_growth: 上年收入 and 增长率 given → this year's revenue, so its threshold can be
        # checked
        current = first * (100 + second) / 100
        values[self.input] = current
        return (
            f"{target}：{format_money(first)} × (1 + {format_percent(second)}) = "
            f"{format_money(current)}"
        )
