"""Keyword tokens: policy terms stay whole, clause references become tokens."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.tokenize import (
    clause_reference_tokens,
    cn_numeral_to_int,
    expansion_tokens,
    load_synonyms,
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


@pytest.mark.parametrize("text", ["一二十", "十一二", "十十", "二十十"])
def test_malformed_cn_numerals_are_not_numbers(text: str) -> None:
    assert cn_numeral_to_int(text) is None
    assert isinstance(query_tokens(f"三.{text}条"), list)


@given(st.text(max_size=200))
def test_tokenizers_never_raise(text: str) -> None:
    assert isinstance(query_tokens(text), list)
    assert cn_numeral_to_int(text) is None or cn_numeral_to_int(text) >= 0


# -- thesaurus expansion (knowledge/synonyms.yaml) -------------------------------------------


@pytest.mark.parametrize(
    ("question", "official"),
    [
        ("芯片封测放在哪个园区", "封装测试"),
        ("投片费用能补吗", "首轮流片"),
        ("展会租摊位的钱", "场地租赁费"),
        ("上央视打广告", "中央一级媒体"),
        ("银行借钱的利息能帮出吗", "贴息"),
        ("上机器人自动化产线", "智能化改造"),
        ("产品赋码注册", "标识"),
        ("和老政策撞车了", "冲突"),
        ("文件是写给谁的", "单位"),
        ("二五年的目标", "2025"),
        ("手机镜头厂", "摄像模组"),
        ("智能手表", "智能穿戴"),
        ("基站电费", "转供电"),
        ("LPR是多少", "利率"),  # Latin keys match regardless of case
    ],
)
def test_colloquial_words_expand_to_official_terms(question: str, official: str) -> None:
    # The official term's own tokens (as documents carry them) join the question's.
    wanted = set(tokenize(official))
    assert wanted and wanted <= set(query_tokens(question))
    assert wanted <= set(tokenize(question)) | set(expansion_tokens(question))
    assert not wanted <= set(tokenize(question))  # without the thesaurus they were absent


def test_expansion_keeps_original_tokens_first_and_adds_each_once() -> None:
    original = tokenize("摊位和展台的费用") + reference_tokens("摊位和展台的费用")
    tokens = query_tokens("摊位和展台的费用")
    assert tokens[: len(original)] == original
    added = tokens[len(original) :]
    assert len(added) == len(set(added))  # 摊位 and 展台 both give 场地租赁费: once
    assert not set(added) & set(original)


def test_no_expansion_without_colloquial_words() -> None:
    assert expansion_tokens("首轮流片费用补助比例") == []
    assert query_tokens("首轮流片费用补助比例") == tokenize("首轮流片费用补助比例")


def test_official_wording_is_not_re_expanded() -> None:
    # "两化" inside "两化融合" must not drag in 两化融合管理体系 (a different clause).
    assert expansion_tokens("两化融合试点示范") == []
    # Whether jieba keeps 两化融合管理体系 whole depends on the policy terms registered so
    # far in the process (an opened index adds them): accept either segmentation.
    expanded = expansion_tokens("两化贯标奖励")
    assert "管理体系" in expanded or "两化融合管理体系" in expanded


def test_latin_keys_do_not_fire_inside_words() -> None:
    assert "集成电路" not in expansion_tokens("basic music")
    assert "集成电路" in expansion_tokens("IC设计")


def test_thesaurus_targets_the_policy_wording() -> None:
    policy = (
        Path(__file__).resolve().parents[1] / "knowledge/policies/zhengzhou-ngit-2022/policy.txt"
    ).read_text(encoding="utf-8")
    table = load_synonyms().table
    assert len(table) >= 150
    # Official terms are the policy's words, so the expansion can match something.
    missing = [t for terms in table.values() for t in terms if t not in policy]
    assert missing == []


def test_malformed_thesaurus_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "synonyms.yaml"
    bad.write_text("synonyms:\n  封: [封装测试]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two characters"):
        load_synonyms(bad)
    bad.write_text("synonyms:\n  封测: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non-empty"):
        load_synonyms(bad)
    bad.write_text("- 封测\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        load_synonyms(bad)
