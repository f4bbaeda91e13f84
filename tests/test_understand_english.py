"""English and mixed questions, terse asks, obtained titles and clause numbers said aloud:
the front door's English word order (assistant/understand/word_order.py), the asks it
recognises, the references it rewrites, and what the whole assistant answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.chain import Assistant
from assistant.numbers import extract_quantities
from assistant.understand import fuzzy, normalise
from assistant.understand.amounts import foreign_amounts
from assistant.understand.asks import asks_about_awards, is_award_question
from assistant.understand.references import Chapter, spoken_references
from tests.conftest import assistant_in

CHAPTERS = {"支持政策": Chapter("四", True), "保障措施": Chapter("五", False)}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a figure before what it measures is written term-first
        ("a software firm with 90 million yuan revenue", "a 软件企业 with 营业收入9000万元"),
        ("spent 2 million yuan in tape out costs", "花了流片费用200万元"),
        ("paid RMB 1.5m for the tape out", "花了流片150万元"),
        ("spent 600k on expo booths", "花了展会展位60万元"),
        # what else was spent on, said in English, is read as that cost (not as the booth's)
        ("spent 200k on flights and accommodation", "花了机票和住宿20万元"),
        ("travel and hotel cost 300k RMB", "差旅和酒店费用30万元"),
        ("spent 40 wan on CCTV ads", "花了中央一级媒体广告40万元"),
        # counts get the measure word of what they count
        ("3 solutions", "3个解决方案"),
        ("3 national-level industrial APP", "3个国家级工业APP"),  # across describing words
        ("has 9,000 devices connected", "has 9000台设备连接"),
        ("served 250 companies", "服务了250家企业"),
        ("connected 6000 devices", "连接6000台设备"),
        # levels and ratings
        ("certificate at level 4", "证书 at 4级"),
        ("a Level-2 certificate", "a 2级证书"),
        ("3rd grade", "3级"),
        # money forms
        ("30 wan", "30万元"),
        ("from 60M to 90M yuan", "从6000万增长到9000万元"),
        ("revenue went from 60 million to 90 million yuan", "营业收入从6000万增长到9000万元"),
        ("SaaS company", "软件企业"),
        ("100M宽带", "100M宽带"),
        ("a 100M bandwidth line", "a 100M bandwidth line"),
        # the loan's rate, what support is for
        ("borrowed 10 million at 4.2%", "贷了1000万利率4.2%"),
        ("about 20万 for booth design", "大约布展费20万元"),  # about a figure: a round figure
        ("Tell me about clause 4.10", "Tell me about 条款4.10"),  # about a clause: as written
        ("5,000万 equipment, 1,000万 software", "设备5000万元,软件1000万元"),
        ("subsidy for computing power", "算力补贴"),
        # statuses and facts
        ("got the provincial smart workshop title", "获得 the 省级智能车间称号"),
        ("approved, lead unit", "获批,牵头单位"),
        ("operating well", "经营良好"),
        # an English passive in Chinese order: the agent before the verb, 为 for "as"
        ("was recognized by MIIT as a smart factory", "被工信部认定为智能工厂"),
        ("recognized by MIIT", "被工信部认定"),
        ("recognized in 2023", "认定 in 2023"),  # neither agent nor "as": as it was
        ("has been certified as a smart factory by MIIT", "被工信部认定为智能工厂"),  # object first
        ("We were certified as a smart factory", "We 被认定为智能工厂"),
        # a phrase written with a comma, and the user's own Chinese inside it
        ("a cross-industry, cross-domain (双跨) platform", "a 双跨平台"),
        ("a cross-industry, cross-domain platform", "a 双跨平台"),
        ("revenue, investment", "营业收入,投资"),  # a comma joins only phrases written so
        # "of which" opens a part of the total just said (其中); "separately" a further matter
        (
            "total investment 30 million yuan, of which production and equipment investment"
            " is 12 million yuan",
            "总投资3000万元,其中生产和设备投资 is 1200万元",
        ),
        ("separately, a new project", "另外, a 新建项目"),
        # Chinese typed with spaces is left as written
        ("设备投资 3000 万元", "设备投资 3000万元"),
        ("营收 8000 万", "营收 8000万"),
    ],
)
def test_english_word_order(raw: str, expected: str) -> None:
    assert normalise(raw).text == expected


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("首轮投片费用新台幣三千萬", ["新台币3000万"]),  # Taiwan dollars are not yuan
        ("booth NT$ 2 million", ["NT$ 2 million"]),
        ("广告费澳门币80万", ["澳门币80万"]),
        ("展位费50万港元", ["50万港元"]),
        ("流片费用¥5m", []),
        ("流片费用300万元", []),
    ],
)
def test_other_currencies_are_never_yuan(text: str, foreign: list[str]) -> None:
    assert foreign_amounts(normalise(text).text) == foreign


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("展位费60万 at a fair", [Decimal(600000)]),  # a space and a word: still a figure
        ("花了40万元 for booth", [Decimal(400000)]),
        ("5G芯片", []),  # digits glued to letters stay names
        ("4K电视", []),
    ],
)
def test_a_figure_before_an_english_word_is_read(text: str, values: list[Decimal]) -> None:
    assert [q.value for q in extract_quantities(text)] == values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("进了电子信息企业白强", "进了电子信息企业百强"),  # 白 sounds exactly like the term's 百
        ("三级节点", "三级节点"),  # a numeral the user wrote is never changed
        ("二级结点", "二级节点"),
    ],
)
def test_typos_against_terms_with_numerals(text: str, expected: str) -> None:
    terms = ("电子信息企业百强", "二级节点")
    assert fuzzy.correct_terms(text, terms)[0] == expected


def test_a_word_of_the_policys_own_terms_is_meant_as_written() -> None:
    # 省 may be read xing, so 获评省级 sounds like the term 获评星级; but 省级 is a word of the
    # policy's own terms (省级智能工厂), so it was meant
    terms = ("获评星级", "省级智能工厂", "标识解析")
    assert fuzzy.correct_terms("刚获评省级智能工厂", terms)[0] == "刚获评省级智能工厂"
    assert fuzzy.correct_terms("标志解析", terms)[0] == "标识解析"  # 标志 is no word of them


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a policy term in toneless pinyin, spaced or not, with tone marks or digits
        ("我们拿了shengji zhineng gongchang的称号", "我们拿了省级智能工厂的称号"),
        ("shuangkua pingtai有奖励吗", "双跨平台有奖励吗"),
        ("shuāng kuà píng tái", "双跨平台"),
        ("shuang1kua4 ping2tai2", "双跨平台"),
        ("MEMS shuang-kua pingtai", "MEMS 双跨平台"),  # other Latin words around stay
        # the words must part where the syllables part, and spell a whole term
        ("shuan gkuapingtai", "shuan gkuapingtai"),
        ("shuangkua", "shuangkua"),  # a part of a term is none
        ("pingtai shuangkua", "pingtai shuangkua"),
        ("platform", "platform"),
    ],
)
def test_policy_terms_written_in_pinyin(text: str, expected: str) -> None:
    terms = ("省级智能工厂", "智能工厂", "双跨平台", "首轮流片")
    assert fuzzy.pinyin_terms(text, terms)[0] == expected


def test_pinyin_of_two_terms_alike_is_left() -> None:
    # 公式 and 工事 sound the same: which one is meant is not known
    assert fuzzy.pinyin_terms("gongshi guanli", ("公式管理", "工事管理"))[0] == "gongshi guanli"


def test_a_term_in_pinyin_is_noted() -> None:
    terms = ("首轮流片", "智能车间")
    n = normalise("shoulun liupian花了300万", terms)
    assert n.text == "首轮流片花了300万"
    assert "“shoulun liupian”按“首轮流片”理解" in n.notes


def test_english_word_order_is_idempotent() -> None:
    for raw in ("We are a software company with 120 million yuan revenue", "2 solutions"):
        once = normalise(raw).text
        assert normalise(once).text == once


@pytest.mark.parametrize(
    ("text", "topic", "award"),
    [
        ("首次进入百强,奖励?", True, False),  # a terse ask, no figure: what the topic gets
        ("We 获评 国家级智能制造示范工厂. 多少?", True, False),
        ("2个解决方案. 多少?", True, True),  # a figure and a terse ask: an amount
        ("广告 USD 300k, 补贴?", True, True),  # a foreign figure still asks an amount
        ("多少家企业可以申报", False, False),  # 多少 inside a question is not a terse ask
        ("政策有效期多久", False, False),
    ],
)
def test_terse_asks(text: str, topic: bool, award: bool) -> None:
    assert asks_about_awards(text, []) is topic
    assert is_award_question(text, []) is award


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("第五部分第二条讲什么", "五.(二)讲什么"),  # a chapter of sections: its second section
        ("第四部分第十条的流片", "四.10的流片"),
        ("第4部分第13项智能化改造", "四.13智能化改造"),
        ("第四部分（六）讲的是什么", "四.(六)讲的是什么"),
        ("第4部分(二)", "四.(二)"),
        ("第三部分第二条", "第三部分第二条"),  # a chapter this table does not know: as said
        # English citations, as the glossary leaves them (clause/article → 条款)
        ("什么 is 条款4.13 about?", "什么 is 四.13 about?"),
        ("section 4(6)?", "四.(六)?"),
        ("什么 does 条款17 say?", "什么 does 第17条 say?"),
        ("LPR 3.65%", "LPR 3.65%"),
        ("第二部分的内容", "第二部分的内容"),
    ],
)
def test_part_and_item_said_aloud(said: str, written: str) -> None:
    assert spoken_references(said, CHAPTERS) == written


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return assistant_in(tmp_path_factory, "english")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "clause", "amount"),
    [
        # English order: the revenue is not read as a software investment (四.13)
        ("We are a software company with 150 million yuan revenue, any reward?", "四.2", 0),
        ("We spent 50 wan on People's Daily ads; we are a manufacturer. Subsidy?", "四.17", 25000),
        (
            "Our platform served 260 companies and connected 7000 devices, service revenue "
            "4 million yuan. Subsidy?",
            "四.4",
            1200000,
        ),
        (
            "Loan for our smart retrofit: borrowed 30 million at 3.5%, LPR 3.45%. How much?",
            "四.13",
            1035000,
        ),
        # colloquial and Taiwan wordings, typos whose term holds a numeral
        ("我们被工信部认定为双跨平台，有啥奖励", "四.4", 10000000),
        ("我们首次进入电子信息企业白强，奖励多少", "四.1", 3000000),
        ("我們平台服務企業260家、設備連線6000台，年度服務營收1000萬，補助多少？", "四.4", 3000000),
        # Taiwan words for what a booth costs and how a node was approved
        ("我們參加展覽，攤位租金三十萬、裝潢費二十萬，補助多少？", "四.17", 350000),
        ("標識解析二級節點建置費用三百萬，我們是牽頭單位，已獲核准，補助多少？", "四.5", 900000),
        # a title word that only says what was retrofitted: the money is the retrofit's
        ("智能车间改造投了400万，能补多少", "四.13", 800000),
        (
            "We spent 2.5M yuan on a smart factory retrofit (equipment + software). How much?",
            "四.13",
            500000,
        ),
        # a title or level stated as obtained, asked in words
        ("获评了省级智能车间，有什么奖励？", "四.15", 300000),
        (
            "We received the provincial smart manufacturing benchmark title. What's the reward?",
            "四.15",
            1000000,
        ),
        (
            "3 of our industrial app solutions are national excellent solutions. How much?",
            "四.7",
            3000000,
        ),
        (
            "两化融合管理体系 certificate at level 2, we are above designated size. Reward?",
            "四.11",
            200000,
        ),
    ],
)
def test_english_and_terse_questions_are_computed(
    assistant: Assistant, question: str, clause: str, amount: int
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert answer.award is not None and answer.award.clause == clause
    assert answer.award.amount_yuan == Decimal(amount)


@pytest.mark.slow
def test_an_overview_of_a_title_is_not_computed(assistant: Assistant) -> None:
    answer = assistant.ask("智能工厂有什么奖励？")  # no title said to be obtained
    assert answer.award is None
    assert "四.15" in [c.id for c in answer.citations]


@pytest.mark.slow
def test_a_heading_only_section_is_answered_with_its_items(assistant: Assistant) -> None:
    answer = assistant.ask("第四部分（六）讲的是什么？")
    assert not answer.refused
    assert {"四.(六)", "四.17"} <= {c.id for c in answer.citations}
    assert "博览会" in answer.answer


@pytest.mark.slow
def test_the_head_of_the_asking_phrase_picks_the_rule(assistant: Assistant) -> None:
    answer = assistant.ask("智能化改造的贷款贴息上限是多少？")
    assert answer.award is not None and answer.award.rule == "四.13-贷款贴息"


@pytest.mark.slow
def test_an_english_compound_question_gets_both_awards(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Our first tape-out (self-developed 5G chip) cost 2 million yuan, and we also spent "
        "300k on expo booths. How much each?"
    )
    amounts = {a.clause: a.amount_yuan for a in answer.awards}
    assert amounts == {"四.10": Decimal(800000), "四.17": Decimal(210000)}


@pytest.mark.slow
def test_a_typo_in_how_a_figure_is_named_keeps_the_figure(assistant: Assistant) -> None:
    # 首次流片 is how the first-round input is said (an alias, not a clause keyword): the
    # homophone 首次留片 is matched against the inputs' own words too
    answer = assistant.ask("我们芯片首次留片花了600万，自主研发，能补多少")
    assert answer.award is not None and answer.award.amount_yuan == Decimal(2400000)
    assert any("首次流片" in note for note in answer.understood)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # English function words are no evidence of a new matter, what support is for is
        ("Do you offer subsidies for rent of office space?", "办公用房租金补贴"),
        ("Is there any subsidy for computing power?", "算力补贴"),
    ],
)
def test_english_support_the_policy_does_not_provide(
    assistant: Assistant, question: str, topic: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused and answer.award is None
    assert f"本政策没有关于“{topic}”的条款" in answer.answer


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How long is the policy valid?", "有效期三年"),
        ("What is clause 4.10 about?", "首轮流片"),
        ("What does Article 17 say?", "博览会"),
        ("Who should I contact about the tape-out subsidy?", "市工信局"),
        (
            "Are we eligible for the headquarters award if we are a listed company moving HQ to "
            "Zhengzhou?",
            "四.3",
        ),
    ],
)
def test_english_questions_about_the_policy(
    assistant: Assistant, question: str, expected: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert expected in answer.answer


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "We went to a trade fair in Germany, booth rental was EUR 200k. How much can we get back?",
        "First tape-out bill: USD 1.5 million. What's the subsidy?",  # a topic question
        "HKD 2m on the first tape-out; 40% of that would be?",  # no word of award at all
    ],
)
def test_a_foreign_currency_figure_is_asked_in_yuan(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert answer.award is not None and answer.award.amount_yuan is None
    assert "人民币" in answer.answer


def test_what_is_the_award_asks_its_amount() -> None:
    # "what is the <award>" asks how much; "what are the" asks what support there is
    from assistant.awards import default_rulebook
    from assistant.understand.asks import is_award_question

    book = default_rulebook()
    text = normalise("We are a chip maker in the database. What is the growth reward?").text
    assert "多少" in text and is_award_question(text, [book])
    assert "有什么" in normalise("What are the rewards for chip makers?").text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # a bare capital M said as money shared out or summed is a million yuan …
        ("they pay 2M each for a certified plant, so 6M total?", ["200万元", "600万元"]),
        ("is it 3M in total?", ["300万元"]),
        # … not a bandwidth or size told without such words
        ("our 100M line is slow", []),
    ],
)
def test_a_bare_m_said_as_money(text: str, said: list[str]) -> None:
    out = normalise(text).text
    assert [s for s in said if s in out] == said
    if not said:
        assert "万元" not in out
