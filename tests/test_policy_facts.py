"""No policy fact in the Python code of assistant/ and ui/: offices, departments, hotlines, dates,
validity and the policy's own place come from each policy's policy.yaml (and rules.yaml), so a
second policy is answered with its own. Checked for every policy folder there is — the built-in
ones and the test fixtures (a fact of a policy not loaded by default must not hide in code
either)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from knowledge.guide import cn_date, cn_years
from knowledge.parse import load_policy_meta
from knowledge.settings import BUILTIN_POLICIES_DIR, PROJECT_ROOT

FIXTURE_POLICIES = PROJECT_ROOT / "tests" / "fixtures" / "policies"
POLICY_FOLDERS = sorted(
    d.parent
    for root in (BUILTIN_POLICIES_DIR, FIXTURE_POLICIES)
    if root.is_dir()
    for d in root.glob("*/policy.yaml")
)
CODE_FILES = sorted(
    p for folder in ("assistant", "ui") for p in (PROJECT_ROOT / folder).rglob("*.py")
)
# Docstrings and comments may name facts (they explain, they are not answers).
_NOT_CODE = re.compile(r'"""[\s\S]*?"""|#[^\n]*')


def _dates(d: date) -> list[str]:
    return [cn_date(d), d.isoformat(), f"{d.year}年{d.month}月"]


def policy_facts(folder: Path) -> list[str]:
    """What the folder's policy.yaml says that code must not: office(s), contact department,
    name and hotline, issue date and last valid day (as answers write them), the validity
    phrase and the policy's own place (the first place of its jurisdiction)."""
    meta = load_policy_meta(folder)
    facts = [meta.office, *re.split(r"[、，,]", meta.office), meta.title]
    facts += [meta.contact.department, meta.contact.name, meta.contact.hotline]
    if meta.issued is not None:
        facts += _dates(meta.issued)
    if meta.valid_until is not None:
        facts += _dates(meta.valid_until)
    if meta.valid_years:
        facts.append(f"有效期{cn_years(meta.valid_years)}")
    if meta.jurisdiction:
        facts.append(meta.jurisdiction[0])
    return sorted({f.strip() for f in facts if f and len(f.strip()) >= 2})


def test_there_are_policies_to_check() -> None:
    assert any(d.parent == BUILTIN_POLICIES_DIR for d in POLICY_FOLDERS)
    facts = policy_facts(BUILTIN_POLICIES_DIR / "zhengzhou-ngit-2022")
    for expected in ("市工信局", "2022年6月2日", "2025年6月1日", "有效期三年", "郑州"):
        assert expected in facts, facts


@pytest.mark.parametrize("folder", POLICY_FOLDERS, ids=lambda d: d.name)
def test_no_fact_of_the_policy_in_code(folder: Path) -> None:
    facts = policy_facts(folder)
    found = []
    for path in CODE_FILES:
        code = _NOT_CODE.sub("", path.read_text("utf-8"))
        found += [f"{path.relative_to(PROJECT_ROOT)}: {fact}" for fact in facts if fact in code]
    assert not found, "policy facts in code (read them from policy.yaml):\n" + "\n".join(found)
