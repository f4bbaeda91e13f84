"""End-to-end: Chinese questions -> rule and exact amount via answer_award (hand-written cases)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.awards import default_rulebook
from assistant.understand import asks
from assistant.understand.dialogue import answer_award as _answer_award
from knowledge.catalog import policy_dir
from knowledge.settings import Settings

BOOK = default_rulebook()
DEFAULT_POLICY_DIR = policy_dir(Settings(), Settings().default_policy)


def answer_award(question, history, ranked, today):  # the default policy's rules, given
    return _answer_award(question, history, ranked, today, rulebook=BOOK)


def is_award_question(text: str) -> bool:
    return asks.is_award_question(text, [BOOK])


def asks_about_awards(text: str) -> bool:
    return asks.asks_about_awards(text, [BOOK])


DATA = yaml.safe_load(
    (Path(__file__).resolve().parent / "award_questions.yaml").read_text(encoding="utf-8")
)
TODAY: date = DATA["today"]


def _params() -> list:
    out = []
    for case in DATA["cases"]:
        rankings = [case.get("ranked", [])]
        if case.get("ranked") and not case.get("ranked_only"):
            rankings.append([])  # must also work from keywords alone
        for ranked in rankings:
            out.append(pytest.param(case, ranked, id=f"{case['id']}-ranked{len(ranked)}"))
    return out


def _ask(case: dict, ranked: list[str], today: date = TODAY):
    turns = case.get("turns") or [case["question"]]
    return answer_award(turns[-1], turns[:-1], ranked, today)


def test_enough_cases() -> None:
    assert len(DATA["cases"]) >= 40
    assert sum(1 for c in DATA["cases"] if "turns" in c and len(c["turns"]) > 1) >= 3


@pytest.mark.parametrize(("case", "ranked"), _params())
def test_question(case: dict, ranked: list[str]) -> None:
    expect = case["expect"]
    result = _ask(case, ranked)
    if expect.get("none"):
        assert result is None
        return
    assert result is not None
    assert result.rule == expect["rule"], result.model_dump()
    assert result.amount_yuan == expect["amount_yuan"], result.model_dump()
    for key in ("eligible", "missing", "negotiated"):
        if key in expect:
            assert getattr(result, key) == expect[key], result.model_dump()
    if expect.get("error"):
        assert result.error and result.follow_up
    if "steps_contain" in expect:  # the trace names the failed condition
        assert any(expect["steps_contain"] in s for s in result.steps), result.steps
    if "assumptions_contain" in expect:
        assert any(expect["assumptions_contain"] in a for a in result.assumptions), result


def test_exact_rate_report() -> None:
    """The closing figure: share of amount cases answered exactly with ranked=[]."""
    cases = [c for c in DATA["cases"] if not c["expect"].get("none") and not c.get("ranked_only")]
    exact = 0
    for case in cases:
        r = _ask(case, [])
        if (
            r is not None
            and r.rule == case["expect"]["rule"]
            and (r.amount_yuan == case["expect"]["amount_yuan"])
        ):
            exact += 1
    print(f"\naward e2e exact: {exact}/{len(cases)}")
    assert exact == len(cases)


def test_expired_answers_still_compute_and_warn() -> None:
    r = answer_award("我们首轮流片花了800万元，能补多少？", [], [], date(2025, 6, 2))
    assert r is not None and r.amount_yuan == 3200000
    assert r.expired is True and "市工信局" in (r.validity_note or "")
    assert any("到期" in a for a in r.assumptions)
    r = answer_award("我们首轮流片花了800万元，能补多少？", [], [], date(2025, 6, 1))
    assert r is not None and r.expired is False


def test_stated_fact_beats_assumption_and_unstated_is_assumed() -> None:
    r = answer_award("营收增长20%，能奖多少", [], [], TODAY)
    assert r is not None and r.eligible is True
    assert any("入库" in a for a in r.assumptions)
    assert any("规模以上" in a for a in r.assumptions)
    r = answer_award("我们不是规上企业，营收增长20%，能奖多少", [], [], TODAY)
    assert r is not None and r.eligible is False and r.amount_yuan == 0
    assert any("规模以上" in s for s in r.steps)


def test_missing_quantity_asks_back() -> None:
    r = answer_award("首轮流片补助怎么算？", [], [], TODAY)
    assert r is not None and r.amount_yuan is None
    assert r.missing == ["工程产品首轮流片费用"]
    assert r.follow_up and "流片费用" in r.follow_up


def test_history_about_another_rule_is_not_mixed_in() -> None:
    history = ["智能化改造投资2000万能补多少？"]
    r = answer_award("首轮流片补助能拿多少？", history, [], TODAY)
    assert r is not None and r.rule == "四.10" and r.amount_yuan is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们首轮流片花了800万元，能补多少？", True),
        ("首轮流片补助怎么算？", True),
        ("上云服务券最多能领多少", True),
        ("这个政策的有效期是多久？", False),
        ("郑州有哪些新一代信息技术产业园区？", False),
        ("", False),
    ],
)
def test_is_award_question(text: str, expected: bool) -> None:
    assert is_award_question(text) is expected


def test_traces_say_why() -> None:
    """The trace names the rule-out fact: derived revenue, the missing step, 就高."""
    r = answer_award(
        "入库规上传感器企业，上年主营业务收入4000万元，今年增长了20%，能奖多少？", [], [], TODAY
    )
    assert r is not None and r.eligible is False
    assert any("4000万元 × (1 + 20%) = 4800万元" in s for s in r.steps)
    assert any("5000万元" in s and "4800万元" in s and "不符合条件" in s for s in r.steps)
    r = answer_award("新增标识注册量180万条，解析量2000万次，能补多少", [], [], TODAY)
    assert r is not None and r.eligible is False
    assert any("未达到一档" in s and "每超过200万条" in s for s in r.steps)
    r = answer_award(
        "同一年还拿了省级大数据试点示范，一共能拿多少",
        ["我们今年获得了国家级工业互联网试点示范"],
        [],
        TODAY,
    )
    assert r is not None and any("就高" in s for s in r.steps)


def test_stated_industry_outside_the_list_rules_out_but_unstated_is_assumed() -> None:
    r = answer_award(
        "我们是做软件开发的规上企业，去年主营收入1亿，今年增长了20%，奖励多少", [], [], TODAY
    )
    assert r is not None and r.eligible is False
    assert any("传感器、芯片、晶圆、面板" in s for s in r.steps)
    r = answer_award("规上企业，去年主营收入1亿，今年增长了20%，奖励多少", [], [], TODAY)
    assert r is not None and r.eligible is True
    assert any("传感器、芯片、晶圆、面板" in a for a in r.assumptions)
    # a listed field named alongside another wins over the catch-all
    r = answer_award("我们做芯片也做软件，营收增长了10%，奖励多少", [], [], TODAY)
    assert r is not None and r.eligible is True and r.amount_yuan == 500000


def test_later_turn_adds_titles_or_replaces_them() -> None:
    history = ["我们今年获得了国家级工业互联网试点示范，奖励多少"]
    added = answer_award("同一年还拿了省级大数据试点示范，能拿多少", history, [], TODAY)
    assert added is not None and added.amount_yuan == 1000000
    replaced = answer_award("如果是省级的呢", history, [], TODAY)
    assert replaced is not None and replaced.amount_yuan == 500000


@pytest.mark.parametrize(
    ("text", "award", "topic"),
    [
        ("两化融合贯标有什么奖励", False, True),
        ("数字化转型揭榜挂帅项目怎么支持", False, True),
        ("我们首轮流片花了800万元，能补多少？", True, True),
        ("这个政策的有效期是多久？", False, False),
        ("郑州有哪些新一代信息技术产业园区？", False, False),
    ],
)
def test_overview_questions_open_a_calculation_without_being_one(
    text: str, award: bool, topic: bool
) -> None:
    # the router keeps "…有什么奖励" an overview question; only a later turn with facts computes
    assert is_award_question(text) is award
    assert asks_about_awards(text) is topic


@pytest.mark.parametrize(
    "text",
    [
        "流片花了800万，能回来多少",
        "流片花了800万，能报多少",
        "流片费用能报销多少？",
        "智能化改造投了2000万，政府能掏多少",
        "广告费能返多少",
        "做展会大概能拿回多少",
        "二级节点建设补不补？",
        "首轮流片能贴多少",
        "参展的钱给多少",
    ],
)
def test_colloquial_asks_are_award_questions(text: str) -> None:
    assert is_award_question(text) is True
    assert asks_about_awards(text) is True


@pytest.mark.parametrize(
    ("text", "award"),
    [
        ("面板厂上年营收9000万，今年增了两成，照每个点5万元算的话是多少？", True),
        ("上年营收9000万，今年增了两成，每增长1个百分点5万，一共是多少", True),
        # no rate quoted: a figure and 多少 alone ask no award
        ("上年营收9000万，今年增了两成，是多少？", False),
    ],
)
def test_a_quoted_rate_per_step_speaks_of_the_award(text: str, award: bool) -> None:
    assert is_award_question(text) is award


@pytest.mark.parametrize(
    "text",
    [
        "申报材料需要交多少份？",
        "这个政策的有效期是多久？",
        "市工信局的电话是多少",
        "园区有多少家企业",
        "一年能报多少个项目",  # how many, not how much
    ],
)
def test_amount_words_alone_are_not_award_questions(text: str) -> None:
    assert is_award_question(text) is False


@pytest.mark.parametrize(
    ("question", "rule", "assumed"),
    [
        ("流片花了800万，能补多少", "四.10", "首轮"),
        ("数字化转型服务商合同1000万，能扶持多少", "四.16", "揭榜挂帅"),
        ("二级节点建设花了500万，能奖多少", "四.5-二级节点", "认定"),
        ("在报纸上做广告花了1000万，能补多少", "四.17-央媒广告", "中央一级媒体"),
    ],
)
def test_unstated_condition_stays_an_assumption(question: str, rule: str, assumed: str) -> None:
    """Only a stated negation rules out; silence about the condition is an assumption."""
    r = answer_award(question, [], [], TODAY)
    assert r is not None and r.rule == rule and r.eligible is True and r.amount_yuan
    assert any(assumed in a for a in r.assumptions), r.assumptions


def test_negation_is_scoped_to_its_clause() -> None:
    # the negation in the first clause does not reach 认定 in the second
    r = answer_award("我们没有其他补贴，二级节点已被省里认定，建设花了500万，补多少", [], [], TODAY)
    assert r is not None and r.eligible is True and r.amount_yuan == 1500000
    # a contrast ends the scope: 不是代工而是自主研发
    r = answer_award("芯片不是代工而是自主研发，首轮流片花了500万，补多少", [], [], TODAY)
    assert r is not None and r.eligible is True and r.amount_yuan == 2000000
    # asking whether it is negated is not stating it
    r = answer_award("二级节点认定了没有？建设花了500万，补多少", [], [], TODAY)
    assert r is not None and r.eligible is True


def test_round_figure_is_said_to_be_approximate() -> None:
    r = answer_award("智能化改造设备投入大概三千万，补多少", [], [], TODAY)
    assert r is not None and r.amount_yuan == 6000000
    assert any("大概三千万" in a and "3000万元" in a and "准确" in a for a in r.assumptions)
    # a later turn with the exact figure replaces the round one and its note
    r = answer_award("准确是3200万", ["智能化改造设备投入大概三千万，补多少"], [], TODAY)
    assert r is not None and r.amount_yuan == 6400000
    assert not any("约数" in a for a in r.assumptions)
    # a floor ("三千来万") is asked back, and the exact figure of the next turn computes
    r = answer_award("智能化改造设备投入三千来万，补多少", [], [], TODAY)
    assert r is not None and r.amount_yuan is None
    r = answer_award("准确是3200万", ["智能化改造设备投入三千来万，补多少"], [], TODAY)
    assert r is not None and r.amount_yuan == 6400000
    assert not any("超出的部分不明" in a for a in r.assumptions)


def test_synonyms_expand_keywords_and_aliases() -> None:

    book = default_rulebook()
    assert "首轮投片" in book.rules["四.10"].keywords
    spec = book.rules["四.13-智能化改造"].input("equipment_software_investment_yuan")
    assert "机器人" in spec.aliases
    options = book.rules["四.14"].input("title_levels").options or []
    assert "部里" in next(o for o in options if o.value == "国家级").aliases


def test_endings_let_a_keyword_match_in_each_form_of_its_ending() -> None:
    from assistant.awards.rules import _with_endings

    forms = [["以前", "之前", "前"]]
    assert set(_with_endings(["认证实施前"], forms)) == {
        "认证实施前",
        "认证实施以前",
        "认证实施之前",
    }
    assert set(_with_endings(["改版之前"], forms)) == {"改版之前", "改版以前", "改版前"}
    assert _with_endings(["提前", "目前"], forms) == ["提前", "目前"]  # no word before the ending
    keywords = default_rulebook().rules["四.11-首次获证"].keywords
    assert "分级认证实施以前" in keywords and "分级认证实施之前" in keywords


def test_bad_synonyms_are_refused_at_load(tmp_path: Path) -> None:
    from assistant.awards import load_rulebook

    text = (DEFAULT_POLICY_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    bad = text.replace("  流片: [投片, 打样]", "  流片: 投片")
    assert bad != text
    (tmp_path / "rules.yaml").write_bytes((DEFAULT_POLICY_DIR / "rules.yaml").read_bytes())
    (tmp_path / "lexicon.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match="synonyms"):
        load_rulebook(tmp_path)


def test_rules_yaml_holds_no_question_vocabulary() -> None:
    """Language apart from law: keywords, aliases and patterns live in lexicon.yaml."""
    import yaml

    law = yaml.safe_load((DEFAULT_POLICY_DIR / "rules.yaml").read_text(encoding="utf-8"))
    assert not {"synonyms", "topics"} & set(law)
    for rule in law["rules"]:
        assert "keywords" not in rule, rule["id"]
        for spec in rule.get("inputs") or []:
            vocab = {"aliases", "false_aliases", "false_patterns", "patterns"} & set(spec)
            assert not vocab, (rule["id"], spec["name"], vocab)
            assert all("aliases" not in o for o in spec.get("options") or []), spec["name"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("first_time_top100:", "first_time_top1000:"), "first_time_top1000"),
        (("  四.1:\n    keywords", "  四.99:\n    keywords"), "四.99"),
        (("          传感器: [传感器, MEMS]", "          陀螺仪: [陀螺仪]"), "陀螺仪"),
    ],
)
def test_a_lexicon_entry_that_names_nothing_is_refused(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    from assistant.awards import load_rulebook

    text = (DEFAULT_POLICY_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    bad = text.replace(*edit, 1)
    assert bad != text
    (tmp_path / "rules.yaml").write_bytes((DEFAULT_POLICY_DIR / "rules.yaml").read_bytes())
    (tmp_path / "lexicon.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rulebook(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("贯标证书从二级升到四级呢？", True),
        ("原来是省级智能车间，现在升为智能制造标杆了呢？", True),
        ("去年是省级智能工厂，今年评上国家级智能制造示范工厂", True),
        ("省级智能车间和智能工厂有什么区别？", False),  # two levels, no change between them
        ("两化融合二级和四级证书有什么不同", False),
        ("智能工厂怎么申报？", False),
        ("从智能车间升到智能工厂需要什么条件？", False),  # asks about requirements, not money
    ],
)
def test_an_upgrade_statement_asks_for_the_difference(text: str, expected: bool) -> None:
    from assistant.understand.asks import states_upgrade

    assert states_upgrade(text, [BOOK]) is expected
    assert is_award_question(text) is expected


def test_upgrade_trace_shows_the_difference_and_the_ladder() -> None:
    r = answer_award("原来是省级智能工厂，现在评上国家级智能制造示范工厂了呢？", [], [], TODAY)
    assert r is not None and r.rule == "四.15" and r.amount_yuan == 2500000
    assert any("300万元 − 50万元 = 250万元" in s for s in r.steps), r.steps
    assert any(
        "省级智能制造标杆100万元 = 国家级智能制造应用场景100万元" in a for a in r.assumptions
    )
    # no earlier level: the full amount, with the assumption that none was awarded before
    r = answer_award("获评国家级智能制造示范工厂能拿多少", [], [], TODAY)
    assert r is not None and r.amount_yuan == 3000000
    assert any("级差" in a for a in r.assumptions)


def test_named_topic_outranks_retrieval_but_not_without_a_name() -> None:
    from assistant.understand.choose import select_rule

    book = default_rulebook()
    assert book.named_clauses("不是揭榜挂帅项目，做的是数字化改造") == {"四.16"}
    assert book.named_clauses("在央视做广告") == {"四.17"}  # through the synonyms
    assert book.named_clauses("合同1000万元，能补多少") == set()
    rule = select_rule(
        "不是揭榜挂帅项目，合同1000万元，能补多少", [], ["四.13", "四.16"], rulebook=book
    )
    assert rule is not None and rule.id == "四.16"
    # nothing named: retrieval's first clause is no evidence of what the figure is, so no
    # rule is guessed (a wrong amount is worse than a question back) …
    for ranked in (["四.13"], ["四.16"], ["四.10"]):
        assert select_rule("花了1000万元，能补多少", [], ranked, rulebook=book) is None
    # … but a figure's own label names its rule, and a question pointing back takes the clause
    rule = select_rule("设备和软件花了1000万元，能补多少", [], ["四.13"], rulebook=book)
    assert rule is not None and rule.clause == "四.13"
    rule = select_rule("这个补贴最多多少？", [], ["四.10"], rulebook=book)
    assert rule is not None and rule.clause == "四.10"


def test_the_asking_sentence_names_the_award_over_the_story_before_it() -> None:
    from assistant.understand.choose import select_rule

    book = default_rulebook()
    # the story names the parent's 双跨 recognition at length; the asking sentence names the
    # subsidiary by a word of that award's own
    text = (
        "集团的平台已被工业和信息化部认定为跨行业跨领域工业互联网平台。"
        "前年我们作为它的控股子公司落地郑州，业务经营情况很好。请问子公司可以申请多少？"
    )
    rule = select_rule(text, [], [], rulebook=book)
    assert rule is not None and rule.id == "四.4-控股子公司"
    # a word the asking sentence points back with ("这个平台") that a longer keyword of another
    # award holds in the story (双跨平台) names no award of its own
    rule = select_rule("我们是工信部认定的双跨平台。这个平台能拿多少？", [], [], rulebook=book)
    assert rule is not None and rule.id == "四.4-双跨平台认定"


def test_bare_facts_follow_up_that_asks_something_else_is_left_alone() -> None:
    history = ["两化融合贯标有什么奖励"]
    assert answer_award("我们是规上企业，申报截止到什么时候？", history, [], TODAY) is None
    # the same kind of turn whose fact rules the award out is answered: ineligible
    r = answer_award("我们还不是规上企业，申报截止到什么时候？", history, [], TODAY)
    assert r is not None and r.eligible is False and r.amount_yuan == 0


def test_bad_topics_are_refused_at_load(tmp_path: Path) -> None:
    from assistant.awards import load_rulebook

    text = (DEFAULT_POLICY_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    bad = text.replace("  四.16: [揭榜挂帅, 揭榜]", "  四.99: [揭榜挂帅, 揭榜]")
    assert bad != text
    (tmp_path / "rules.yaml").write_bytes((DEFAULT_POLICY_DIR / "rules.yaml").read_bytes())
    (tmp_path / "lexicon.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match="topics"):
        load_rulebook(tmp_path)
