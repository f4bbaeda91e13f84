"""Keyword tokens: policy terms stay whole, clause references become tokens."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.tokenize import (
    clause_reference_tokens,
    cn_numeral_to_int,
    query_tokens,
    reference_tokens,
    tokenize,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("四.10说的是什么", "§四.10"),
        ("第四部分第10条", "§四.10"),
        ("第四部分第十条的补助", "§四.10"),
        ("三．7 发展MEMS", "§三.7"),
        ("三(二)讲什么", "§三.(二)"),
        ("五（四）容错机制", "§五.(四)"),
        ("第12条", "§条12"),
    ],
)
def test_clause_references_in_questions(text: str, expected: str) -> None:
    assert expected in reference_tokens(text)


def test_clause_carries_its_reference_tokens() -> None:
    assert clause_reference_tokens("四.10") == ["§四.10", "§条10"]
    assert clause_reference_tokens("二.(二)") == ["§二.(二)"]
    assert set(clause_reference_tokens("四.10")) & set(query_tokens("第四部分第10条"))


@pytest.mark.parametrize("term", ["首轮流片", "标识解析", "揭榜挂帅", "两化融合", "双跨平台"])
def test_policy_terms_stay_whole(term: str) -> None:
    assert term in tokenize(f"我们想了解{term}的补助")


def test_stopwords_and_punctuation_dropped() -> None:
    tokens = tokenize("请问，我们能拿多少？")
    assert "，" not in tokens and "？" not in tokens and "多少" not in tokens


def test_numbers_are_tokens() -> None:
    assert "2000" in tokenize("投资在2000万元以上")


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("十", 10), ("十七", 17), ("二十一", 21), ("9", 9)]
)
def test_cn_numerals(text: str, value: int) -> None:
    assert cn_numeral_to_int(text) == value


@given(st.text(max_size=200))
def test_tokenizers_never_raise(text: str) -> None:
    assert isinstance(query_tokens(text), list)
    assert cn_numeral_to_int(text) is None or cn_numeral_to_int(text) >= 0
