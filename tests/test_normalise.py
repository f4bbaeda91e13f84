"""The question front door (assistant.understand.normalise): one table of inputs → outputs,
the notes it writes, and the invariants (idempotent, never raises, same text for traditional
and simplified forms of a question)."""

from __future__ import annotations

import json
import sys
import unicodedata
from decimal import Decimal
from functools import cache

import opencc
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.numbers import extract_quantities, parse_quantity
from assistant.understand import Normalised, normalise
from assistant.understand.clean import typed
from assistant.understand.lexicon import general_lexicon, parse_lexicon

# Terms taken from the policy text (knowledge/policies/zhengzhou-ngit-2022/policy.txt).
TERMS = (
    "首轮流片",
    "双跨平台",
    "标识解析",
    "二级节点",
    "揭榜挂帅",
    "中央一级媒体",
    "展销会",
    "博览会",
    "场地租赁费",
    "布展费",
    "智能化改造",
    "上云上平台",
    "服务券",
    "两化融合",
    "贯标",
    "智能车间",
    "智能工厂",
    "示范工厂",
    "工业APP",
    "中试平台",
    "主营业务收入",
    "服务收入",
    "一事一议",
)

TABLE = [
    # width folding and invisible characters
    ("首轮流片花了８００万元", "首轮流片花了800万元"),
    ("ＭＥＭＳ中试平台", "MEMS中试平台"),
    ("流片\u200b花了\u202e600万\ufeff", "流片花了600万"),
    ("营收  8000  万", "营收 8000万"),
    ("设备投资 3000 万元", "设备投资 3000万元"),
    ("①设备300万②软件200万", "(1)设备300万(2)软件200万"),
    ("⒈设备300万", "(1)设备300万"),
    ("两个项目分别300，200万", "两个项目分别300，200万"),
    ("面积10²", "面积10^2"),
    # traditional → simplified, Taiwan/HK words → mainland words
    ("我們的營業收入去年八千萬，今年一億", "我们的营业收入去年8000万,今年1亿"),
    ("軟體公司", "软件公司"),
    ("資訊服務收入", "信息服务收入"),
    ("營收三千萬", "营收3000万"),
    ("晶片首輪流片", "芯片首轮流片"),
    ("感測器企業", "传感器企业"),
    ("網路安全", "网络安全"),
    ("智慧製造", "智能制造"),
    ("核心零組件", "核心零组件"),
    ("建立智慧城市", "建立智慧城市"),
    # English and abbreviations → the policy's terms
    ("tapeout花了600万", "流片花了600万"),
    ("Tape-out费用", "流片费用"),
    ("first tape out", "首轮流片"),
    ("booth", "展位"),
    ("EXPO", "展会"),
    ("trade fair", "展会"),
    ("decoration", "布展费"),
    ("booth build", "布展费"),
    ("Xinhua广告", "中央一级媒体广告"),
    ("在CCTV做广告", "在中央一级媒体做广告"),
    ("People’s Daily", "中央一级媒体"),
    ("central media", "中央一级媒体"),
    ("grants", "补贴"),
    ("reward", "奖励"),
    ("turnover", "营业收入"),
    ("equipment investment", "设备投资额"),
    ("MIIT认定", "工信部认定"),
    ("cross-industry platform", "双跨平台"),
    ("Smart Factory", "智能工厂"),
    ("AIGC应用", "AIGC应用"),
    ("adidas", "adidas"),
    ("amount_yuan", "amount_yuan"),
    # English and symbol amounts
    ("800k", "80万元"),
    ("800K RMB", "80万元"),
    ("RMB 800k", "80万元"),
    ("800kRMB", "80万元"),
    ("5 million yuan", "500万元"),
    ("5m", "500万元"),
    ("5M RMB", "500万元"),
    ("1.2 billion", "12亿元"),
    ("1.2bn RMB", "12亿元"),
    ("RMB 800,000", "80万元"),
    ("￥800,000", "80万元"),
    ("800,000 yuan", "80万元"),
    ("12.5k", "1.25万元"),
    ("5k台", "5000台"),
    ("5 million users", "500万 users"),
    ("30 percent", "30%"),
    ("¥30%", "¥30%"),
    ("¥8000万", "¥8000万"),
    ("$5 million", "$5 million"),
    ("5 million USD", "5 million USD"),
    ("300w", "300万"),
    ("revenue doubled", "营业收入增长100%"),
    (
        "expo booth and decoration cost 800k RMB, how much subsidy?",
        "展会展位和布展费80万元,多少补贴?",
    ),
    # Chinese amounts
    ("八千万", "8000万"),
    ("两千万元", "2000万元"),
    ("一千二百万", "1200万"),
    ("一亿二", "1.2亿"),
    ("十二点五亿", "12.5亿"),
    ("三千来万", "3000来万"),
    ("八百多万", "800多万"),
    ("一个亿", "1亿"),
    ("五千元", "5000元"),
    ("三百块钱", "300块钱"),
    ("同一块牌子", "同一块牌子"),
    ("伍佰万元整", "500万元"),
    ("壹仟贰佰万元", "1200万元"),
    ("贰拾万圆", "20万元"),
    ("參佰萬元", "300万元"),
    ("陆续", "陆续"),
    ("3千万", "3000万"),
    ("5百万元", "500万元"),
    ("1,200万", "1200万"),
    ("1,200,000元", "1200000元"),
    ("百分之三十", "30%"),
    ("百分之十二点五", "12.5%"),
    ("占三成", "占30%"),
    ("三成五", "35%"),
    ("涨了两成半", "涨了25%"),
    ("两个百分点", "2个百分点"),
    ("一千万一次性奖励", "1000万一次性奖励"),
    ("三千万两个项目", "3000万两个项目"),
    # multiplicative growth
    ("营收翻番", "营收增长100%"),
    ("翻一番", "增长100%"),
    ("去年翻了一番", "去年增长了100%"),
    ("翻两番", "增长300%"),
    ("增长一倍", "增长100%"),
    ("增长了一倍", "增长了100%"),
    ("收入翻倍", "收入增长100%"),
    ("增长0.5倍", "增长50%"),
    # numbers that are parts of names (and words with numerals) stay as written
    ("5G基站", "5G基站"),
    ("4K电视", "4K电视"),
    ("8K超高清显示", "8K超高清显示"),
    ("8k超高清", "8k超高清"),
    ("12英寸晶圆", "12英寸晶圆"),
    ("8英寸产线", "8英寸产线"),
    ("北斗三号芯片", "北斗三号芯片"),
    ("第二轮流片", "第二轮流片"),
    ("全球500强", "全球500强"),
    ("MEMS传感器", "MEMS传感器"),
    ("2022年6月", "2022年6月"),
    ("28nm工艺", "28nm工艺"),
    ("100M宽带", "100M宽带"),
    ("十大战略", "十大战略"),
    ("两化融合贯标", "两化融合贯标"),
    ("一事一议", "一事一议"),
    ("万企上云上平台", "万企上云上平台"),
    ("二级节点", "二级节点"),
    ("队伍建设", "队伍建设"),
    ("八成是", "八成是"),
    ("一成不变", "一成不变"),
    ("几十万", "几十万"),
    ("增长两倍", "增长两倍"),
    # policy terms by sound
    ("首论流片", "首轮流片"),
    ("我们是双夸平台", "我们是双跨平台"),
    ("标志解析二级节点", "标识解析二级节点"),
    ("参与节榜挂帅项目", "参与揭榜挂帅项目"),
    ("二级结点", "二级节点"),
    ("在中央一级煤体做广告", "在中央一级媒体做广告"),
    ("布展废", "布展费"),
    ("上云上平太", "上云上平台"),
    ("集中式平台", "集中式平台"),
    ("服务全面", "服务全面"),
    ("三级节点", "三级节点"),
    ("智能车间", "智能车间"),
    # a regional word inside a longer mainland word is left whole (奖励金 → 奖励, not 奖励金额)
    ("獎勵金額為何", "奖励金额为何"),
    ("奖励金多少", "奖励多少"),
    ("智慧化改造專案", "智能化改造项目"),
    ("伺服器和資通訊設備", "服务器和信息通信设备"),
    ("營收較去年成長35%", "营收较去年增长35%"),
    ("營業額由5億成長至6億", "营业额由5亿增长至6亿"),
]


