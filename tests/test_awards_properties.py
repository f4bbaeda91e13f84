"""Hypothesis properties of the award engine over every rule of the rule file."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.awards import AwardInputError, default_rulebook, evaluate
from assistant.numbers import NumberError, extract_quantities
from assistant.understand import dialogue

BOOK = default_rulebook()
TODAY = date(2024, 6, 1)


def _base(rule) -> str | None:
    """The input the rule's kind computes from directly (rate_with_cap, per_step_with_cap …)."""
    return getattr(rule.formula, "base", None)


BASE_RULES = [r for r in BOOK.rules.values() if _base(r)]
CAPPED = [r for r in BASE_RULES if r.cap is not None]
CONDITIONED = [r for r in BOOK.rules.values() if r.conditions]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.integers(min_value=1, max_value=10**11)


def _base_value(rule, n: int) -> Any:
    spec = rule.input(_base(rule))
    if spec.unit == "percent":
        return Decimal(n % 100000) / 100 + 1
    if spec.unit in ("count", "times"):
        return n % 10**9 + 1
    return n


def _walk_no_float(obj: Any) -> None:
    assert not isinstance(obj, float), obj
    if isinstance(obj, dict):
        for v in obj.values():
            _walk_no_float(v)
    elif isinstance(obj, list):
        for v in obj:
            _walk_no_float(v)


@pytest.mark.parametrize("rule", CAPPED, ids=lambda r: r.id)
@FAST
@given(n=money)
def test_amount_never_exceeds_cap(rule, n: int) -> None:
    r = evaluate(rule.id, {_base(rule): _base_value(rule, n)}, today=TODAY, rulebook=BOOK)
    assert r.amount_yuan is not None
    assert 0 <= r.amount_yuan <= rule.cap


YEARLY = [r for r in CAPPED if any(p.received_input for p in r.parameters.values() if p.cap_period)]


@pytest.mark.parametrize("rule", YEARLY, ids=lambda r: r.id)
@FAST
@given(n=money, received=money)
def test_this_years_awards_together_never_exceed_the_yearly_cap(rule, n: int, received: int):
    # 同一年度合计不超过上限: what was received this year plus this award stays within the cap,
    # and the award is what it would be alone whenever the rest of the cap allows it
    received_yuan = Decimal(received % int(rule.cap * 2))
    inputs = {_base(rule): _base_value(rule, n)}
    alone = evaluate(rule.id, inputs, today=TODAY, rulebook=BOOK).amount_yuan
    r = evaluate(
        rule.id, {**inputs, "received_this_year_yuan": received_yuan}, today=TODAY, rulebook=BOOK
    )
    assert alone is not None and r.amount_yuan is not None
    assert r.amount_yuan == min(alone, max(rule.cap - received_yuan, 0))


@pytest.mark.parametrize("rule", BASE_RULES, ids=lambda r: r.id)
@FAST
@given(a=money, b=money)
def test_monotone_in_the_base(rule, a: int, b: int) -> None:
    lo, hi = sorted((_base_value(rule, a), _base_value(rule, b)))
    r_lo = evaluate(rule.id, {_base(rule): lo}, today=TODAY, rulebook=BOOK)
    r_hi = evaluate(rule.id, {_base(rule): hi}, today=TODAY, rulebook=BOOK)
    assert r_lo.amount_yuan <= r_hi.amount_yuan


def _violating_value(cond) -> Any:
    if cond.op == "bool":
        return not cond.expect
    if cond.op == "in":
        return "其他"
    t = cond.threshold
    return {">=": t - 1, ">": t, "<=": t + 1, "<": t, "==": t + 1}[cond.op]


@pytest.mark.parametrize("rule", CONDITIONED, ids=lambda r: r.id)
@FAST
@given(n=money, pick=st.integers(min_value=0, max_value=50))
def test_zero_when_a_stated_condition_fails(rule, n: int, pick: int) -> None:
    cond = rule.conditions[pick % len(rule.conditions)]
    inputs: dict[str, Any] = {cond.input: _violating_value(cond)}
    base = _base(rule)
    if base and base != cond.input:
        inputs[base] = _base_value(rule, n)
    r = evaluate(rule.id, inputs, today=TODAY, rulebook=BOOK)
    assert r.eligible is False
    assert r.amount_yuan == 0


@pytest.mark.parametrize("rule", list(BOOK.rules.values()), ids=lambda r: r.id)
@FAST
@given(n=money)
def test_never_a_float_in_the_result(rule, n: int) -> None:
    base = _base(rule)
    inputs = {base: _base_value(rule, n)} if base else {}
    r = evaluate(rule.id, inputs, today=TODAY, rulebook=BOOK)
    assert r.amount_yuan is None or type(r.amount_yuan) is int
    _walk_no_float(json.loads(r.model_dump_json()))


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.decimals(allow_nan=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@FAST
@given(
    rule_id=st.one_of(st.sampled_from(list(BOOK.rules)), st.text(max_size=8), st.integers()),
    inputs=st.dictionaries(
        st.one_of(
            st.sampled_from(sorted({i.name for r in BOOK.rules.values() for i in r.inputs})),
            st.text(max_size=6),
        ),
        anything,
        max_size=4,
    ),
)
def test_arbitrary_inputs_give_result_or_award_input_error(rule_id: Any, inputs: dict) -> None:
    try:
        r = evaluate(rule_id, inputs, today=TODAY, rulebook=BOOK)
    except AwardInputError as exc:
        assert str(exc)
        return
    assert r.amount_yuan is None or (type(r.amount_yuan) is int and r.amount_yuan >= 0)


numeralish = st.text(
    alphabet=list("0123456789.,-e一二两三四五六七八九十百千万亿点负元家台套条次个%百分之"),
    max_size=14,
)


@FAST
@given(numeralish)
def test_numeral_soup_gives_quantities_or_number_error(text: str) -> None:
    with contextlib.suppress(NumberError):
        extract_quantities(text)


@FAST
@given(question=st.text(max_size=40), numbers=numeralish)
def test_answer_award_never_raises(question: str, numbers: str) -> None:
    r = dialogue.answer_award(
        f"首轮流片{numbers}能补多少{question}", [question], [], TODAY, rulebook=BOOK
    )
    assert r is None or r.amount_yuan is None or type(r.amount_yuan) is int
