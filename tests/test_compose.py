"""The answer's shape: conclusion first, then calculation, conditions, the quoted rule,
departments, validity (once) and one disclaimer; several awards in one table.

Expected values are read off the policy text, not off the program's output.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chain import Assistant
from assistant.compose import Composer, asks_for_overview, short_conditions
from assistant.draft import VALIDITY
from assistant.proposed import proposed_amounts
from assistant.route import Route
from knowledge.settings import PROJECT_ROOT
from tests.conftest import assistant_in

TODAY = date(2026, 11, 28)


# -- without the model ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("首次上榜中国电子信息百强企业，一次性奖励是三百万元吗？", [3_000_000]),
        ("流片花了800万，是不是能拿320万？", [3_200_000]),
        ("我们首轮流片花了800万元，能补多少？", []),  # a cost, not a proposal
        ("流片800万能补吗", []),
        ("参展花了100万能拿70万吗", [700_000]),
    ],
)
def test_proposed_amounts(question: str, expected: list[int]) -> None:
    assert proposed_amounts(question) == expected


def test_short_conditions_keep_what_to_confirm() -> None:
    long = "假设贵企业系首次进入“中国电子信息企业百强”（条件：“对首次进入…的企业”，须为首次进入）"
    assert short_conditions(long) == ["贵企业系首次进入“中国电子信息企业百强”"]
    cap = "上限按单个企业每年计（“每年补助总额不超过500万元”）；假设本年度尚未获得本款其他资金"
    assert short_conditions(cap) == ["上限按单个企业每年计", "本年度尚未获得本款其他资金"]


@pytest.mark.parametrize(
    ("question", "overview"),
    [
        ("有哪些补贴？", True),
        ("我们是芯片企业，能申请什么补贴？", True),
        ("我们能申请哪些奖励", True),
        ("首轮流片补助怎么算？", False),
        ("流片补贴找哪个部门？", False),
    ],
)
def test_overview_questions(question: str, overview: bool) -> None:
    assert asks_for_overview(question) is overview


def test_no_policy_facts_in_code() -> None:
    """Offices, dates and hotlines come from policy.yaml / rules.yaml, never from code."""
    facts = ("市工信局", "工业和信息化局", "12345", "2022年6月2日", "2025年6月1日", "有效期三年")
    for name in (
        "assistant/compose.py",
        "assistant/compose_base.py",
        "assistant/award_answers.py",
        "assistant/citations.py",
        "assistant/draft.py",
        "assistant/validity_statement.py",
        "assistant/llm.py",
        "assistant/chain.py",
        "assistant/awards/evaluate.py",
        *(
            f"assistant/awards/formulas/{p.name}"
            for p in sorted((PROJECT_ROOT / "assistant/awards/formulas").glob("*.py"))
        ),
        "ui/render.py",
        "ui/api.py",
    ):
        source = Path(PROJECT_ROOT / name).read_text("utf-8")
        code = re.sub(r'"""[\s\S]*?"""|#[^\n]*', "", source)  # docstrings and comments may say
        for fact in facts:
            assert fact not in code, f"{name} hard-codes {fact}"
    for path in (PROJECT_ROOT / "ui").glob("web*.py"):
        code = re.sub(r'"""[\s\S]*?"""|#[^\n]*', "", path.read_text("utf-8"))
        for fact in facts:
            assert fact not in code, f"{path.name} hard-codes {fact}"


# -- with the real knowledge base -----------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return assistant_in(tmp_path_factory, "compose")  # its date is TODAY


@pytest.fixture(scope="module")
def composer(assistant: Assistant) -> Composer:
    from assistant.awards.format import format_money

    return Composer(assistant.knowledge, format_money, books=assistant.books)


def lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.slow
def test_award_answer_shape(assistant: Assistant) -> None:
    a = assistant.ask("我们首轮流片花了800万元，能补多少？")
    first, *rest = lines(a.answer)
    assert "可获320万元" in first and len(first) < 80 and first.index("320万元") < 80
    labels = [line.split("：", 1)[0] + "：" for line in rest if "：" in line[:6]]
    order = ["计算过程：", "请确认：", "政策依据：", "责任单位：", "有效期："]
    assert [x for x in labels if x in order] == order
    assert a.answer.count(VALIDITY) == 1 and a.answer.count("已过有效期") == 1
    assert a.answer.count("仅供参考") == 1
    assert lines(a.answer)[-1].startswith("以上内容依据政策原文整理")
    # the quote is the sentence carrying the rule, not the clause's title sentence alone
    basis = next(x for x in rest if x.startswith("政策依据："))
    assert "首轮流片费用40%的补助" in basis and "500万元" in basis
    assert all(len(x) <= 60 for x in rest if x.startswith("· "))  # conditions: short lines


@pytest.mark.slow
def test_proposed_figure_is_answered_yes_or_no(assistant: Assistant, composer: Composer) -> None:
    top100 = assistant.award("四.1", {"first_time_top100": True})
    hits = assistant.knowledge.search("百强奖励", k=5)
    q = "首次进入中国电子信息企业百强，奖励是三百万元吗？"
    yes = composer.run(q, Route(kind="award", reason="t"), hits, [top100], TODAY)
    assert lines(yes.text)[0].startswith("是的") and "300万元" in lines(yes.text)[0]
    chip = assistant.award("四.10", {"tapeout_cost_yuan": "800万"})
    hits = assistant.knowledge.search("首轮流片补助", k=5)
    q = "首轮流片花了800万元，是不是能拿500万？"
    no = composer.run(q, Route(kind="award", reason="t"), hits, [chip], TODAY)
    assert lines(no.text)[0].startswith("不是500万元") and "320万元" in lines(no.text)[0]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cost=st.integers(min_value=10_000, max_value=50_000_000))
@pytest.mark.slow
def test_amount_is_in_the_first_80_characters(
    assistant: Assistant, composer: Composer, cost: int
) -> None:
    award = assistant.award("四.10", {"tapeout_cost_yuan": cost})
    hits = assistant.knowledge.search("首轮流片补助", k=5)
    out = composer.run("首轮流片能补多少", Route(kind="award", reason="t"), hits, [award], TODAY)
    from assistant.awards.format import format_money

    assert format_money(award.amount_yuan) in out.text[:80]
    assert out.text.count(VALIDITY) == 1


@pytest.mark.slow
def test_several_awards_in_one_table_with_a_total(assistant: Assistant, composer: Composer) -> None:
    fair = assistant.award("四.17-展会补贴", {"exhibition_cost_yuan": "100万"})
    advert = assistant.award("四.17-央媒广告", {"ad_spend_yuan": "1000万"})
    assert (fair.amount_yuan, advert.amount_yuan) == (700_000, 500_000)  # 70%, 5%
    hits = assistant.knowledge.search("参展和央视广告补贴", k=5)
    q = "参展花了100万，央视广告1000万，能补多少"
    out = composer.run(q, Route(kind="award", reason="t"), hits, [fair, advert], TODAY)
    first = lines(out.text)[0]
    assert "合计可获120万元" in first and first.index("120万元") < 80
    assert "| 条款 | 事项 | 金额 | 上限 |" in out.text
    assert "| 四.17-展会补贴 |" in out.text and "| 四.17-央媒广告 |" in out.text
    assert "合计：70万元 + 50万元 = 120万元" in out.text
    assert out.text.count(VALIDITY) == 1
    assert "就高不重复" in out.text  # the closing clause on overlapping policies, quoted


@pytest.mark.slow
def test_highest_only_where_the_clause_says_so(assistant: Assistant, composer: Composer) -> None:
    national = assistant.award("四.14", {"title_levels": ["国家级"]})
    provincial = assistant.award("四.14", {"title_levels": ["省级"]})
    assert (national.amount_yuan, provincial.amount_yuan) == (1_000_000, 500_000)
    hits = assistant.knowledge.search("试点示范奖励", k=5)
    q = "同一年获得国家级和省级试点示范称号，能奖多少"
    out = composer.run(q, Route(kind="award", reason="t"), hits, [national, provincial], TODAY)
    assert "合计可获100万元" in lines(out.text)[0]
    assert "就高，不计入" in out.text
    assert "同一企业同一申报年度获得多项称号的按就高原则只享受一项奖励" in out.text


@pytest.mark.slow
def test_overview_lists_fitting_clauses_with_maximums(assistant: Assistant) -> None:
    every = assistant.ask("有哪些补贴？")
    assert "| 四.10 | 芯片企业工程产品首轮流片补助 | 最高500万元 |" in every.answer
    assert "| 四.1 |" in every.answer and "| 四.17-央媒广告 |" in every.answer
    assert "一企一策" in every.answer and "三." not in every.answer
    chips = assistant.ask("我们是芯片企业，能申请什么补贴？")
    assert "四.10" in chips.answer and "四.2" in chips.answer and "| 四.17" not in chips.answer


@pytest.mark.slow
def test_not_provided_topic(assistant: Assistant, composer: Composer) -> None:
    hits = assistant.knowledge.search("算力补贴", k=5)
    out = composer.run(
        "算力补贴怎么申请", Route(kind="fact", reason="t"), hits, [], TODAY, not_provided="算力补贴"
    )
    first = lines(out.text)[0]
    assert first.startswith("本政策没有关于“算力补贴”的条款")
    assert "市工信局" in first  # from policy.yaml's contact
    assert any(x.startswith("相关条款：") for x in lines(out.text))


@pytest.mark.slow
def test_departments_of_several_awards_and_validity(
    assistant: Assistant, composer: Composer
) -> None:
    chip = assistant.award("四.10", {"tapeout_cost_yuan": "800万"})
    fair = assistant.award("四.17-展会补贴", {"exhibition_cost_yuan": "100万"})
    hits = assistant.knowledge.search("找哪个部门申请", k=5)
    q = "这些找哪个部门申请？现在还能申请吗？"
    out = composer.run(q, Route(kind="departments", reason="t"), hits, [chip, fair], TODAY)
    first = lines(out.text)[0]
    assert "四.10的责任单位为：市工信局、市财政局" in first
    assert "四.17的责任单位为：市工信局、市商务局、市财政局" in first
    assert "已过有效期" in first  # the second question, answered in the first line too
    assert out.text.count(VALIDITY) == 1


@pytest.mark.slow
def test_validity_and_lookup_answers(assistant: Assistant) -> None:
    v = assistant.ask("这个政策的有效期是多久？")
    assert lines(v.answer)[0].startswith("本政策自2022年6月2日起实施，有效期三年，至2025年6月1日止")
    assert VALIDITY not in v.answer  # the conclusion is the validity; no second line
    look = assistant.ask("第四部分第10条说的什么")
    assert look.answer.count(VALIDITY) == 1
    assert "责任单位：未列明" not in look.answer