@pytest.mark.parametrize(("raw", "expected"), TABLE)
def test_table(raw: str, expected: str) -> None:
    assert normalise(raw, TERMS).text == expected


def test_table_is_large_and_unique() -> None:
    assert len(TABLE) >= 60
    assert len({raw for raw, _ in TABLE}) == len(TABLE)


def test_names_with_digits_keep_their_digits_and_are_not_amounts() -> None:
    for name in ("5G", "4K", "8K", "12英寸", "8英寸", "北斗三号", "第二轮", "500强", "2022年"):
        text = normalise(f"我们做{name}相关产品", TERMS).text
        assert name in text
        assert not [q for q in extract_quantities(text) if q.kind == "money"]


def test_no_terms_no_sound_corrections() -> None:
    assert normalise("首论流片").text == "首论流片"


def test_rewritten_amounts_read_as_the_intended_yuan() -> None:
    cases = {
        "800k RMB": Decimal(800_000),
        "5 million yuan": Decimal(5_000_000),
        "1.2 billion": Decimal(1_200_000_000),
        "伍佰万元整": Decimal(5_000_000),
        "八千萬": Decimal(80_000_000),
        "1,200万": Decimal(12_000_000),
        "300w": Decimal(3_000_000),
    }
    for raw, yuan in cases.items():
        (q,) = extract_quantities(normalise(raw).text)
        assert (q.kind, q.value) == ("money", yuan), raw


