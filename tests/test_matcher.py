"""一企一策 logic (assistant/matcher.py) against the real rule book, and its edge cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from assistant.answer import AwardResult
from assistant.awards import AwardInputError, default_rulebook, evaluate
from assistant.matcher import FAILED, field_key, match_order, match_profile, profile_layout
from ui.service import normalize_rule

TODAY = date(2024, 6, 1)


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    return [normalize_rule(r.input_schema()) for r in default_rulebook().rules.values()]


def award(rule_id: str, inputs: Mapping[str, Any]) -> AwardResult:
    return evaluate(rule_id, inputs, today=TODAY, rulebook=default_rulebook())


def test_layout_shares_fields_only_when_name_and_label_agree(rules: list[dict[str, Any]]) -> None:
    shared, per_rule = profile_layout(rules)
    keys = {field_key(s) for s in shared}
    # 四.11 and its first-certificate rule ask the same question
    assert ("above_scale", "是否规模以上工业企业") in keys
    # requested_yuan is a voucher in 四.6 and an operating subsidy in 四.9: not one field
    assert not any(name == "requested_yuan" for name, _ in keys)
    own = {rule["id"]: [s["name"] for s in specs] for rule, specs in per_rule}
    assert "requested_yuan" in own["四.6"] and "requested_yuan" in own["四.9"]
    assert "above_scale" not in own["四.11"]
    tapeout = next(r for r in rules if r["id"] == "四.10")
    assert own["四.10"] == [s["name"] for s in tapeout["inputs"]]
    # every input is placed exactly once: in the profile or among its rule's own fields
    for rule, specs in per_rule:
        for spec in rule["inputs"]:
            assert (field_key(spec) in keys) != (spec in specs), (rule["id"], spec["name"])


def test_only_touched_rules_are_computed_largest_first(rules: list[dict[str, Any]]) -> None:
    own = {
        "四.10": {"tapeout_cost_yuan": "800万"},
        "四.17-展会补贴": {"exhibition_cost_yuan": "100万"},
        "四.1": {"first_time_top100": False},
    }
    matches = match_profile(award, rules, {}, own)
    assert [m.rule["id"] for m in matches][:1] == ["四.10"]
    assert {m.rule["id"] for m in matches} == set(own)
    by_id = {m.rule["id"]: m for m in matches}
    assert by_id["四.10"].award is not None and by_id["四.10"].award.amount_yuan == 3200000
    assert by_id["四.10"].possible and not by_id["四.10"].ruled_out
    assert by_id["四.1"].ruled_out and matches[-1].rule["id"] == "四.1"
    amounts = [m.award.amount_yuan for m in matches if m.possible and m.award]
    assert amounts == sorted(amounts, reverse=True)


def test_a_shared_field_reaches_every_rule_that_has_own_values(
    rules: list[dict[str, Any]],
) -> None:
    profile = {("above_scale", "是否规模以上工业企业"): False}
    # the shared field alone does not evaluate rules that have fields of their own
    assert match_profile(award, rules, profile, {}) == []
    matches = match_profile(award, rules, profile, {"四.11-首次获证": {"first_certificate": True}})
    assert [m.rule["id"] for m in matches] == ["四.11-首次获证"]


def _fake_rules() -> list[dict[str, Any]]:
    x = {"name": "x", "label": "X"}
    return [
        {"id": "A", "clause": "A", "inputs": [x]},  # only shared fields
        {"id": "B", "clause": "B", "inputs": [x, {"name": "y", "label": "Y"}]},
    ]


def test_a_rule_of_shared_fields_only_is_computed_from_the_profile() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake(rule_id: str, inputs: Mapping[str, Any]) -> AwardResult:
        calls.append((rule_id, dict(inputs)))
        return AwardResult(rule=rule_id, amount_yuan=1)

    matches = match_profile(fake, _fake_rules(), {("x", "X"): 5}, {})
    assert calls == [("A", {"x": 5})] and len(matches) == 1


def test_errors_are_reported_per_rule_and_sorted_last() -> None:
    def failing(rule_id: str, inputs: Mapping[str, Any]) -> AwardResult:
        if rule_id == "A":
            raise AwardInputError("金额不能为负数")
        raise RuntimeError("bug")

    matches = match_profile(failing, _fake_rules(), {("x", "X"): 5}, {"B": {"y": 1}})
    errors = {m.rule["id"]: m.error for m in matches}
    assert errors == {"A": "金额不能为负数", "B": FAILED}
    assert all(m.award is None and not m.possible for m in matches)


def test_order_claimable_then_missing_then_out() -> None:
    claim = AwardResult(rule="a", amount_yuan=10)
    bigger = AwardResult(rule="b", amount_yuan=20)
    missing = AwardResult(rule="c", amount_yuan=None)
    out = AwardResult(rule="d", eligible=False, amount_yuan=0)
    ranked = sorted([out, None, missing, claim, bigger], key=match_order)
    assert ranked[:3] == [bigger, claim, missing]


# -- two policies for one matter: 就高不重复 as assistant/overlap.py applies it ----------------

EXAMPLE_SLUG = "example-hx-ic-2024"


@pytest.fixture(scope="module")
def two_books() -> Any:
    from assistant.awards.books import RuleBooks
    from assistant.awards.rules import load_rulebook
    from tests.conftest import EXAMPLE_POLICY_DIR, TWO_POLICIES_TODAY

    main = default_rulebook()
    books = RuleBooks(
        {main.policy: main, EXAMPLE_SLUG: load_rulebook(EXAMPLE_POLICY_DIR)}, main.policy
    )
    today = date.fromisoformat(TWO_POLICIES_TODAY)
    rules = [normalize_rule(r) for r in books.input_schemas()]

    def award_of(ref: str, inputs: Mapping[str, Any]) -> AwardResult:
        return books.evaluate(ref, inputs, today=today)

    return books, rules, award_of


def _tapeout_inputs(rules: list[dict[str, Any]], cost: str) -> dict[str, dict[str, Any]]:
    by_id = {r["id"]: r for r in rules}
    return {
        rid: {next(i["name"] for i in by_id[rid]["inputs"] if i["unit"] == "yuan"): cost}
        for rid in ("四.10", f"{EXAMPLE_SLUG}:二.3")
    }


@pytest.mark.parametrize(
    ("cost", "taken", "amounts"),
    [
        # 400万: the example's 50% (200万) beats Zhengzhou's 40% (160万)
        ("400万", f"{EXAMPLE_SLUG}:二.3", {"四.10": 1_600_000, f"{EXAMPLE_SLUG}:二.3": 2_000_000}),
        # 800万: Zhengzhou's 320万 beats the example's cap of 300万
        ("800万", "四.10", {"四.10": 3_200_000, f"{EXAMPLE_SLUG}:二.3": 3_000_000}),
    ],
)
def test_same_matter_in_two_policies_takes_the_higher(
    two_books: Any, cost: str, taken: str, amounts: dict[str, int]
) -> None:
    from ui.render import money
    from ui.tabs.matcher import matches_markdown

    books, rules, award_of = two_books
    own = _tapeout_inputs(rules, cost)
    own["四.17-展会补贴"] = {"exhibition_cost_yuan": "100万"}  # another matter: still counted
    matches = match_profile(award_of, rules, {}, own, books)
    by_id = {m.rule["id"]: m for m in matches}
    assert {rid: by_id[rid].award.amount_yuan for rid in amounts} == amounts  # both listed
    other = next(rid for rid in amounts if rid != taken)
    assert by_id[taken].award.chosen is True and by_id[taken].counted
    assert by_id[other].award.chosen is False and not by_id[other].counted
    assert "就高不重复" in by_id[taken].note and "较高" in by_id[taken].note
    assert "不重复享受" in by_id[other].note
    exhibition = by_id["四.17-展会补贴"]
    assert exhibition.counted and exhibition.award.chosen is None
    # the total adds the higher one only, not both
    total = amounts[taken] + exhibition.award.amount_yuan
    counted = [m.award.amount_yuan for m in matches if m.counted]
    assert sum(counted) == total
    text = matches_markdown(matches)
    assert money(total) in text.splitlines()[0]
    assert by_id[other].note in text
    # without the books (one policy's view) nothing is chosen: the old behaviour
    plain = match_profile(award_of, rules, {}, _tapeout_inputs(rules, cost))
    assert all(m.award.chosen is None and m.counted for m in plain)


def test_rules_of_one_policy_are_never_one_matter(two_books: Any) -> None:
    from assistant.overlap import same_matter

    books, _, _ = two_books
    assert same_matter(books, "四.10", f"{EXAMPLE_SLUG}:二.3")
    assert same_matter(books, f"{EXAMPLE_SLUG}:二.3", "四.10")
    assert not same_matter(books, "四.10", "四.10")
    assert not same_matter(books, "四.10", f"{EXAMPLE_SLUG}:二.1")  # 升规 is not 流片
