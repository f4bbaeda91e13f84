"""Rule books by slug and the cross-policy 就高不重复 choice, without the model: the two policy
folders' rules.yaml (the built-in one and the example fixture), amounts computed by hand
(首轮流片 400万: example 二.3 50% → 200万, Zhengzhou 四.10 40% → 160万)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.awards import AwardInputError, load_rulebook
from assistant.awards.books import RuleBooks
from assistant.overlap import choose_higher, same_matter_award
from knowledge.settings import BUILTIN_POLICIES_DIR
from tests.conftest import EXAMPLE_POLICY_DIR

SLUG = "example-hx-ic-2024"
DEFAULT = "zhengzhou-ngit-2022"
TODAY = date(2025, 1, 1)


@pytest.fixture(scope="module")
def books() -> RuleBooks:
    return RuleBooks(
        {
            SLUG: load_rulebook(EXAMPLE_POLICY_DIR),
            DEFAULT: load_rulebook(BUILTIN_POLICIES_DIR / DEFAULT),
        },
        DEFAULT,
    )


def test_ids_are_bare_for_the_default_and_qualified_otherwise(books: RuleBooks) -> None:
    assert books.slugs == [DEFAULT, SLUG]  # the default first
    r = books.evaluate(f"{SLUG}:二.3", {"tapeout_cost_yuan": "400万"}, today=TODAY)
    assert (r.rule, r.clause, r.policy, r.amount_yuan) == (
        f"{SLUG}:二.3",
        f"{SLUG}:二.3",
        SLUG,
        2_000_000,
    )
    r = books.evaluate("四.10", {"tapeout_cost_yuan": "400万"}, today=TODAY)
    assert (r.rule, r.clause, r.policy, r.amount_yuan) == ("四.10", "四.10", DEFAULT, 1_600_000)
    # a qualified tool name finds its rule; a bare id of the other policy is not the default's
    tool = books.book(SLUG).tool_name(books.rule(f"{SLUG}:二.3"))
    assert tool.startswith("example_hx_ic_2024__") and books.rule(tool) is books.rule(
        f"{SLUG}:二.3"
    )
    with pytest.raises(AwardInputError):
        books.resolve("二.3")
    with pytest.raises(AwardInputError, match="未知的政策"):
        books.resolve("nowhere:二.3")


def test_one_policy_alone_qualifies_nothing() -> None:
    alone = RuleBooks({DEFAULT: load_rulebook(BUILTIN_POLICIES_DIR / DEFAULT)}, DEFAULT)
    schemas = alone.input_schemas()
    assert all(":" not in s["rule"] and ":" not in s["clause"] for s in schemas)
    assert {s["name"] for s in schemas} == {r.name for r in alone.default.rules.values()}


def _tapeout(books: RuleBooks, cost: str, **extra):
    a = books.evaluate("四.10", {"tapeout_cost_yuan": cost, **extra}, today=TODAY)
    b = books.evaluate(f"{SLUG}:二.3", {"tapeout_cost_yuan": cost, **extra}, today=TODAY)
    return a, b


@pytest.mark.parametrize(
    ("cost", "taken", "left"),
    [("400万", f"{SLUG}:二.3", "四.10"), ("800万", "四.10", f"{SLUG}:二.3")],
)
def test_the_higher_award_is_taken_and_said(
    books: RuleBooks, cost: str, taken: str, left: str
) -> None:
    out = choose_higher(list(_tapeout(books, cost)), books)
    assert [(a.rule, a.chosen) for a in out] == [(taken, True), (left, False)]
    assert "就高不重复" in out[0].note and "金额较低" in out[1].note


def test_equal_amounts_take_one_and_say_so(books: RuleBooks) -> None:
    out = choose_higher(list(_tapeout(books, "750万")), books)  # 300万 both
    assert [a.chosen for a in out] == [True, False] and "相同" in out[0].note


def test_nothing_is_chosen_when_both_are_ruled_out(books: RuleBooks) -> None:
    out = choose_higher(list(_tapeout(books, "500万", first_round=False)), books)
    assert all(a.eligible is False and a.chosen is None for a in out)
    assert all("都不符合" in a.note for a in out)


def test_same_matter_needs_the_topic_of_both_policies(books: RuleBooks) -> None:
    first = books.evaluate("四.10", {"tapeout_cost_yuan": "400万"}, today=TODAY)
    other = books.evaluate(f"{SLUG}:二.3", {"tapeout_cost_yuan": "400万"}, today=TODAY)
    found = same_matter_award(books, SLUG, "首轮流片花了400万，补多少", first, lambda s: [other])
    assert found is other
    # the question names no topic of the first award's clause: not the same matter
    assert same_matter_award(books, SLUG, "EDA花了400万", first, lambda s: [other]) is None