def test_parse_quantity_reads_every_form() -> None:
    assert parse_quantity("800k").value == 800_000
    assert parse_quantity("5 million yuan").value == 5_000_000
    assert parse_quantity("伍佰万元").value == 5_000_000
    q = parse_quantity("三成")
    assert (q.kind, q.value, q.raw, q.span) == ("percent", 30, "三成", (0, 2))


# ── notes ────────────────────────────────────────────────────────────────────────────


def test_notes_say_what_was_changed() -> None:
    n = normalise("我們首論流片花了800k RMB，tapeout另算", TERMS)
    assert n.notes == (
        "繁体已转为简体",
        "“800k RMB”按“80万元”理解",
        "“tapeout”按“流片”理解",
        "“首论流片”按“首轮流片”理解",
    )
    assert n.text == "我们首轮流片花了80万元,流片另算"


def test_regional_words_are_noted() -> None:
    assert normalise("軟體").notes == ("繁体已转为简体", "“软体”按“软件”理解")


def test_plain_question_has_no_notes() -> None:
    n = normalise("首轮流片花了600万，能补多少？", TERMS)
    assert n.notes == ()
    assert n.asked == "首轮流片花了600万，能补多少？"


def test_each_change_is_noted_once() -> None:
    n = normalise("booth booth 翻番 翻番")
    assert n.notes == ("“booth”按“展位”理解", "“翻番”按“增长100%”理解")


def test_thousands_separator_is_noted() -> None:
    assert normalise("1,200万").notes == ("“1,200”按“1200”理解",)


def test_multiplicative_growth_is_noted() -> None:
    assert "“三成”按“30%”理解" in normalise("占三成").notes
    assert "“翻两番”按“增长300%”理解" in normalise("翻两番").notes


# ── what the user typed ──────────────────────────────────────────────────────────────


def test_asked_keeps_what_was_typed() -> None:
    n = normalise("我們\u200d的\u202e營收\x00８千萬\ud800\n下一行")
    assert n.asked == "我們的營收８千萬\n下一行"
    assert n.text == "我们的营收8000万\n下一行"


def test_asked_and_text_are_encodable() -> None:
    n = normalise("a\ud83db\udfffc\ufdd0")
    n.asked.encode("utf-8")
    n.text.encode("utf-8")
    assert n.asked == "abc"


def test_format_character_list_matches_unicodedata() -> None:
    every_cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert typed("".join(every_cf)) == ""


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        normalise(None)  # type: ignore[arg-type]


def test_lexicon_refuses_a_phrase_with_two_terms() -> None:
    with pytest.raises(ValueError, match=r"(?i)booth"):
        parse_lexicon({"english": {"展位": ["booth"], "展会": ["Booth"]}})
    assert general_lexicon().english["tapeout"] == "流片"


def test_result_is_frozen() -> None:
    n = normalise("流片")
    assert isinstance(n, Normalised)
    with pytest.raises(AttributeError):
        n.text = "x"  # type: ignore[misc]


# ── traditional and simplified forms of one question ─────────────────────────────────

