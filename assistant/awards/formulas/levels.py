"""Kinds that pay by level or title: a ladder paying the difference on upgrade (级差), and
several titles of which only the highest counts (就高)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar, Literal

from assistant.awards.format import format_money
from assistant.awards.formulas.base import FormulaBase, Outcome, RuleParts, Upgrade, Values
from assistant.awards.specs import InputSpec, Parameter, StrictModel


class LevelAmount(StrictModel):
    key: str  # an option value of the level input ("3", 省级智能工厂)
    parameter: str  # the parameter holding its amount


def _level_name(key: str) -> str:
    return f"{key}级" if key.isdigit() else key


def _keys_match_options(field: str, levels: list[LevelAmount], spec: InputSpec | None) -> list[str]:
    """Every option of the level input has an amount, and every amount names an option."""
    if spec is None:
        return []  # reported as an unknown input
    keys, options = [lv.key for lv in levels], spec.option_values()
    out = [
        f"formula.{field}: {k} is not an option of input {spec.name}"
        for k in keys
        if k not in options
    ]
    # the catch-all option (a title outside the ladder) has no amount: a condition rules it out
    out += [
        f"formula.{field}: option {o.value} of input {spec.name} has no amount"
        for o in spec.options or []
        if o.value not in keys and not o.catch_all
    ]
    return out


class TieredLevels(FormulaBase):
    """Amount by level; a higher level after a lower one pays only the difference (级差)."""

    label: ClassVar[str] = "按级别，升级按差额"
    kind: Literal["tiered_levels"] = "tiered_levels"
    level: str
    previous_level: str | None = None
    # how the levels were ordered (省级 and 国家级 titles on one ladder): an assumption
    upgrade_reading: str | None = None
    levels: list[LevelAmount]

    def input_fields(self) -> dict[str, str]:
        out = {"level": self.level}
        if self.previous_level:
            out["previous_level"] = self.previous_level
        return out

    def parameter_fields(self) -> dict[str, str]:
        return {f"levels[{n}].parameter": lv.parameter for n, lv in enumerate(self.levels)}

    @property
    def upgrade(self) -> Upgrade | None:
        return Upgrade(self.level, self.previous_level) if self.previous_level else None

    def problems(
        self, inputs: Mapping[str, InputSpec], parameters: Mapping[str, Parameter]
    ) -> list[str]:
        out = super().problems(inputs, parameters)
        for name in (self.level, self.previous_level):
            if name:
                out += _keys_match_options("levels", self.levels, inputs.get(name))
        return out

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        out = Outcome(None)
        if self.level not in values:
            out.missing.append(self.level)
            return out
        amounts: dict[str, Decimal] = {lv.key: rule.param(lv.parameter).value for lv in self.levels}
        level = values[self.level]
        amount = amounts[level]
        out.steps.append(f"{_level_name(level)}：奖励{format_money(amount)}")
        prev = values.get(self.previous_level) if self.previous_level else None
        if prev is not None:
            if self.upgrade_reading:
                out.assumptions.append(self.upgrade_reading)
            prev_amount = amounts[prev]
            diff = amount - prev_amount
            if diff <= 0:
                out.failure = (
                    f"此前已获{_level_name(prev)}奖励{format_money(prev_amount)}，本次"
                    f"{_level_name(level)}标准{format_money(amount)}不高于已获标准，按级差（差额）"
                    "原则不再奖励"
                )
                return out
            out.steps.append(
                f"此前已获{_level_name(prev)}奖励{format_money(prev_amount)}，按级差（差额）奖励："
                f"{format_money(amount)} − {format_money(prev_amount)} = {format_money(diff)}"
            )
            amount = diff
        elif self.previous_level:
            out.assumptions.append(
                "假设此前未因较低等级的同类证书或称号获得过本条奖励（否则按级差奖励）"
            )
        out.amount = amount
        return out


class HighestOf(FormulaBase):
    """Several titles in one year → only the highest (就高, one award)."""

    label: ClassVar[str] = "多项就高取一"
    kind: Literal["highest_of"] = "highest_of"
    levels_input: str  # an enum_list input: the titles obtained
    options: list[LevelAmount]

    def input_fields(self) -> dict[str, str]:
        return {"levels_input": self.levels_input}

    def parameter_fields(self) -> dict[str, str]:
        return {f"options[{n}].parameter": o.parameter for n, o in enumerate(self.options)}

    def problems(
        self, inputs: Mapping[str, InputSpec], parameters: Mapping[str, Parameter]
    ) -> list[str]:
        return super().problems(inputs, parameters) + _keys_match_options(
            "options", self.options, inputs.get(self.levels_input)
        )

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        out = Outcome(None)
        name = self.levels_input
        if name not in values or not values[name]:
            out.missing.append(name)
            return out
        options = [(o.key, rule.param(o.parameter).value) for o in self.options]
        got = [(k, v) for k, v in options if k in values[name]]
        key, amount = max(got, key=lambda kv: kv[1])
        if len(got) > 1:
            listed = "、".join(f"{k}{format_money(v)}" for k, v in got)
            out.steps.append(
                f"同一申报年度获得多项称号（{listed}），按就高原则只享受一项：{key}{format_money(amount)}"
            )
        else:
            out.steps.append(f"{key}称号：一次性奖励{format_money(amount)}")
        out.amount = amount
        return out
