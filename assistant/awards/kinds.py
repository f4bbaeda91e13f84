"""The kinds of formula: small functions over Decimal, one per shape of clause.

A kind reads its parameters from the rule and its values from the coerced inputs, and returns
an :class:`Outcome` (exact Decimal amount or None, Chinese steps, missing input names). Caps,
rates and steps come from rules.yaml; nothing numeric about the policy is written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from assistant.awards.format import format_count, format_money, format_percent, format_value
from assistant.awards.rules import Parameter, Rule

Values = dict[str, Any]  # coerced inputs: Decimal, bool, str or list[str]

_PERIOD_WORDS = {"per_year": "每年", "one_time": "一次性", "per_item": "每项"}


@dataclass
class Outcome:
    amount: Decimal | None
    steps: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # input names
    assumptions: list[str] = field(default_factory=list)
    failure: str | None = None  # a stated fact that rules the award out (e.g. no upgrade)
    upper_bound: bool = False
    negotiated: bool = False


def _apply_cap(rule: Rule, amount: Decimal, out: Outcome, name: str = "cap") -> Decimal:
    cap: Parameter | None = rule.parameters.get(name)
    if cap is None:
        return amount
    if amount > cap.value:
        out.steps.append(f"超过上限{format_money(cap.value)}，按{format_money(cap.value)}计")
        amount = cap.value
    else:
        out.steps.append(f"上限{format_money(cap.value)}，未超过")
    if cap.cap_period == "per_year":
        out.assumptions.append(
            f"上限按单个企业每年计（“{cap.reference}”）；假设本年度尚未获得本款其他资金，"
            f"同一年度合计不超过{format_money(cap.value)}"
        )
    return amount


def _base(rule: Rule, values: Values, out: Outcome) -> Decimal | None:
    name = rule.formula["base"]
    if name not in values:
        out.missing.append(name)
        return None
    return values[name]


def fixed(rule: Rule, values: Values) -> Outcome:
    p = rule.param("amount")
    word = "一次性奖励" if p.cap_period == "one_time" else "奖励"
    return Outcome(p.value, [f"{word}{format_money(p.value)}（“{p.reference}”）"])


def rate_with_cap(rule: Rule, values: Values) -> Outcome:
    out = Outcome(None)
    base = _base(rule, values, out)
    if base is None:
        return out
    rate = rule.param("rate").value
    label = rule.input(rule.formula["base"]).label
    amount = base * rate / 100
    out.steps.append(
        f"{label}{format_money(base)} × {format_percent(rate)} = {format_money(amount)}"
    )
    out.amount = _apply_cap(rule, amount, out)
    return out


def matching_share(rule: Rule, values: Values) -> Outcome:
    out = Outcome(None)
    base = _base(rule, values, out)
    if base is None:
        return out
    share = rule.param("share").value
    label = rule.input(rule.formula["base"]).label
    amount = base * share / 100
    out.steps.append(
        f"{label}{format_money(base)} × {format_percent(share)} = {format_money(amount)}（配套）"
    )
    if "cap" in rule.parameters:
        amount = _apply_cap(rule, amount, out)
    else:
        out.steps.append("条文未规定配套上限")
    out.amount = amount
    return out


def per_step_with_cap(rule: Rule, values: Values) -> Outcome:
    """Whole steps only: 每增长1个百分点 / 每满200万条 — the part short of a step earns nothing."""
    out = Outcome(None)
    base = _base(rule, values, out)
    if base is None:
        return out
    spec = rule.input(rule.formula["base"])
    step = rule.param("step")
    unit_amount = rule.param("unit_amount").value
    steps = (base / step.value).to_integral_value(rounding=ROUND_FLOOR)
    if steps < 0:
        steps = Decimal(0)
    if spec.unit == "percent":
        out.steps.append(
            f"{spec.label}{format_percent(base)}，按每{format_percent(step.value).rstrip('%')}个"
            f"百分点计（不足部分不计）：{steps}个百分点"
        )
        count_word = f"{steps}个百分点"
    else:
        unit = (spec.quantity_units or [""])[0]
        out.steps.append(
            f"{spec.label}{format_count(base, unit)}，每满{format_count(step.value, unit)}计一档"
            f"（不足部分不计）：{steps}档"
        )
        count_word = f"{steps}档"
    below = rule.formula.get("below_first_step")
    if steps == 0 and below:
        # "每超过200万条…给予10万元": not reaching one step means the clause is not met at all
        shown = (
            format_percent(base)
            if spec.unit == "percent"
            else format_count(base, (spec.quantity_units or [""])[0])
        )
        out.failure = f"{spec.label}{shown}，未达到一档（“{step.reference}”），{below}"
        return out
    amount = steps * unit_amount
    out.steps.append(f"{count_word} × {format_money(unit_amount)} = {format_money(amount)}")
    out.amount = _apply_cap(rule, amount, out)
    return out


def per_item_with_yearly_cap(rule: Rule, values: Values) -> Outcome:
    out = Outcome(None)
    base = _base(rule, values, out)
    if base is None:
        return out
    unit_amount = rule.param("unit_amount").value
    amount = base * unit_amount
    out.steps.append(
        f"{format_count(base)}个 × {format_money(unit_amount)} = {format_money(amount)}"
    )
    out.amount = _apply_cap(rule, amount, out)
    return out


def _level_amounts(rule: Rule) -> dict[str, Decimal]:
    return {lv["key"]: rule.param(lv["parameter"]).value for lv in rule.formula["levels"]}


def _level_name(key: str) -> str:
    return f"{key}级" if key.isdigit() else key


def tiered_levels(rule: Rule, values: Values) -> Outcome:
    """Amount by level; a higher level after a lower one pays only the difference (级差)."""
    out = Outcome(None)
    level_input, prev_input = rule.formula["level"], rule.formula.get("previous_level")
    if level_input not in values:
        out.missing.append(level_input)
        return out
    amounts = _level_amounts(rule)
    level = values[level_input]
    amount = amounts[level]
    out.steps.append(f"{_level_name(level)}：奖励{format_money(amount)}")
    prev = values.get(prev_input) if prev_input else None
    if prev is not None:
        if rule.formula.get("upgrade_reading"):
            # how the levels were ordered (省级 and 国家级 titles on one ladder): an assumption
            out.assumptions.append(rule.formula["upgrade_reading"])
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
    elif prev_input:
        out.assumptions.append(
            "假设此前未因较低等级的同类证书或称号获得过本条奖励（否则按级差奖励）"
        )
    out.amount = amount
    return out


def highest_of(rule: Rule, values: Values) -> Outcome:
    """Several titles in one year → only the highest (就高, one award)."""
    out = Outcome(None)
    name = rule.formula["levels_input"]
    if name not in values or not values[name]:
        out.missing.append(name)
        return out
    options = [(o["key"], rule.param(o["parameter"]).value) for o in rule.formula["options"]]
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


def up_to_cap(rule: Rule, values: Values) -> Outcome:
    """Clauses that set only a ceiling (服务券, 运营补贴): the exact sum is decided elsewhere."""
    cap = rule.param("cap")
    basis = rule.formula.get("basis", "")
    base_name = rule.formula.get("base", "requested_yuan")
    out = Outcome(None)
    if base_name in values:
        requested = values[base_name]
        out.steps.append(f"{rule.input(base_name).label}{format_money(requested)}")
        out.amount = _apply_cap(rule, requested, out)
        return out
    period = _PERIOD_WORDS.get(cap.cap_period or "", "")
    out.steps.append(f"{period}最高{format_money(cap.value)}（“{cap.reference}”）")
    if basis:
        out.steps.append(f"具体金额：{basis}")
    for key, p in rule.parameters.items():
        if key != "cap":
            out.steps.append(f"{p.description}：{format_money(p.value)}（“{p.reference}”）")
    out.amount = cap.value
    out.upper_bound = True
    if cap.cap_period == "per_year":
        out.assumptions.append(f"以上为上限，按单个企业每年计（“{cap.reference}”）")
    return out


def interest_subsidy(rule: Rule, values: Values) -> Outcome:
    """Loan interest at min(rate, LPR), capped per year, for at most max_years years."""
    f = rule.formula
    out = Outcome(None)
    for key in ("principal", "rate"):
        if f[key] not in values:
            out.missing.append(f[key])
    if out.missing:
        return out
    principal, rate = values[f["principal"]], values[f["rate"]]
    lpr = values.get(f["lpr"])
    if lpr is None:
        used = rate
        out.assumptions.append(
            f"假设贷款年利率{format_percent(rate)}未超过同期LPR（“{f['rate_ceiling_reference']}”），"
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
    yearly = _apply_cap(rule, yearly, out)
    max_years = rule.param("max_years")
    years = values.get(f["years"])
    if years is None:
        out.assumptions.append(f"按一个年度计算；{max_years.reference}")
        amount = yearly
    else:
        if years > max_years.value:
            out.steps.append(f"贴息期限{years}年，{max_years.reference}，按{max_years.value}年计")
            years = max_years.value
        amount = yearly * years
        out.steps.append(f"{format_money(yearly)} × {years}年 = {format_money(amount)}")
    out.steps.append(f.get("basis", ""))
    out.steps = [s for s in out.steps if s]
    out.amount = amount
    out.upper_bound = True
    return out


def negotiated(rule: Rule, values: Values) -> Outcome:
    ref = rule.formula.get("reference", "")
    return Outcome(
        None,
        [
            f"本条采取“一事一议”方式给予支持，条文未规定具体金额（“{ref}”）",
            "具体支持内容和额度需与责任单位逐项商定",
        ],
        negotiated=True,
    )


KINDS: dict[str, Callable[[Rule, Values], Outcome]] = {
    "fixed": fixed,
    "rate_with_cap": rate_with_cap,
    "matching_share": matching_share,
    "per_step_with_cap": per_step_with_cap,
    "per_item_with_yearly_cap": per_item_with_yearly_cap,
    "tiered_levels": tiered_levels,
    "highest_of": highest_of,
    "up_to_cap": up_to_cap,
    "interest_subsidy": interest_subsidy,
    "negotiated": negotiated,
}

__all__ = ["KINDS", "Outcome", "Values", "format_value"]