QUESTIONS = [
    "我们的营业收入去年八千万，今年一亿，是入库的规上传感器企业，奖励多少？",
    "首轮流片花了600万，另外在新华社做了产品广告200万，各补多少？",
    "我们是双跨平台，总部落户郑州，有什么奖励",
    "去年在北京参加了服博会，展位费和布展费共60万",
    "标识解析二级节点建设花了300万，服务收入100万，分别补多少",
    "智能化改造项目设备投了3000万，能补多少？",
    "获评国家级智能制造示范工厂，奖励多少？",
    "两化融合管理体系贯标，证书升级怎么奖励？",
    "参加展销会的场地租赁费怎么补贴？",
    "MEMS中试平台设备投资额1.5亿，主营业务收入两千万",
    "软件和信息技术服务企业上云上平台服务券每年最高多少？",
    "本企业是规模以上工业企业，首次取得贯标三级证书，奖励金额为何？",
    "工业互联网标识解析二级节点已获认定，我们是牵头单位，建设金额1.5亿，补贴多少？",
    "新建的新一代信息技术项目已竣工，总投资一亿五千万，其中生产设备投资八千万，奖励多少？",
    "在中央一级媒体投放产品广告300万，我们是工业企业，可获补贴多少？",
    "我们带服务器去上海参展，展位费与布展费合计40万，补助多少？",
    "依托郑州标识解析节点，新增标识注册量1000万个，解析量1.2亿次，奖多少",
    "荣获省级智能工厂称号，一次性奖励多少钱？",
    "我们营业额由5亿增长至6亿，属入库规上晶圆企业，请问可领多少奖励？",
]


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk", "s2twp"])
def test_traditional_and_simplified_give_the_same_text(question: str, config: str) -> None:
    traditional = _converter(config).convert(question)
    assert traditional != question
    assert normalise(traditional, TERMS).text == normalise(question, TERMS).text


def test_hand_written_taiwan_question() -> None:
    taiwan = "我們是軟體公司，晶片首輪流片花了八百萬，感測器營收一億，補助多少？"
    mainland = "我们是软件公司，芯片首轮流片花了八百万，传感器营收一亿，补助多少？"
    assert normalise(taiwan, TERMS).text == normalise(mainland, TERMS).text


# ── properties ───────────────────────────────────────────────────────────────────────

_PIECES = [
    *TERMS,
    "首论流片", "双夸平台", "标志解析", "节榜挂帅", "八千萬", "壹佰万元整", "800k", "5 million",
    "RMB", "1,200万", "三成", "翻番", "翻两番", "增长一倍", "5G", "4K", "12英寸", "第二轮",
    "booth", "tape-out", "Xinhua", "營收", "軟體", "，", "？", " ", "\n", "①", "²", "０",
    "一", "十", "百", "千", "万", "亿", "两", "点", "多", "来", "个", "元", "w", "k", "m",
    "1", "2", ".", ",", "$", "¥", "%", "倍", "成",
]  # fmt: skip
_mixed = st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=12).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mixed)
@example("²成一一万")  # 2成一 → 21% uncovered 一万: found by hypothesis, one round was not enough
def test_idempotent(text: str) -> None:
    once = normalise(text, TERMS).text
    assert normalise(once, TERMS).text == once


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(exclude_categories=())))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    n = normalise(text, TERMS)
    n.text.encode("utf-8")
    n.asked.encode("utf-8")
    assert all(isinstance(note, str) for note in n.notes)


@settings(max_examples=200, deadline=None)
@given(_mixed)
def test_digits_are_never_changed_by_sound(text: str) -> None:
    from assistant.understand.fuzzy import correct_terms

    fixed, _ = correct_terms(text, TERMS)
    assert [c for c in fixed if c.isdigit()] == [c for c in text if c.isdigit()]
    assert len(fixed) == len(text)


def test_function_words_are_translated_without_a_note() -> None:
    n = normalise("booth and decoration, how much?")
    assert n.text == "展位和布展费,多少?"
    assert n.notes == ("“booth”按“展位”理解", "“decoration”按“布展费”理解")


