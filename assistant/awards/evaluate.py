"""Evaluate one rule on given inputs: coerce, derive, check conditions, compute, round, date.

Semantics (also written in rules.yaml):
- a condition whose input the user did not state is assumed met and listed in ``assumptions``;
- a stated fact violating a condition → ``eligible=False``, amount 0, the failed condition named;
- a quantity the formula needs but nobody gave → ``amount_yuan=None``, ``missing`` + ``follow_up``;
- the exact Decimal result is rounded half up to whole yuan;
- after the validity period the clause's amount is still computed, with a clear expiry note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assistant.answer import AwardResult
from assistant.awards.errors import AwardInputError
from assistant.awards.format import format_count, format_money, format_value
from assistant.awards.rules import Condition, InputSpec, Rule, RuleBook, Validity
from assistant.numbers import MAX_VALUE, NumberError, parse_quantity, to_decimal

_TRUE = {"是", "有", "对", "已", "true", "yes", "y", "1", "真"}
_FALSE = {"否", "不是", "没有", "无", "未", "false", "no", "n", "0", "假"}
_ACCEPTED_KINDS = {
    "yuan": {"money", "number"},
    "percent": {"percent", "number"},
    "count": {"count", "number"},
    "times": {"times", "count", "number"},
}
_MAX_BY_UNIT = {
    "yuan": MAX_VALUE["money"],
    "percent": MAX_VALUE["percent"],
    "count": MAX_VALUE["count"],
    "times": MAX_VALUE["times"],
}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}


def _number(spec: InputSpec, raw: Any) -> Decimal:
    try:
        if isinstance(raw, str):
            q = parse_quantity(raw)
            if q.kind not in _ACCEPTED_KINDS[spec.unit]:
                want = {"yuan": "金额", "percent": "百分比", "count": "数量", "times": "次数"}
                raise AwardInputError(f"“{spec.label}”应为{want[spec.unit]}，收到“{raw}”")
            value = q.value
        else:
            value = to_decimal(raw, spec.label)
    except NumberError as exc:
        raise AwardInputError(f"“{spec.label}”：{exc}") from exc
    if value < 0 and not spec.allow_negative:
        raise AwardInputError(f"“{spec.label}”不能为负数（收到{raw}）")
    if value == 0 and not spec.allow_zero:
        raise AwardInputError(f"“{spec.label}”为0，无法据此计算，请提供实际数额")
    limit = spec.max if spec.max is not None else _MAX_BY_UNIT[spec.unit]
    if abs(value) > limit:
        raise AwardInputError(f"“{spec.label}”数额过大（收到{raw}），请核对单位")
    if spec.type == "integer" and value != value.to_integral_value():
        raise AwardInputError(f"“{spec.label}”应为整数（收到{raw}）")
    return value


def _bool(spec: InputSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise AwardInputError(f"“{spec.label}”应为“是”或“否”（收到{raw!r}）")


def _enum(spec: InputSpec, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise AwardInputError(f"“{spec.label}”应为以下之一：{'、'.join(spec.option_values())}")
    text = str(raw).strip()
    for opt in spec.options or []:
        if text == opt.value or text.lower() in (a.lower() for a in opt.aliases):
            return opt.value
    raise AwardInputError(
        f"“{spec.label}”应为以下之一：{'、'.join(spec.option_values())}（收到“{text}”）"
    )


def coerce(spec: InputSpec, raw: Any) -> Any:
    """One raw value (int, Decimal, str like "800万", bool, float via str) → typed value."""
    if spec.type in ("decimal", "integer"):
        return _number(spec, raw)
    if spec.type == "bool":
        return _bool(spec, raw)
    if spec.type == "enum":
        return _enum(spec, raw)
    # enum_list: a list, or text separated by 、 , ，
    items = raw
    if isinstance(raw, str):
        items = [p for p in raw.replace("、", ",").replace("，", ",").split(",") if p.strip()]
    if not isinstance(items, list | tuple) or not items:
        raise AwardInputError(f"“{spec.label}”应为一个或多个：{'、'.join(spec.option_values())}")
    out: list[str] = []
    for item in items:
        value = _enum(spec, item)
        if value not in out:
            out.append(value)
    return out


def _derive(rule: Rule, values: dict[str, Any], stated: set[str], steps: list[str]) -> None:
    for d in rule.formula.derive:
        step = d.apply(values, lambda name: rule.input(name).label)
        if step is None:
            continue
        steps.append(step)
        # derived from facts the user stated → itself a stated fact (conditions are checked)
        if all(s in stated for s in d.sources):
            stated.add(d.input)


def _check(cond: Condition, value: Any) -> bool:
    if cond.op == "bool":
        return bool(value) == cond.expect
    if cond.op == "in":
        return value in (cond.values or [])
    return _OPS[cond.op](value, cond.threshold)


def _stated_value(rule: Rule, cond: Condition, values: dict[str, Any]) -> str:
    """The user's figure behind a failed threshold ("贵企业为4800万元"), so the trace shows why."""
    if cond.op not in _OPS:
        return ""
    spec, value = rule.input(cond.input), values[cond.input]
    if spec.unit == "count" and spec.quantity_units:
        shown = format_count(value, spec.quantity_units[0])
    else:
        shown = format_value(value, spec.unit)
    return f"；{spec.label}为{shown}"


