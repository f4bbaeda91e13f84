"""A count said with a bound word ("不少于300家", "6000余台") is a bound, not the count itself
(figures.count_bound, dialogue.settle_count_bounds): it meets a condition on the count only
when every count it allows does; otherwise the exact count is asked, never ineligibility.

The questions are new (not those of the eval files).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.awards import default_rulebook
from assistant.numbers import extract_quantities
from assistant.understand.dialogue import answer_awards, bound_meets
from assistant.understand.figures import count_bound

TODAY = date(2024, 6, 1)
BOOK = default_rulebook()


def _count(text: str):
    return next(q for q in extract_quantities(text) if q.kind == "count")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("接入的企业逾300家", (">", Decimal(300))),
        ("联网设备突破了8000台", (">", Decimal(8000))),
        ("客户有600多家", (">", Decimal(600))),
        ("服务了不少于250家企业", (">=", Decimal(250))),
        ("连接设备9000台以上", (">=", Decimal(9000))),
        ("用户不足150家", ("<", Decimal(150))),
        ("服务企业320家", None),
    ],
)
def test_count_bound_reads_the_bound_word(text, expected):
    assert count_bound(text, _count(text)) == expected


@pytest.mark.parametrize(
    ("op", "value", "cond_op", "threshold", "meets"),
    [
        (">", 200, ">", 200, True),  # 超过200 meets 超过200
        (">=", 201, ">", 200, True),  # 不少于201 is 201 and up
        (">=", 200, ">", 200, False),  # 200以上 may be 200 itself
        ("<", 300, ">", 200, False),  # 不到300 may be 150
        (">", 999, ">=", 1000, True),
        ("<=", 50, "<", 51, True),
    ],
)
def test_bound_meets_only_when_every_count_it_allows_does(op, value, cond_op, threshold, meets):
    assert bound_meets(op, Decimal(value), cond_op, threshold) is meets


def _award(question: str):
    results = answer_awards(question, [], [], TODAY, rulebook=BOOK)
    return next(r for r in results if "服务收入" in r.title)


def test_a_bound_meeting_the_condition_is_no_failure():
    r = _award("我们平台去年服务收入600万，接入企业逾500家，联网设备7000余台，能补多少？")
    assert r.eligible is not False
    assert r.amount_yuan == 1800000


def test_a_bound_that_does_not_settle_the_condition_is_asked():
    r = _award("我们平台去年服务收入600万，接入企业不到400家，设备连接数6500台，能补多少？")
    assert r.amount_yuan is None
    assert r.eligible is None
    assert "平台服务企业数" in r.missing


def test_an_upgrade_without_the_level_before_asks_for_it():
    # an upgrade (升到) paid by the difference, the earlier level not said: asked, not guessed
    results = answer_awards(
        "两化融合管理体系证书升为3级，补差额的话给多少钱？", [], [], TODAY, rulebook=BOOK
    )
    assert results
    assert all(r.amount_yuan is None for r in results)
