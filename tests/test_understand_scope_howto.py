"""Scope of how-to questions and of this document's contents (rounds 5-7 released): a how-to of
an activity that is not the policy's support (an exam, a login, a school, a framework) is refused;
the policy's own how-tos stay answered; a tax preference asked of this document is not provided;
a purchase said not to be for a smart-manufacturing project is outside 四.13. New wordings, not
those of the eval files."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.awards import default_rulebook
from assistant.awards.evaluate import evaluate
from assistant.chain import Assistant, _outside_clause
from assistant.understand.dialogue import book_context
from assistant.understand.mentions import extract_turn
from tests.conftest import assistant_in

BOOK = default_rulebook()
TODAY = date(2024, 1, 10)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return assistant_in(tmp_path_factory, "scope_howto")


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "信息系统项目管理师资格证如何考？",
        "大数据平台的登录密码忘记了，能帮我重置吗？",
        "想读集成电路方向的非全日制硕士，有什么大学推荐？",
        "做工业互联网小程序选哪种开发语言合适？",
    ],
)
def test_how_to_of_an_activity_outside_the_policy_is_refused(
    assistant: Assistant, question: str
) -> None:
    a = assistant.ask(question)
    assert a.refused and a.route == "out_of_scope" and a.citations == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "工业APP优秀解决方案奖励怎么申请？",
        "智能化改造补助要找哪个部门？",
        "申报工业互联网平台奖励需要准备什么材料？",
    ],
)
def test_how_to_of_the_policys_own_process_stays_answered(
    assistant: Assistant, question: str
) -> None:
    a = assistant.ask(question)
    assert not a.refused and a.route != "out_of_scope"


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "芯片设计企业的所得税减免，本政策里有没有？",
        "软件企业增值税超税负返还，这个政策有规定吗？",
    ],
)
def test_an_enterprise_tax_preference_asked_of_this_document_is_not_provided(
    assistant: Assistant, question: str
) -> None:
    a = assistant.ask(question)
    assert not a.refused and a.route == "not_provided" and "本政策没有" in a.answer


@pytest.mark.slow
def test_a_persons_own_tax_asked_of_this_document_stays_refused(assistant: Assistant) -> None:
    a = assistant.ask("个税专项附加扣除，这个文件里有吗？")
    assert a.refused and a.route == "out_of_scope"


def test_a_purchase_said_not_for_a_smart_project_fails_the_condition() -> None:
    rule = BOOK.rules["四.13-智能化改造"]
    found = extract_turn(
        rule, "采购设计软件花了80万，跟技改没关系，只是日常办公用", {}, book_context(BOOK)
    )
    assert found.get("smart_project") is False


def test_a_smart_project_is_not_read_false() -> None:
    rule = BOOK.rules["四.13-智能化改造"]
    found = extract_turn(rule, "车间智能化改造项目买设备花了200万", {}, book_context(BOOK))
    assert found.get("smart_project") is not False


def test_only_a_failed_outside_condition_makes_it_not_provided() -> None:
    rule = BOOK.rules["四.13-智能化改造"]
    outside = evaluate(
        "四.13-智能化改造",
        {"equipment_software_investment_yuan": 800_000, "smart_project": False},
        today=TODAY,
        rulebook=BOOK,
    )
    assert outside.eligible is False and _outside_clause(rule, outside)
    inside = evaluate(
        "四.13-智能化改造",
        {"equipment_software_investment_yuan": 800_000, "smart_project": True},
        today=TODAY,
        rulebook=BOOK,
    )
    assert not _outside_clause(rule, inside)


@pytest.mark.slow
def test_a_purchase_outside_the_clause_gets_no_amount(assistant: Assistant) -> None:
    a = assistant.ask("公司花了120万买仿真软件，有补贴吗？这不是智能化改造，只是研发部门用。")
    assert not a.refused and a.route == "not_provided" and "本政策没有" in a.answer
    assert all(w.amount_yuan is None for w in a.awards)
