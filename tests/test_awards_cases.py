"""Hand-written rule situations (rule_cases/*.yaml) run against the award engine."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.awards import AwardInputError, RuleBook, default_rulebook, evaluate, load_rulebook

POLICY_DIR = Path(__file__).resolve().parent.parent / "knowledge/policies/zhengzhou-ngit-2022"
BOOK = default_rulebook()


def rule_cases(policy_dir: Path) -> list:
    """The situations of ``policy_dir/rule_cases/*.yaml`` as pytest params."""
    out = []
    for path in sorted((policy_dir / "rule_cases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            case.setdefault("today", data.get("today", date(2024, 6, 1)))
            out.append(pytest.param(case, id=f"{path.stem}:{case['rule']}:{case['name']}"))
    return out


CASES = rule_cases(POLICY_DIR)


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case: dict) -> None:
    check_rule_case(case)


def check_rule_case(case: dict, rulebook: RuleBook | None = None) -> None:
    """One hand-written situation against ``rulebook`` (default: the built-in policy)."""
    rulebook = rulebook or BOOK
    expect = case["expect"]
    if expect.get("error"):
        with pytest.raises(AwardInputError):
            evaluate(case["rule"], case["inputs"], today=case["today"], rulebook=rulebook)
        return
    result = evaluate(case["rule"], case["inputs"], today=case["today"], rulebook=rulebook)
    for key in ("amount_yuan", "eligible", "missing", "expired", "negotiated", "upper_bound"):
        if key in expect:
            assert getattr(result, key) == expect[key], (key, result.model_dump())
    if "assumptions_contain" in expect:
        assert any(expect["assumptions_contain"] in a for a in result.assumptions)
    if result.amount_yuan is not None:
        assert type(result.amount_yuan) is int
    if result.missing:
        assert result.follow_up and "？" in result.follow_up
    if result.eligible is False:
        assert any("不符合条件" in s for s in result.steps)


def test_every_rule_has_three_situations() -> None:
    book = load_rulebook(POLICY_DIR)
    counts = {rid: 0 for rid in book.rules}
    for param in CASES:
        counts[param.values[0]["rule"]] += 1
    thin = {rid: n for rid, n in counts.items() if n < 3}
    assert not thin, thin


def test_coverage_of_clauses() -> None:
    """Every money clause 四.1–四.17 has at least one rule."""
    book = default_rulebook()
    clauses = {r.clause for r in book.rules.values()}
    assert clauses == {f"四.{n}" for n in range(1, 18)}


def test_rule_ids_start_with_clause_and_parameters_cite_text() -> None:
    book = default_rulebook()
    # policy.txt uses half-width punctuation; compare after NFKC so ，（） match ,()
    text = unicodedata.normalize("NFKC", (POLICY_DIR / "policy.txt").read_text(encoding="utf-8"))
    for rule in book.rules.values():
        assert rule.id.startswith(rule.clause)
        for name, p in rule.parameters.items():
            # each fragment of the reference (split on the ellipsis) is verbatim clause text
            for part in p.reference.split("……"):
                part = unicodedata.normalize("NFKC", part).strip(",。")
                assert part in text, (rule.id, name, part)


def test_validity_is_three_years_from_issue() -> None:
    book = default_rulebook()
    assert book.validity.start == date(2022, 6, 2)
    assert book.validity.end == date(2025, 6, 1)
    for rule in book.rules.values():
        assert rule.validity == book.validity


def test_four_ten_trace_in_chinese() -> None:
    r = evaluate("四.10", {"tapeout_cost_yuan": "800万"}, today=date(2024, 1, 1), rulebook=BOOK)
    assert "800万元 × 40% = 320万元" in r.steps[0]
    assert "上限500万元，未超过" in r.steps
    r = evaluate("四.10", {"tapeout_cost_yuan": "1300万"}, today=date(2024, 1, 1), rulebook=BOOK)
    assert "超过上限500万元，按500万元计" in r.steps


def test_stated_controls_which_conditions_are_checked() -> None:
    # a value present but not stated by the user is treated as an assumption, not a fact
    r = evaluate(
        "四.2",
        {"growth_percent": 10, "above_scale": False},
        today=date(2024, 1, 1),
        rulebook=BOOK,
        stated={"growth_percent"},
    )
    assert r.eligible is True and r.amount_yuan == 500000
    assert any("规模以上" in a for a in r.assumptions)


@pytest.mark.parametrize(
    ("rule", "inputs"),
    [
        ("四.99", {}),
        ("四.10", {"nonsense": 1}),
        ("四.10", {"tapeout_cost_yuan": "八百万台"}),
        ("四.10", {"tapeout_cost_yuan": float("nan")}),
        ("四.10", {"tapeout_cost_yuan": True}),
        ("四.10", {"tapeout_cost_yuan": {"a": 1}}),
        ("四.10", {"tapeout_cost_yuan": "亿亿"}),
        ("四.2", {"growth_percent": "800万"}),
        ("四.4-服务收入补助", {"served_enterprises": "很多"}),
        ("四.10", {"self_developed": "也许"}),
        ("四.15", {"title": 3}),
        (None, {}),
    ],
)
def test_bad_values_raise_award_input_error(rule: object, inputs: dict) -> None:
    with pytest.raises(AwardInputError) as info:
        evaluate(rule, inputs, today=date(2024, 1, 1), rulebook=BOOK)  # type: ignore[arg-type]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_float_input_goes_through_str() -> None:
    r = evaluate("四.10", {"tapeout_cost_yuan": 0.1}, today=date(2024, 1, 1), rulebook=BOOK)
    assert r.amount_yuan == 0  # 0.04 yuan rounds to 0, computed from Decimal("0.1")
    r = evaluate("四.10", {"tapeout_cost_yuan": 8000000.0}, today=date(2024, 1, 1), rulebook=BOOK)
    assert r.amount_yuan == 3200000


def test_input_schema_for_api() -> None:
    schema = default_rulebook().get("四.10").input_schema()
    assert schema["clause"] == "四.10"
    names = {i["name"]: i for i in schema["inputs"]}
    assert names["tapeout_cost_yuan"]["unit"] == "yuan"
    assert names["tapeout_cost_yuan"]["required"] is True
    assert "MEMS传感器" in names["chip_field"]["options"]


def test_rulebook_lookup() -> None:
    book = default_rulebook()
    assert book.get("zhengzhou-ngit-2022:四.10").id == "四.10"
    assert book.get("clause4_10_first_tapeout").id == "四.10"
    assert [r.id for r in book.for_clause("四.8")] == ["四.8-设备投资补助", "四.8-服务奖励"]
    assert book.find("四.4") is None
    with pytest.raises(AwardInputError, match=r"四\.4-双跨平台认定"):
        book.get("四.4")


def test_yaml_float_is_refused(tmp_path: Path) -> None:
    text = (POLICY_DIR / "rules.yaml").read_text(encoding="utf-8")
    bad = text.replace("        value: 40\n", "        value: 0.4\n", 1)
    assert bad != text
    (tmp_path / "rules.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match="float"):
        load_rulebook(tmp_path)
