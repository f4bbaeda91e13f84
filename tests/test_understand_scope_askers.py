"""Scope by evidence (round 11): who asks, our place said only as a comparison, titles not in
the policy's lists, identities denied, bare item numbers in amount questions, the English of
equity rounds. New wordings, not those of the eval files; expectations from the policy text."""

from __future__ import annotations

import pytest

from assistant.awards import default_rulebook
from assistant.chain import Assistant
from assistant.understand.dialogue import book_context
from assistant.understand.mentions import extract_turn
from tests.conftest import assistant_in

BOOK = default_rulebook()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return assistant_in(tmp_path_factory, "scope_askers")


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        # a business outside the field asks, whatever clause word it says (展位费 is 四.17's)
        "我们开了两家火锅店，参加美食博览会的展位费能补贴吗？",
        "我是开面包店的，想找投资，有没有引导基金？",
        # a household's purchase and a pet: a consumer's matters
        "想给我爸买台笔记本电脑，郑州有消费补贴吗？",
        "我家猫要植入宠物芯片，郑州哪家医院能做？",
        # another place's own policy, ours said only as what it is compared with
        "开封有没有集成电路扶持政策？和郑州相比哪个力度大？",
    ],
)
def test_askers_outside_the_field_are_refused(assistant: Assistant, question: str) -> None:
    a = assistant.ask(question)
    assert a.refused and a.route == "out_of_scope" and a.citations == []


@pytest.mark.slow
def test_the_fields_product_for_such_businesses_is_not_refused(assistant: Assistant) -> None:
    # what the asker makes is software for restaurants: an enterprise of the field
    a = assistant.ask("我们是做餐厅点餐系统的软件公司，参展的展位费花了10万，能补多少？")
    assert not a.refused and [w.amount_yuan for w in a.awards] == [70_000]  # 10万 × 70%


@pytest.mark.slow
def test_a_recognised_title_not_in_the_policy_is_not_provided(assistant: Assistant) -> None:
    a = assistant.ask("我们刚被工信部评为制造业单项冠军企业！按这个政策，能拿多少奖励？")
    assert not a.refused and a.route == "not_provided"
    assert all(w.amount_yuan is None for w in a.awards)


@pytest.mark.slow
def test_a_recognised_title_of_the_policy_still_names_its_clause(assistant: Assistant) -> None:
    a = assistant.ask("我们的平台被工信部认定为跨行业、跨领域工业互联网平台，能奖多少？")
    assert [w.amount_yuan for w in a.awards] == [10_000_000]


@pytest.mark.slow
def test_a_denied_identity_names_no_clause(assistant: Assistant) -> None:
    # 500强 and 上市 are 四.3's, said only as what the asker is not
    a = assistant.ask(
        "我们只是一家做显示屏组装的小厂，不是500强，也没上市。新厂的土地出让金能减免吗？"
    )
    assert not a.refused and a.route == "not_provided"


@pytest.mark.slow
def test_english_of_an_equity_round_is_not_provided(assistant: Assistant) -> None:
    a = assistant.ask("We raised a Series B last month. Any reward for venture capital financing?")
    assert not a.refused and a.route == "not_provided"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "written"),
    [
        # an amount asked: the one clause numbered 12 that award rules are written for
        ("第十二条那个最多能奖多少？", "四.12"),
        # no amount asked: the number is left as said (三.12 and 四.12 both exist)
        ("第十二条讲的是什么？", "第十二条"),
    ],
)
def test_a_bare_item_number_in_an_amount_question(
    assistant: Assistant, question: str, written: str
) -> None:
    assert written in assistant._bare_item_of_award(question)


def test_a_loan_said_unrelated_to_smart_manufacturing_fails_the_clause() -> None:
    rule = BOOK.rules["四.13-贷款贴息"]
    found = extract_turn(rule, "这笔贷款与技改无关，是建仓库用的", {}, book_context(BOOK))
    assert found.get("smart_project_loan") is False
