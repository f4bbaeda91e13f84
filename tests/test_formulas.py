"""Typed formulas: a rules.yaml whose formula is wrong fails at load, naming file, rule and
field; the kinds declare what they need; the formula package does not import the rule module."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from assistant.awards import load_rulebook
from assistant.awards.formulas import KINDS, Fixed, TieredLevels
from assistant.awards.rules import default_rulebook
from knowledge.catalog import policy_dir
from knowledge.settings import Settings

DEFAULT_POLICY_DIR = policy_dir(Settings(), Settings().default_policy)
FORMULAS_DIR = Path(__file__).resolve().parent.parent / "assistant" / "awards" / "formulas"


def _policy_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the built-in policy's rule files with one edit in rules.yaml."""
    text = (DEFAULT_POLICY_DIR / "rules.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (tmp_path / "rules.yaml").write_text(text.replace(old, new), encoding="utf-8")
    shutil.copy(DEFAULT_POLICY_DIR / "lexicon.yaml", tmp_path / "lexicon.yaml")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "rule", "fields"),
    [
        # a misspelt key: refused as an extra key, and the real one reported missing
        (
            "      base: tapeout_cost_yuan\n",
            "      bse: tapeout_cost_yuan\n",
            "四.10",
            ["formula.bse: Extra inputs are not permitted", "formula.base: Field required"],
        ),
        # an unknown kind: the union names the tag it did not find
        (
            "    kind: rate_with_cap\n    formula:\n      base: tapeout_cost_yuan\n",
            "    kind: rate_with_cpa\n    formula:\n      base: tapeout_cost_yuan\n",
            "四.10",
            ["formula: Input tag 'rate_with_cpa'"],
        ),
        # a formula naming an input the rule does not have
        (
            "      base: tapeout_cost_yuan\n",
            "      base: tapeout_cost\n",
            "四.10",
            ["formula.base: names unknown input tapeout_cost"],
        ),
        # a level naming a parameter the rule does not have
        (
            '        - {key: "5", parameter: level_5}\n',
            '        - {key: "5", parameter: level_6}\n',
            "四.11",
            ["formula.levels[4].parameter: names unknown parameter level_6"],
        ),
        # a level that is no option of the level input (so could never be chosen)
        (
            '        - {key: "5", parameter: level_5}\n',
            '        - {key: "五", parameter: level_5}\n',
            "四.11",
            [
                "formula.levels: 五 is not an option of input certificate_level",
                "formula.levels: option 5 of input certificate_level has no amount",
            ],
        ),
        # a derivation from an input the rule does not have
        (
            "          from: [last_year_revenue_yuan, revenue_increase_yuan]\n",
            "          from: [last_year_revenue_yuan, revenue_increase]\n",
            "四.2",
            ["formula.derive[0]: names unknown input revenue_increase"],
        ),
    ],
)
def test_a_wrong_formula_fails_at_load_naming_file_rule_and_field(
    tmp_path: Path, old: str, new: str, rule: str, fields: list[str]
) -> None:
    folder = _policy_with(tmp_path, old, new)
    with pytest.raises(ValueError) as caught:
        load_rulebook(folder)
    message = str(caught.value)
    assert message.startswith(f"{folder / 'rules.yaml'}: rule {rule}: "), message
    for field in fields:
        assert field in message, message


def test_a_parameter_the_kind_reads_is_required(tmp_path: Path) -> None:
    folder = _policy_with(
        tmp_path,
        "      max_years:\n",
        "      most_years:\n",
    )
    with pytest.raises(ValueError, match=r"parameters\.max_years: missing, kind interest_subsidy"):
        load_rulebook(folder)


def test_every_rule_of_the_policy_is_read_as_its_kind() -> None:
    book = default_rulebook()
    assert {r.kind for r in book.rules.values()} == set(KINDS)
    for rule in book.rules.values():
        assert isinstance(rule.formula, KINDS[rule.kind]) and rule.formula.kind == rule.kind


def test_kinds_declare_what_they_need() -> None:
    book = default_rulebook()
    tapeout = book.get("四.10")
    assert tapeout.formula.amount_inputs == ["tapeout_cost_yuan"]
    assert tapeout.formula.upgrade is None and not tapeout.formula.amount_is_fixed
    certificate = book.get("四.11").formula
    assert isinstance(certificate, TieredLevels)
    assert certificate.upgrade == ("certificate_level", "previous_level")
    assert isinstance(book.get("四.1").formula, Fixed) and book.get("四.1").formula.amount_is_fixed
    assert book.get("四.3").formula.negotiated
    growth = book.get("四.2").formula
    assert {"last_year_revenue_yuan", "main_revenue_yuan"} <= growth.derived_from()
    # optional inputs are computed from but not required: 贴息 without the LPR assumes it
    loan = book.get("四.13-贷款贴息")
    assert [n for n in loan.input_names() if loan.formula_needs(n)] == [
        "loan_principal_yuan",
        "loan_rate_percent",
    ]
    assert all(isinstance(model.label, str) and model.label for model in KINDS.values())


def test_the_formula_package_does_not_import_the_rule_module() -> None:
    """The old kinds.py ↔ rules.py cycle: formulas type against RuleParts instead."""
    for path in FORMULAS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
            a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
        }
        assert not {"assistant.awards.rules", "assistant.awards.evaluate"} & imported, path.name
