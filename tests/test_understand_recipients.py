"""Who an award is for picks the sub-award of a clause: the subject of an asking part or the
identity the enterprise states (四.4's subsidiary award is the 子公司's, not the parent's)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.awards import default_rulebook
from assistant.understand import dialogue
from assistant.understand.choose import asked_recipients, select_rule

BOOK = default_rulebook()
TODAY = date(2024, 6, 1)
SUB = "四.4-控股子公司"


@pytest.mark.parametrize(
    "text",
    [
        "我们集团已被工信部认定为双跨平台，去年在郑州成立了一家控股子公司，营收不错。这家子公司能领多少？",
        "母公司是双跨平台（工信部认定），在郑州设了控股子公司，经营良好，子公司可以拿多少奖励",
    ],
)
def test_the_subject_of_the_ask_is_the_subsidiary(text: str) -> None:
    assert SUB in asked_recipients(BOOK, text)
    rule = select_rule(text, [], ["四.4"], rulebook=BOOK)
    assert rule is not None and rule.id == SUB
    results = dialogue.answer_awards(text, [], ["四.4"], TODAY, rulebook=BOOK)
    assert [r.rule for r in results] == [BOOK.ref(SUB)]
    assert results[0].amount_yuan == 2_000_000


def test_a_restated_identity_names_the_subsidiary() -> None:
    history = ["工信部认定的双跨平台给多少奖励？"]
    text = "说错了，我们并非双跨平台本身，而是双跨平台在郑州设立的控股子公司，经营状况良好"
    assert SUB in asked_recipients(BOOK, text)
    rule = select_rule(text, history, ["四.4"], rulebook=BOOK)
    assert rule is not None and rule.id == SUB


@pytest.mark.parametrize(
    "text",
    [
        "我们是工信部认定的双跨平台，能拿多少奖励？",
        "双跨平台在郑州设立子公司，是否有奖励？",
    ],
)
def test_no_subsidiary_asked(text: str) -> None:
    assert SUB not in asked_recipients(BOOK, text)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import assistant_in

    return assistant_in(tmp_path_factory, "recipients")


def test_the_conditions_of_each_award_asked_before(assistant) -> None:
    # a follow-up naming no award of its own asks about the clauses of the turns before it
    history = ["营收增长奖励怎么算？", "那流片补助呢？"]
    answer = assistant.ask("这两项各自要满足什么条件？", history)
    bare = [c.id.split(":")[-1] for c in answer.citations]
    assert bare[:2] == ["四.2", "四.10"]
    assert "5000万" in answer.answer
