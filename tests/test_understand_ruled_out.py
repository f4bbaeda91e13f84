"""A fact stated that rules a clause out (a loan not for a smart-manufacturing project), a
keyword said negated that names no rule to score, and a person's consumer or technical errands
refused (10b round): new wordings, not those of the eval files."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import Answer
from assistant.award_answers import not_provided_sentence
from assistant.awards import default_rulebook
from assistant.awards.evaluate import evaluate
from assistant.chain import Assistant
from assistant.understand.choose import select_rule
from assistant.understand.dialogue import book_context
from assistant.understand.mentions import extract_turn
from tests.conftest import assistant_in

BOOK = default_rulebook()
TODAY = date(2024, 1, 10)
LOAN = "四.13-贷款贴息"


def _read(rule_id: str, text: str) -> dict:
    return extract_turn(BOOK.rules[rule_id], text, {}, book_context(BOOK))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("这笔是周转用的流贷", False),
        ("贷款没用于智能化改造，是补充营运资金的", False),
        ("我们的经营贷也想贴息", False),
        ("技改贷款2000万，年利率3.8%", True),
        ("贷款2000万，年利率3.8%", None),
    ],
)
def test_what_a_loan_is_for(text: str, value: bool | None) -> None:
    assert _read(LOAN, text).get("smart_project_loan") is value


def test_a_loan_not_for_a_project_is_not_provided_for() -> None:
    result = evaluate(LOAN, {"smart_project_loan": False}, today=TODAY, rulebook=BOOK)
    assert result.eligible is False and result.failed == ["smart_project_loan"]
    sentence = not_provided_sentence(BOOK.rules[LOAN], result, "四.13")
    assert sentence.startswith("本政策没有针对这种情况的贴息条款")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a keyword said not to be the matter does not name its rule …
        ("并非搞智能化改造，借的是周转资金，这种也能贴息吗", LOAN),
        # … but a negated fact of the rule's own input is still about it
        ("广告不是投在央视的，花了150万，补多少", "四.17-央媒广告"),
        ("智能化改造设备投了900万，能补多少", "四.13-智能化改造"),
    ],
)
def test_a_negated_keyword_names_no_rule(text: str, rule: str) -> None:
    chosen = select_rule(text, [], [], rulebook=BOOK)
    assert chosen is not None and chosen.id == rule


@pytest.mark.parametrize(
    ("history", "text", "rule"),
    [
        # a headquarters move of a 双跨平台 is 四.4's own award, moved or only planned …
        (
            (),
            "跨行业跨领域平台已获工信部认定，考虑明年把总部整体搬到郑州，一次性奖励有多少？",
            "四.4-双跨总部落户",
        ),
        (
            ("我们平台被工信部认定为双跨了",),
            "要是把公司总部迁来郑州，给多少钱？",
            "四.4-双跨总部落户",
        ),
        # … of any other enterprise it stays 四.3's 一事一议
        ((), "我们是世界500强，准备把总部迁来郑州，能给多少？", "四.3"),
        (("上云服务券怎么领？",), "如果把总部迁到郑州，能拿多少？", "四.3"),
    ],
)
def test_a_more_specific_rule_of_another_clause(history: tuple, text: str, rule: str) -> None:
    chosen = select_rule(text, list(history), [], rulebook=BOOK)
    assert chosen is not None and chosen.id == rule


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return assistant_in(tmp_path_factory, "ruled_out")


def _ask(assistant: Assistant, question: str) -> Answer:
    return assistant.ask(question, [])


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "家里宽带想升级千兆，电信的资费贵不贵？",
        "我这台笔记本开不了机了，里面的资料怎么恢复？",
        "公司服务器被黑客攻击了，数据被加密，怎么解密？",
        "联通和移动的5G哪个网速更快？",
    ],
)
def test_a_persons_errand_is_refused(assistant: Assistant, question: str) -> None:
    a = _ask(assistant, question)
    assert a.refused and a.route == "out_of_scope" and a.citations == []


@pytest.mark.slow
def test_support_for_security_work_is_still_answered(assistant: Assistant) -> None:
    a = _ask(assistant, "我们被勒索病毒攻击后做了安全加固，这笔投入有补贴吗？")
    assert not a.refused