def test_command_line_prints_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.understand.__main__ import main

    assert main(["首论流片花了800k", "--terms", "首轮流片,双跨平台"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "asked": "首论流片花了800k",
        "text": "首轮流片花了80万元",
        "notes": ["“800k”按“80万元”理解", "“首论流片”按“首轮流片”理解"],
    }


# ── numbers that are parts of names ──────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("5G基站", "5G", "code"),
        ("4K电视", "4K", "code"),
        ("8K超高清", "8K", "code"),
        ("28nm工艺", "28nm", "code"),
        ("12英寸晶圆", "12英寸", "size"),
        ("8英寸产线", "8英寸", "size"),
        ("北斗三号芯片", "三号", "ordinal"),
        ("第二轮流片", "第二", "ordinal"),
        ("全球500强", "全球500强", "name"),
        ("进入百强", "百强", "name"),
        ("2022年营收", "2022年", "date"),
        ("2022年6月2日印发", "2022年6月2日", "date"),
        ("标识解析二级节点", "二级节点", "name"),
        ("中央一级媒体", "中央一级媒体", "name"),
        ("两化融合贯标", "两化融合", "name"),
        ("工业4.0改造", "工业4.0", "name"),
        ("三星级上云企业", "三星级", "level"),
    ],
)
def test_digit_names(text: str, name: str, kind: str) -> None:
    from assistant.understand.names import digit_names

    spans = digit_names(text, TERMS)
    assert [(s.text, s.kind) for s in spans] == [(name, kind)]
    assert text[spans[0].start : spans[0].end] == name


def test_masked_names_leave_only_the_real_quantities() -> None:
    from assistant.understand.names import mask_digit_names

    text = normalise(
        "12英寸晶圆产线投资三千万，5G基站200个，2022年营收8000万，北斗三号第二轮流片花了600万，"
        "标识解析二级节点建设300万，进入全球500强",
        TERMS,
    ).text
    masked = mask_digit_names(text, TERMS)
    assert len(masked) == len(text)
    assert [(q.raw, q.kind) for q in extract_quantities(masked)] == [
        ("3000万", "money"),
        ("200个", "count"),
        ("8000万", "money"),
        ("600万", "money"),
        ("300万", "money"),
    ]


def test_mask_can_keep_a_kind() -> None:
    from assistant.understand.names import mask_digit_names

    assert mask_digit_names("三星级企业，5G", kinds={"code"}) == "三星级企业，#G"
    assert mask_digit_names("没有数字") == "没有数字"


@settings(max_examples=300, deadline=None)
@given(_mixed | st.text())
def test_no_quantity_is_read_inside_a_name(text: str) -> None:
    from assistant.numbers import NumberError
    from assistant.understand.names import digit_names, mask_digit_names

    text = normalise(text, TERMS).text
    masked = mask_digit_names(text, TERMS)
    assert len(masked) == len(text)
    try:
        quantities = extract_quantities(masked)
    except NumberError:
        return  # a negative or absurd figure elsewhere: the reader's own refusal
    for span in digit_names(text, TERMS):
        for q in quantities:
            assert (
                q.span[1] <= span.start
                or q.span[0] >= span.end
                or not any(
                    c.isdigit() for c in text[max(q.span[0], span.start) : min(q.span[1], span.end)]
                )
            )


def test_warm_up_then_normalise() -> None:
    from assistant.understand import warm_up

    warm_up(TERMS)
    assert normalise("双夸平台", TERMS).text == "双跨平台"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("主营收入同比增长了三分之一", "主营收入同比增长了33.33%"),  # cut, never rounded up
        ("今年主营收入是上年的1.6倍", "今年主营收入比上年增长60%"),
        ("今年是去年的两倍", "今年比去年增长100%"),
        ("三分之一的企业", "三分之一的企业"),  # no verb of growth: left alone
        ("营业收入较去年增加了一半", "营业收入较去年增加了50%"),  # a half of the base
        ("一半的收入来自出口", "一半的收入来自出口"),  # no verb of growth: left alone
        ("营收涨幅达到8个点", "营收涨幅达到8个百分点"),  # growth said in points
        ("下午3点开会", "下午3点开会"),  # no word of growth: a time, left alone
        ("是上年的1倍", "是上年的1倍"),  # not a growth
    ],
)
def test_growth_as_a_fraction_or_a_multiple_of_the_base_year(text: str, expected: str) -> None:
    assert normalise(text).text == expected


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("流片大概三四百万", "流片大概300万到400万"),
        ("七八千万的设备", "7000万到8000万的设备"),
        ("两三万", "2万到3万"),
        # not a range: one number, names, ordinals
        ("三百四十万", "340万"),
        ("一二线城市", "一二线城市"),
        ("第三四季度", "第三四季度"),
    ],
)
def test_neighbouring_digits_before_a_magnitude_are_a_range(said, read) -> None:
    from assistant.understand.amounts import rewrite_amounts

    assert rewrite_amounts(said)[0] == read
