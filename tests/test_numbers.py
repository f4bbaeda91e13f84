"""Chinese amounts, counts and percentages → Decimal (assistant.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.numbers import (
    NumberError,
    extract_quantities,
    parse_amount,
    parse_quantity,
    to_decimal,
)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("2.5亿", "250000000", "money"),
        ("1.6亿元", "160000000", "money"),
        ("8000万元", "80000000", "money"),
        ("一千二百万", "12000000", "money"),
        ("1,200万", "12000000", "money"),
        ("六千台", "6000", "count"),
        ("1万台套", "10000", "count"),
        ("300家", "300", "count"),
        ("500万条", "5000000", "count"),
        ("1500万次", "15000000", "times"),
        ("3个", "3", "count"),
        ("百分之四十", "40", "percent"),
        ("40%", "40", "percent"),
        ("４０％", "40", "percent"),
        ("20个百分点", "20", "percent"),
        ("百分之12.5", "12.5", "percent"),
        ("十二点五亿", "1250000000", "money"),
        ("两千万", "20000000", "money"),
        ("5000元", "5000", "money"),
        ("3千万", "30000000", "money"),
        ("800万", "8000000", "money"),
        ("二百家", "200", "count"),
        ("5001台（套）", "5001", "count"),
        ("十万元", "100000", "money"),  # 十 = 一十: found by hypothesis (an2cn(10) = 十)
        ("十五万元", "150000", "money"),
        ("十万台", "100000", "count"),
    ],
)
def test_parse_quantity(text: str, value: str, kind: str) -> None:
    q = parse_quantity(text)
    assert q.value == Decimal(value)
    assert isinstance(q.value, Decimal)
    assert q.kind == kind


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-800万", "负数"),
        ("负八百万", "负数"),
        ("1e30元", "过大"),
        ("亿亿", "无法识别"),
        ("亿亿元", "无法识别"),
        ("abc", "无法识别"),
        ("", "为空"),
        ("八百万台吧", "无法识别"),
    ],
)
def test_bad_values_have_clear_chinese_messages(text: str, message: str) -> None:
    with pytest.raises(NumberError, match=message):
        parse_quantity(text)


def test_parse_amount_rejects_counts() -> None:
    assert parse_amount("2.5亿") == Decimal(250000000)
    with pytest.raises(NumberError):
        parse_amount("300家")


def test_to_decimal_never_keeps_a_float() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(3) == Decimal(3)
    assert to_decimal("800万") == Decimal(8000000)
    for bad in (float("inf"), float("nan"), True, None, [1]):
        with pytest.raises(NumberError):
            to_decimal(bad)


def test_extract_quantities_from_a_sentence() -> None:
    text = (
        "我们是5G芯片企业，首次进入百强，一次性奖励，去年主营收入1亿，今年1.2亿，"
        "服务了300家企业，接入六千台设备，三年内"
    )
    qs = extract_quantities(text)
    assert [(q.raw, q.value, q.kind) for q in qs] == [
        ("1亿", Decimal(100000000), "money"),
        ("1.2亿", Decimal(120000000), "money"),
        ("300家", Decimal(300), "count"),
        ("六千台", Decimal(6000), "count"),
    ]
    for q in qs:
        assert text[q.span[0] : q.span[1]] == q.raw


def test_extract_skips_words_that_look_like_numbers() -> None:
    for text in ("一次性奖励", "第一个", "两化融合", "万企上云", "百强", "4K/8K", "三年", "2022年"):
        assert [q for q in extract_quantities(text) if q.kind != "number"] == [], text


def test_extract_raises_on_negative_or_absurd() -> None:
    with pytest.raises(NumberError):
        extract_quantities("流片花了-800万")
    with pytest.raises(NumberError):
        extract_quantities("费用1e30元")


@given(st.integers(min_value=1, max_value=99_999_999))
def test_wan_amounts_round_trip(n: int) -> None:
    assert parse_quantity(f"{n}万").value == Decimal(n) * 10000
    assert parse_quantity(f"{n}元").value == Decimal(n)


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_via_cn2an(n: int) -> None:
    import cn2an

    cn = cn2an.an2cn(n)
    assert parse_quantity(f"{cn}万元").value == Decimal(n) * 10000


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        qs = extract_quantities(text)
    except NumberError:
        return
    for q in qs:
        assert isinstance(q.value, Decimal)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一个亿", "100000000"),
        ("两个亿", "200000000"),
        ("1个亿", "100000000"),
        ("3个亿", "300000000"),
        ("半个亿", "50000000"),
        ("半亿", "50000000"),
        ("一亿二", "120000000"),  # the lone 二 after 亿 means 二千万
        ("三亿五", "350000000"),
        ("两万五", "25000"),
        ("一亿零二", "100000002"),  # with 零 the digit is a unit, not elided
    ],
)
def test_spoken_amounts(text: str, value: str) -> None:
    q = parse_quantity(text)
    assert q.value == Decimal(value) and q.kind == "money" and not q.approx


@pytest.mark.parametrize(
    ("text", "raw", "value", "approx"),
    [
        ("设备投入三千来万", "三千来万", "30000000", True),
        ("花了八百多万", "八百多万", "8000000", True),
        ("花了1000多万元", "1000多万元", "10000000", True),
        ("服务了300多家企业", "300多家", "300", True),
        ("投资3000万左右", "3000万左右", "30000000", True),
        ("大约3000万", "大约3000万", "30000000", True),
        ("将近2亿", "将近2亿", "200000000", True),
        ("签约3000万", "3000万", "30000000", False),  # 签约 is not 约 (about)
        ("投了1亿2000万元", "1亿2000万元", "120000000", False),  # two parts, one figure
        ("投了1亿2", "1亿2", "120000000", False),
        ("投了两个亿", "两个亿", "200000000", False),
    ],
)
def test_extract_round_and_joined_figures(text: str, raw: str, value: str, approx: bool) -> None:
    qs = extract_quantities(text)
    assert [(q.raw, q.value, q.approx) for q in qs] == [(raw, Decimal(value), approx)]
    assert text[qs[0].span[0] : qs[0].span[1]] == raw  # spans still index the text


def test_ge_before_yi_only() -> None:
    # 个 is a count unit except right before 亿
    assert [(q.value, q.kind) for q in extract_quantities("3个方案")] == [(Decimal(3), "count")]
    assert [(q.value, q.kind) for q in extract_quantities("3个亿")] == [
        (Decimal(300000000), "money")
    ]
    assert [q.raw for q in extract_quantities("营收2亿，增长了3个百分点")] == ["2亿", "3个百分点"]
