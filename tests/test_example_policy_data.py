"""The example policy tests/fixtures/policies/example-hx-ic-2024 (示例文本（虚构，仅用于测试）)
as data: its text parses into clauses, its rules load and every hand-written situation gives
the amount computed by hand, its guide and gold file refer only to what the text says, and it
overlaps the Zhengzhou policy on 首轮流片 with a closing 就高不重复 article. Nothing here loads
it by default."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from assistant.awards import RuleBook, default_rulebook, evaluate, load_rulebook
from evals.cases import load_file
from knowledge.clause import Clause, PolicyMeta
from knowledge.guide import FIELDS, guide_dict, load_guide
from knowledge.parse import load_policy_dir
from tests.test_awards_cases import check_rule_case, rule_cases

EXAMPLE_DIR = Path(__file__).resolve().parent / "fixtures/policies/example-hx-ic-2024"
SLUG = "example-hx-ic-2024"
MARK = "示例文本（虚构，仅用于测试）"
TODAY = date(2025, 1, 1)

CLAUSE_IDS = [
    "序",
    "一",
    *(f"二.{n}" for n in range(1, 10)),
    *(f"三.{n}" for n in range(1, 5)),
    "尾",
]
MONEY_CLAUSES = [f"二.{n}" for n in range(1, 8)]


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rulebook(EXAMPLE_DIR)


@pytest.fixture(scope="module")
def parsed() -> tuple[PolicyMeta, dict[str, Clause]]:
    policy = load_policy_dir(EXAMPLE_DIR)
    return policy.meta, {c.id: c for c in policy.clauses}


# -- the text and its metadata --------------------------------------------------------------------


def test_marked_as_fictitious_example() -> None:
    text = (EXAMPLE_DIR / "policy.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith(MARK)
    meta = yaml.safe_load((EXAMPLE_DIR / "policy.yaml").read_text(encoding="utf-8"))
    assert MARK in meta["title"] and MARK in meta["note"]


def test_parser_gives_the_clause_ids(parsed: tuple[PolicyMeta, dict[str, Clause]]) -> None:
    meta, clauses = parsed
    assert meta.slug == SLUG
    assert list(clauses) == CLAUSE_IDS
    assert all(c.slug == SLUG for c in clauses.values())
    # the quirks: a chapter whose heading carries its own text, items numbered 1、 2、 …
    assert clauses["一"].kind == "chapter" and "10家" in clauses["一"].text
    assert clauses["二.3"].title == "支持芯片首轮流片"
    assert not clauses["二.3"].text.startswith("3")
    assert clauses["三.1"].title == meta.titles["三.1"]


def test_departments_of_every_support_clause(parsed: tuple[PolicyMeta, dict[str, Clause]]) -> None:
    _, clauses = parsed
    for cid in [f"二.{n}" for n in range(1, 10)]:
        assert clauses[cid].departments, cid
    assert clauses["二.5"].departments == ["市市场监管局", "市财政局"]
    assert "市发展改革委" in clauses["二.6"].departments
    assert all("责任单位" not in c.text for c in clauses.values())


def test_metadata_matches_the_closing(parsed: tuple[PolicyMeta, dict[str, Clause]]) -> None:
    meta, clauses = parsed
    assert meta.issued == date(2024, 3, 15) and meta.valid_years == 2
    assert meta.valid_until == date(2026, 3, 14)
    closing = clauses["尾"].text
    assert "本措施自2024年3月15日起施行，有效期2年" in closing
    assert "华夏市工业和信息化局" in closing and "华夏市财政局" in closing
    assert meta.contact.department == "市工信局"


def test_closing_article_states_highest_not_repeated(
    parsed: tuple[PolicyMeta, dict[str, Clause]], book: RuleBook
) -> None:
    _, clauses = parsed
    article = nfkc(clauses["三.1"].text)
    assert "本措施和本市其他政策" in article and "就高不重复" in article
    note = book.note("就高不重复")
    assert note is not None and nfkc(note.reference) in article


# -- the rules ------------------------------------------------------------------------------------


def test_rules_load_with_their_kinds(book: RuleBook) -> None:
    assert book.policy == SLUG
    kinds = {rid: r.kind for rid, r in book.rules.items()}
    assert kinds == {
        "二.1": "fixed",
        "二.2": "tiered_levels",
        "二.3": "rate_with_cap",
        "二.4": "rate_with_cap",
        "二.5": "per_item_with_yearly_cap",
        "二.6": "matching_share",
        "二.7": "rate_with_cap",
    }
    assert len(set(kinds.values())) >= 3 and len(kinds) >= 6
    assert book.contact == "市工信局"


def test_every_rule_names_a_clause_of_the_text(
    book: RuleBook, parsed: tuple[PolicyMeta, dict[str, Clause]]
) -> None:
    _, clauses = parsed
    assert sorted({r.clause for r in book.rules.values()}) == MONEY_CLAUSES
    for rule in book.rules.values():
        assert clauses[rule.clause].kind == "item", rule.id
    assert set(book.topics) <= set(clauses)


def test_parameters_cite_the_text_and_validity_is_the_policy_s(
    book: RuleBook, parsed: tuple[PolicyMeta, dict[str, Clause]]
) -> None:
    meta, clauses = parsed
    for rule in book.rules.values():
        text = nfkc(clauses[rule.clause].text)
        for name, p in rule.parameters.items():
            for part in p.reference.split("……"):
                assert nfkc(part).strip(",。") in text, (rule.id, name, part)
        for cond in rule.conditions:
            assert nfkc(cond.phrase) in text, (rule.id, cond.input)
        assert rule.validity == book.validity
    assert book.validity.start == meta.issued
    assert book.validity.end == meta.valid_until
    assert nfkc(book.validity.reference) in nfkc(clauses["尾"].text)


def test_rule_names_do_not_clash_with_the_built_in_policy(book: RuleBook) -> None:
    builtin = default_rulebook()
    assert builtin.policy != SLUG  # the example is never the default
    assert not {r.name for r in book.rules.values()} & {r.name for r in builtin.rules.values()}


EXAMPLE_CASES = rule_cases(EXAMPLE_DIR)


@pytest.mark.parametrize("case", EXAMPLE_CASES)
def test_example_rule_case(case: dict, book: RuleBook) -> None:
    check_rule_case(case, book)


def test_every_rule_has_three_situations(book: RuleBook) -> None:
    counts = {rid: 0 for rid in book.rules}
    for param in EXAMPLE_CASES:
        counts[param.values[0]["rule"]] += 1
    assert not {rid: n for rid, n in counts.items() if n < 3}, counts


# -- the overlap with Zhengzhou 四.10 ------------------------------------------------------------


def test_tapeout_overlaps_zhengzhou_with_other_rate_and_cap(book: RuleBook) -> None:
    ours, theirs = book.get("二.3"), default_rulebook().get("四.10")
    assert "首轮流片" in ours.title and "首轮流片" in theirs.title
    assert ours.param("rate").value == Decimal(50) != theirs.param("rate").value
    assert ours.cap == Decimal(3000000) != theirs.cap

    def both(cost: str) -> tuple[int | None, int | None]:
        a = evaluate("二.3", {"tapeout_cost_yuan": cost}, today=TODAY, rulebook=book)
        b = evaluate("四.10", {"tapeout_cost_yuan": cost}, today=TODAY, rulebook=default_rulebook())
        return a.amount_yuan, b.amount_yuan

    # which policy is higher (就高) depends on the cost: the overlap is worth testing end to end
    assert both("400万") == (2000000, 1600000)
    assert both("750万") == (3000000, 3000000)
    assert both("800万") == (3000000, 3200000)


# -- guide, lexicon, gold ----------------------------------------------------------------------


def test_guide_covers_every_money_clause_verbatim(
    parsed: tuple[PolicyMeta, dict[str, Clause]],
) -> None:
    meta, clauses = parsed
    guide = load_guide(EXAMPLE_DIR)
    assert guide is not None and guide.policy == SLUG
    assert list(guide.clauses) == MONEY_CLAUSES
    for cid, entry in guide.clauses.items():
        text = nfkc(clauses[cid].text)
        fragments = [*entry.惠及对象, *entry.申报条件, *entry.支持标准, *entry.政策依据]
        if entry.合并规则 is not None:
            fragments.append(entry.合并规则.依据)
        for fragment in fragments:
            assert nfkc(fragment) in text, (cid, fragment)
        shown = guide_dict(entry, clauses[cid], cid, meta, TODAY)
        assert tuple(shown) == FIELDS
        assert "2024年3月15日" in shown["有效期"] and "2026年3月14日" in shown["有效期"]


def test_lexicon_is_separate_from_the_law() -> None:
    rules = yaml.safe_load((EXAMPLE_DIR / "rules.yaml").read_text(encoding="utf-8"))
    assert all("keywords" not in r for r in rules["rules"])
    lexicon = yaml.safe_load((EXAMPLE_DIR / "lexicon.yaml").read_text(encoding="utf-8"))
    assert lexicon["policy"] == SLUG and set(lexicon["rules"]) == set(MONEY_CLAUSES)


def test_gold_file_cites_clauses_of_this_policy(
    parsed: tuple[PolicyMeta, dict[str, Clause]],
) -> None:
    _, clauses = parsed
    cases = load_file(EXAMPLE_DIR / "gold.jsonl")
    assert 12 <= len(cases) <= 20
    categories = {c.category for c in cases}
    assert {"award", "facts", "out-of-scope"} <= categories
    for case in cases:
        for ref in case.expect.citations_any or []:
            slug, _, cid = ref.partition(":")
            assert slug == SLUG and cid in clauses, (case.id, ref)
    assert any(c.expect.amounts_yuan for c in cases)
    assert any(c.expect.refuse for c in cases)