def validity_note(v: Validity, today: date, contact: str = "") -> tuple[str, bool]:
    """Chinese note on the period as of ``today`` and whether the period has ended; every fact
    comes from the rule's validity (rules.yaml) and the policy's contact (policy.yaml)."""
    years = "一二三四五六七八九十"[v.years - 1] if 1 <= v.years <= 10 else str(v.years)
    # what the policy calls itself (本意见, 本办法) is the start of its own validity sentence
    head = v.reference.split("自", 1)[0]
    self_name = head if head.startswith("本") and len(head) <= 4 else "本政策"
    period = (
        f"{self_name}自{v.start.year}年{v.start.month}月{v.start.day}日公布之日起实施，有效期{years}年，"
        f"至{v.end.year}年{v.end.month}月{v.end.day}日止"
    )
    if today > v.end:
        ask = f"请向{contact}咨询" if contact else "请向责任单位咨询"
        return (
            f"{period}，截至今天（{today.isoformat()}）已经到期。以上按原条款测算，仅供参考；"
            f"能否申报{ask}是否有接续政策。",
            True,
        )
    if today < v.start:
        return f"{period}；今天（{today.isoformat()}）尚未实施。", False
    return f"{period}；今天（{today.isoformat()}）仍在有效期内，具体以申报通知为准。", False


def round_yuan(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def evaluate(
    rule_id: str,
    inputs: Mapping[str, Any],
    *,
    today: date,
    stated: set[str] | None = None,
    rulebook: RuleBook,
) -> AwardResult:
    """Compute one rule of ``rulebook``. ``stated`` = input names the user actually said (None:
    all given). The result's ids are as the book shows them (slug-qualified when it is not the
    default policy of several)."""
    book = rulebook
    if not isinstance(book, RuleBook):
        raise TypeError("evaluate needs the RuleBook of the rule's policy")
    rule = book.get(rule_id)
    if not isinstance(today, date):
        raise AwardInputError("today 应为日期")
    if not isinstance(inputs, Mapping):
        raise AwardInputError("输入应为“名称: 数值”的映射")
    values: dict[str, Any] = {}
    for name, raw in inputs.items():
        if not isinstance(name, str):
            raise AwardInputError(f"输入项名称应为文字（收到{name!r}）")
        spec = rule.input(name)  # raises on unknown names
        if raw is None:
            continue
        values[name] = coerce(spec, raw)
    said = set(values) if stated is None else {s for s in stated if s in values}

    steps: list[str] = []
    assumptions: list[str] = []
    _derive(rule, values, said, steps)
    for spec in rule.inputs:
        if spec.fallback_from and spec.name not in values and spec.fallback_from in values:
            values[spec.name] = values[spec.fallback_from]
            assumptions.append(spec.fallback_assumption or f"{spec.label}按{spec.fallback_from}计")

    failures: list[Condition] = []
    for cond in rule.conditions:
        if cond.input in values and cond.input in said:
            if not _check(cond, values[cond.input]):
                failures.append(cond)
        else:
            assumptions.append(f"{cond.assumption}（条件：“{cond.phrase}”，{cond.reading}）")

    note, expired = validity_note(rule.validity, today, book.contact)
    result = AwardResult(
        rule=book.ref(rule.id),
        clause=book.ref(rule.clause),
        policy=book.policy,
        title=rule.title,
        kind=rule.kind,
        validity_note=note,
        expired=expired,
    )
    if failures:
        result.eligible = False
        result.amount_yuan = 0
        result.failed = [c.input for c in failures]
        result.steps = steps + [
            f"不符合条件：{c.failure}{_stated_value(rule, c, values)}（条文：“{c.phrase}”；"
            f"{c.reading}）"
            for c in failures
        ]
        result.assumptions = assumptions
        return _finish(result, expired, note)

    outcome = rule.formula.compute(rule, values)
    steps += outcome.steps
    assumptions += outcome.assumptions
    result.steps = steps
    result.assumptions = assumptions
    result.upper_bound = outcome.upper_bound
    result.negotiated = outcome.negotiated
    if outcome.failure:
        result.eligible = False
        result.amount_yuan = 0
        result.steps.append(f"不符合条件：{outcome.failure}")
    elif outcome.negotiated:
        result.eligible = None
    elif outcome.missing:
        specs = [rule.input(n) for n in outcome.missing]
        result.missing = [s.label for s in specs]
        result.follow_up = "".join(s.ask() for s in specs)
    elif outcome.amount is not None:
        exact = outcome.amount
        result.amount_yuan = round_yuan(exact)
        if exact != result.amount_yuan:
            result.steps.append(
                f"按四舍五入取整到元：{format_money(exact)} ≈ {format_money(result.amount_yuan)}"
            )
        word = "最高可获" if outcome.upper_bound else "可获"
        result.steps.append(f"{word}{format_money(result.amount_yuan)}")
    return _finish(result, expired, note)


def _finish(result: AwardResult, expired: bool, note: str) -> AwardResult:
    if expired:
        result.assumptions.append(note)
    return result


__all__ = ["AwardInputError", "coerce", "evaluate", "format_value", "round_yuan", "validity_note"]
