"""Frames: every award a message asks about, each with its own part of the message."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.awards import default_rulebook
from assistant.understand import dialogue
from assistant.understand.frames import assign, frames, segments

TODAY = date(2024, 6, 1)


def answer_awards(question, history, ranked, today):  # the default policy's rules, given
    return dialogue.answer_awards(question, history, ranked, today, rulebook=default_rulebook())


@pytest.fixture(scope="module")
def book():
    return default_rulebook()


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("流片花了600万，另外在央视做了产品广告200万，各补多少？", ["四.10", "四.17-央媒广告"]),
        # a figure that names no rule keeps to the clause the message names (标识解析)
        (
            "标识解析二级节点建设花了300万，服务收入100万，分别补多少",
            ["四.5-二级节点", "四.5-标识解析服务"],
        ),
        ("展位费和布展费共60万，央视广告200万", ["四.17-展会补贴", "四.17-央媒广告"]),
        # an award fixed by the clause makes a frame without a figure
        ("我们首次进入电子信息百强，另外流片花了500万", ["四.1", "四.10"]),
        ("今年获评省级智能车间，还首次进入中国电子信息企业百强，各奖多少", ["四.15", "四.1"]),
        # a sub-award of a clause hangs on its subject: 双跨平台 named, its subsidiary is asked
        (
            "双跨平台在郑州设立的控股子公司经营良好，另外首轮流片花了500万，各奖多少",
            ["四.4-控股子公司", "四.10"],
        ),
        # the special funds (专项资金) of 四.4 are its 工业互联网资金: a frame of their own
        (
            "平台服务收入600万，还拿到国家工业互联网创新发展专项资金100万，分别补多少",
            ["四.4-服务收入补助", "四.4-上级资金配套"],
        ),
        # a joining word right after a figure starts the next award's part
        ("首轮流片费用300万与中央电视台广告200万，各补多少", ["四.10", "四.17-央媒广告"]),
    ],
)
def test_a_message_about_several_awards_has_a_frame_for_each(book, text, rules) -> None:
    assert [f.rule.id for f in frames(book, text)] == rules


@pytest.mark.parametrize(
    "text",
    [
        "场地租了30万，布展花了20万，能补多少",  # two inputs of one rule: one frame
        "首轮流片，费用800万",  # the figure continues the segment before it
        "我们是双跨平台，总部落户郑州，有什么奖励",  # who the enterprise is: a premise
        "流片花了800万能补多少",
        # our own subsidiary, told beside the revenue award, is no 双跨平台 subsidiary award
        "我们总部在香港，在郑州高新区注册了全资控股子公司做传感器，去年营收1亿，今年1.3亿，奖多少",
    ],
)
def test_one_award_is_left_to_the_single_award_path(book, text) -> None:
    assert frames(book, text) == []


def test_a_label_two_rules_share_is_the_rule_its_sentence_names(book) -> None:
    # 服务收入 labels 四.4's and 四.5's inputs; the sentence names 标识解析 (四.5)
    text = (
        "拿了国家工业互联网发展专项资金300万；"
        "公司基于二级节点提供标识解析服务，相关服务收入900万。分别补多少"
    )
    assert [f.rule.id for f in frames(book, text)] == ["四.4-上级资金配套", "四.5-标识解析服务"]


def test_a_segment_without_words_of_its_own_continues_the_one_before(book) -> None:
    segs = assign(book, "首轮流片，费用800万")
    assert [s.rule.id if s.rule else None for s in segs] == ["四.10", "四.10"]


def test_a_figure_only_the_topic_points_at_continues_the_segment_before(book) -> None:
    # "2021年…" names no rule; the clause (中试平台) has two: it keeps the measure said before
    segs = assign(book, "我们的中试平台2020年主营收入500万，2021年700万")
    assert [s.rule.id for s in segs if s.quantities] == ["四.8-服务奖励", "四.8-服务奖励"]


def test_segments_cut_at_connectives_and_keep_their_quantities() -> None:
    segs = segments("流片600万另外广告200万")
    assert [s.text for s in segs] == ["流片600万", "另外广告200万"]
    assert [[str(q.value) for q in s.quantities] for s in segs] == [["6000000"], ["2000000"]]


def test_each_award_is_computed_from_its_own_figure() -> None:
    results = answer_awards(
        "标识解析二级节点建设花了300万，服务收入100万，分别补多少", [], [], TODAY
    )
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.5-二级节点", 900000),  # 300万 × 30%, not 100万 × 30%
        ("四.5-标识解析服务", 100000),
    ]


def test_a_stated_fact_rules_out_one_award_and_not_the_other() -> None:
    results = answer_awards(
        "流片花了600万，另外在省级电视台做了产品广告200万，各补多少？", [], [], TODAY
    )
    by_rule = {r.rule: r for r in results}
    assert by_rule["四.10"].amount_yuan == 2400000
    advert = by_rule["四.17-央媒广告"]
    assert advert.eligible is False and advert.amount_yuan == 0


_PARTS = [
    ("首轮流片费用{}万", "四.10"),
    ("在央视做产品广告花了{}万", "四.17-央媒广告"),
    ("参加展会的场地租赁费{}万", "四.17-展会补贴"),
    ("智能化改造项目智能制造设备投资{}万", "四.13-智能化改造"),
    ("揭榜挂帅项目合同金额{}万", "四.16"),
]


@settings(max_examples=30, deadline=None)
@given(
    picks=st.lists(st.sampled_from(range(len(_PARTS))), min_size=2, max_size=3, unique=True),
    amounts=st.lists(st.integers(min_value=1, max_value=9000), min_size=3, max_size=3),
)
def test_no_figure_is_used_by_two_awards(picks, amounts) -> None:
    """Property: in a compound message each award is computed from its own figure alone (the
    same amount as asking about it by itself), and no amount exceeds its cap."""
    from assistant.awards import evaluate

    book = default_rulebook()
    text = "，另外".join(_PARTS[i][0].format(a) for i, a in zip(picks, amounts, strict=False))
    results = answer_awards(text + "，各补多少？", [], [], TODAY)
    assert [r.rule for r in results] == [_PARTS[i][1] for i in picks]
    for result, a in zip(results, amounts, strict=False):
        rule = book.get(result.rule)
        inputs = {rule.formula.amount_inputs[0]: a * 10000}
        alone = evaluate(rule.id, inputs, today=TODAY, rulebook=book)
        assert result.amount_yuan == alone.amount_yuan
        if rule.cap is not None:
            assert result.amount_yuan <= rule.cap


def test_awards_an_asking_sentence_lists_are_each_answered_in_its_order() -> None:
    # 认定奖 names no rule by its keywords: beside 双跨 its word 认定 is 四.4's own input;
    # 总部落户奖 beside 双跨 is 四.4's headquarters award, not 四.3's negotiated support
    results = answer_awards(
        "我司是双跨平台，在郑州设立了控股子公司，经营情况不错，总部也迁来了郑州。"
        "子公司奖、总部落户奖、认定奖各是多少？",
        [],
        [],
        TODAY,
    )
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.4-控股子公司", 2000000),
        ("四.4-双跨总部落户", 10000000),
        ("四.4-双跨平台认定", 10000000),
    ]


def test_a_part_without_a_figure_naming_the_award_gives_it_its_facts() -> None:
    # 参与单位 (not the lead unit) is read for the node award, not assumed; a sentence whose
    # ask word labels a figure (建设金额400万) asks nothing, so both awards stay asked
    results = answer_awards(
        "我们建的二级节点只是参与单位，建设金额400万；另外做标识解析服务，服务收入300万，"
        "请问能拿多少？",
        [],
        [],
        TODAY,
    )
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.5-二级节点", 0),
        ("四.5-标识解析服务", 300000),
    ]


def test_an_english_full_stop_ends_a_segment_and_a_decimal_point_does_not() -> None:
    segs = segments("流片2.5万. 央视广告200万")
    assert [s.text.strip() for s in segs] == ["流片2.5万", "央视广告200万"]
    assert [q.raw for q in segs[0].quantities] == ["2.5万"]


def test_an_ask_word_that_labels_a_figure_asks_nothing() -> None:
    from assistant.understand.asks import part_asks

    assert not part_asks("节点建设金额：三百万")
    assert not part_asks("额度为2000万")
    assert part_asks("补贴金额是多少")
    assert part_asks("上限一般多高")


def test_english_for_both_asks_for_each_award_and_also_starts_the_next() -> None:
    from assistant.understand.normalise import normalise

    text = normalise(
        "Our first tape-out cost RMB 3M. Also we ran CCTV ads costing RMB 1M. Amounts for both?"
    ).text
    assert "另外" in text and "各多少" in text
    results = answer_awards(text, [], [], TODAY)
    assert [r.rule for r in results] == ["四.10", "四.17-央媒广告"]


def test_a_request_to_reckon_these_parts_asks_for_each_award() -> None:
    # "这两块" asks for several awards at once, "请核算" with no ask word of amount
    results = answer_awards(
        "牵头建的标识解析二级节点获省里认定，建设投入500万；另有2个方案获评国家级工业APP"
        "优秀解决方案，请核算这两块",
        [],
        [],
        TODAY,
    )
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.5-二级节点", 1_500_000),
        ("四.7", 2_000_000),
    ]


def test_a_frame_telling_several_of_its_own_figures_is_asked_beside_a_named_topic(book) -> None:
    # the platform's clause is not named by its topic (流片 is), but its figures are each told
    # by their own names: the platform's award is asked too, not a fact told in passing
    text = "平台接入设备7000台，服务企业250家，年服务收入800万；另外首轮流片花了300万，能拿多少？"
    assert [f.rule.id for f in frames(book, text)] == ["四.4-服务收入补助", "四.10"]
    results = answer_awards(text, [], [], TODAY)
    assert [(r.rule, r.amount_yuan) for r in results] == [
        ("四.4-服务收入补助", 2_400_000),
        ("四.10", 1_200_000),
    ]


# An award the asking sentence names by a word of its own, and a list opened by a colon after
# the ask (new wordings of rounds 9c/11)
@pytest.mark.parametrize(
    ("text", "rules"),
    [
        (
            "揭榜挂帅项目我们是服务商，合同额1000万。另外今年拿到了省级服务型制造示范企业称号。"
            "想问示范企业奖多少？揭榜挂帅扶持多少？",
            {"四.16", "四.14"},
        ),
        (
            "请帮忙测算以下几项：1.首次入选中国电子信息企业百强；2.被工信部认定为双跨平台；"
            "3.流片费用300万。",
            {"四.1", "四.4-双跨平台认定", "四.10"},
        ),
    ],
)
def test_every_award_asked_by_its_own_word_or_listed_after_the_ask(book, text, rules) -> None:
    assert {f.rule.id for f in frames(book, text)} == rules


def test_a_total_of_the_awards_an_earlier_turn_told_together() -> None:
    history = [
        "央视广告怎么补？",
        "央视投放广告花了100万；还有参加博览会，展位费10万、布展费10万。",
    ]
    results = answer_awards("这两块合计多少钱？", history, [], TODAY)
    assert {r.rule for r in results} == {"四.17-央媒广告", "四.17-展会补贴"}
    assert all(r.amount_yuan is not None for r in results)
