"""Is a policy folder's law sound? The rule book loads, it is the folder's policy, every clause it
names exists in the text, and every hand-written rule case (rule_cases/*.yaml) gives what it
expects. Each problem is one line naming the file, the rule and the field.

Used by ``python -m knowledge add <folder>`` (before anything is stored) and by the tests of
every policy folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import RuleBook, RuleFileError, load_rulebook
from knowledge.clause import ParsedPolicy
from knowledge.guide import GUIDE_FILE, load_guide

RULE_CASES_DIR = "rule_cases"
# What a rule case may expect, compared with the AwardResult field of the same name.
EXPECTED_FIELDS = ("amount_yuan", "eligible", "missing", "expired", "negotiated", "upper_bound")
DEFAULT_CASE_DAY = date(2024, 6, 1)


def _validation_lines(path: Path, exc: ValidationError, rule_id: str) -> list[str]:
    out = []
    for err in exc.errors():
        field = ".".join(str(x) for x in err.get("loc", ())) or "(rule)"
        out.append(f"{path}: 规则 {rule_id} 字段 {field}：{err.get('msg')}")
    return out


def load_checked(folder: Path) -> tuple[RuleBook | None, list[str]]:
    """The folder's rule book, or None and the problems that stop it from loading."""
    path = folder / "rules.yaml"
    try:
        return load_rulebook(folder), []
    except RuleFileError as exc:
        return None, [
            f"{exc.path}: 规则 {exc.rule_id} 字段 {field or '(rule)'}：{message}"
            for field, message in exc.fields
        ]
    except ValidationError as exc:
        # the loader names a failing rule itself (RuleFileError): this is the book's top level
        return None, _validation_lines(path, exc, "(rules.yaml 顶层)")
    except (ValueError, KeyError, TypeError, yaml.YAMLError, OSError) as exc:
        return None, [f"{path}: {type(exc).__name__}: {exc}"]


def clause_problems(folder: Path, book: RuleBook, parsed: ParsedPolicy) -> list[str]:
    """Rules, topics and guide entries naming a clause the text does not have."""
    ids = {c.id for c in parsed.clauses}
    out = []
    if book.policy != parsed.meta.slug:
        out.append(
            f"{folder / 'rules.yaml'}: 字段 policy 为“{book.policy}”，"
            f"与 policy.yaml 的 slug“{parsed.meta.slug}”不一致"
        )
    for rule in book.rules.values():
        if rule.clause not in ids:
            out.append(
                f"{folder / 'rules.yaml'}: 规则 {rule.id} 字段 clause：条款 {rule.clause} 不存在"
            )
    for clause_id in book.topics:
        if clause_id not in ids:
            out.append(f"{folder / 'lexicon.yaml'}: topics.{clause_id}：条款不存在")
    return out + guide_problems(folder, ids)


def guide_problems(folder: Path, clause_ids: set[str]) -> list[str]:
    """guide.yaml must load and name only clauses of the text."""
    path = folder / GUIDE_FILE
    try:
        guide = load_guide(folder)
    except ValidationError as exc:
        return [
            f"{path}: 字段 {'.'.join(str(x) for x in e.get('loc', ()))}：{e.get('msg')}"
            for e in exc.errors()
        ]
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: {exc}"]
    if guide is None:
        return []
    return [f"{path}: clauses.{c}：条款不存在" for c in guide.clauses if c not in clause_ids]


def case_problems(case: dict[str, Any], book: RuleBook) -> list[str]:
    """Why one rule case fails (empty when it passes)."""
    rule_id, expect = case.get("rule"), case.get("expect") or {}
    today = case.get("today", DEFAULT_CASE_DAY)
    inputs = case.get("inputs") or {}
    if book.find(str(rule_id)) is None:
        return [f"规则 {rule_id} 不存在"]
    try:
        result = evaluate(str(rule_id), inputs, today=today, rulebook=book)
    except AwardInputError as exc:
        return [] if expect.get("error") else [f"报错：{exc}"]
    if expect.get("error"):
        return ["应当报错，却算出了结果"]
    out = []
    for key in EXPECTED_FIELDS:
        if key in expect and getattr(result, key) != expect[key]:
            out.append(f"字段 {key}：期望 {expect[key]!r}，实际 {getattr(result, key)!r}")
    wanted = expect.get("assumptions_contain")
    if wanted and not any(wanted in a for a in result.assumptions):
        out.append(f"字段 assumptions：没有包含“{wanted}”的说明")
    return out


def rule_cases(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every case of ``folder/rule_cases/*.yaml``, with the file's ``today`` filled in."""
    out = []
    for path in sorted((folder / RULE_CASES_DIR).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            case.setdefault("today", data.get("today", DEFAULT_CASE_DAY))
            out.append((path, case))
    return out


def check_policy_folder(folder: Path, parsed: ParsedPolicy) -> list[str]:
    """Every problem of the folder's award rules (none when it has no rules.yaml)."""
    folder = Path(folder)
    if not (folder / "rules.yaml").is_file():
        if (folder / RULE_CASES_DIR).is_dir() or (folder / "lexicon.yaml").is_file():
            return [f"{folder}: 有 rule_cases/ 或 lexicon.yaml，却没有 rules.yaml"]
        return []
    book, problems = load_checked(folder)
    if book is None:
        return problems
    problems = clause_problems(folder, book, parsed)
    try:
        cases = rule_cases(folder)
    except (OSError, yaml.YAMLError) as exc:
        return [*problems, f"{folder / RULE_CASES_DIR}: {exc}"]
    for path, case in cases:
        for why in case_problems(case, book):
            problems.append(f"{path}: 规则 {case.get('rule')} 情形“{case.get('name')}”：{why}")
    return problems
