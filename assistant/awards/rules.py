"""Award rules as data: pydantic models of rules.yaml and the loader.

The YAML is the single place where amounts, rates, caps and thresholds live; each number
carries the Chinese phrase of the clause it comes from (``reference``). YAML floats are
refused at load time so no binary fraction ever enters a calculation. A rule's ``formula``
is one of the typed kinds of :mod:`assistant.awards.formulas`, checked against the rule's
inputs and parameters at load.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.awards.errors import AwardInputError
from assistant.awards.formulas import KINDS, Formula
from assistant.awards.specs import (
    Condition,
    InputSpec,
    Option,
    Parameter,
    StrictModel,
)
from knowledge.settings import Settings
from knowledge.yaml_load import safe_load

__all__ = [
    "Condition",
    "InputSpec",
    "Option",
    "Parameter",
    "Rule",
    "RuleBook",
    "RuleFileError",
    "Validity",
]


# Memos of answers that depend only on an immutable rule or rule book, kept outside the
# models (pydantic compares private attributes: a filled memo would make equal books
# unequal). Keyed by id() with the object itself held, so an id is never reused.
MEMO_OWNERS = 256
MEMO_TEXTS = 4096
_NEEDS: dict[int, tuple[object, dict[str, Any]]] = {}
_NAMED: dict[int, tuple[object, dict[str, frozenset[str]]]] = {}
_DERIVED: dict[int, tuple[object, dict[str, Any]]] = {}

T = TypeVar("T")


def _memo(
    memos: dict[int, tuple[object, dict[Any, Any]]], owner: object, limit: int = MEMO_OWNERS
) -> dict[Any, Any]:
    entry = memos.get(id(owner))
    if entry is None or entry[0] is not owner:
        if len(memos) >= limit:
            memos.clear()
        entry = memos[id(owner)] = (owner, {})
    return entry[1]


def memoised(owner: object, key: str, compute: Callable[[], T]) -> T:
    """What ``compute`` derives from an immutable rule, input or book, computed once: the
    understanding stage asks the same of every rule each question."""
    memo = _memo(_DERIVED, owner, 4 * MEMO_OWNERS)  # rules and their inputs
    if key not in memo:
        memo[key] = compute()
    found: T = memo[key]
    return found


class Validity(StrictModel):
    start: date
    years: int
    end: date
    reference: str
    note: str = ""


class Rule(StrictModel):
    id: str
    name: str = Field(description="ASCII name, used as the langchain tool name")
    clause: str
    title: str
    kind: str
    keywords: list[str] = Field(default_factory=list)
    # who receives the award, as a question names it (四.4's 子公司): the subject of an asking
    # part or the head of the enterprise's stated identity names this award among its siblings
    recipients: list[str] = Field(default_factory=list)
    formula: Formula
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    inputs: list[InputSpec] = Field(default_factory=list)
    validity: Validity

    @model_validator(mode="before")
    @classmethod
    def _formula_kind(cls, data: Any) -> Any:
        """rules.yaml writes ``kind`` beside ``formula`` (and may omit ``formula``): copy it in
        so the formula is read as the model of its kind."""
        if not isinstance(data, dict):
            return data
        formula = data.get("formula") or {}
        if not isinstance(formula, dict):
            return data  # pydantic reports the wrong type
        if "kind" in formula and formula["kind"] != data.get("kind"):
            raise ValueError(f"formula.kind {formula['kind']} differs from kind {data.get('kind')}")
        return {**data, "formula": {**formula, "kind": data.get("kind")}}

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not self.id.startswith(self.clause):
            raise ValueError(f"id: must start with its clause id {self.clause}")
        if not self.name.isascii() or not self.name.replace("_", "").isalnum():
            raise ValueError("name: must be ASCII letters, digits, _")
        names = {i.name for i in self.inputs}
        for c in self.conditions:
            if c.input not in names:
                raise ValueError(f"conditions: condition on unknown input {c.input}")
        for key, p in self.parameters.items():
            if p.received_input is not None and p.received_input not in names:
                raise ValueError(f"parameters.{key}: received_input names unknown input")
        problems = self.formula.problems({i.name: i for i in self.inputs}, self.parameters)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def input(self, name: str) -> InputSpec:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise AwardInputError(
            f"规则{self.id}不接受输入项“{name}”；可用输入：{', '.join(self.input_names()) or '无'}"
        )

    def input_names(self) -> list[str]:
        return [i.name for i in self.inputs]

    def param(self, name: str) -> Parameter:
        return self.parameters[name]

    @property
    def cap(self) -> Decimal | None:
        p = self.parameters.get("cap")
        return p.value if p else None

    def input_schema(self) -> dict[str, Any]:
        """What GET /api/rules shows: clause, title, and every input with label/unit/type."""
        return {
            "rule": self.id,
            "name": self.name,
            "clause": self.clause,
            "title": self.title,
            "kind": self.kind,
            "inputs": [
                {
                    "name": i.name,
                    "label": i.label,
                    "unit": i.unit,
                    "type": i.type,
                    "required": self.formula_needs(i.name),
                    **({"options": i.option_values()} if i.options else {}),
                }
                for i in self.inputs
            ],
            "parameters": {
                k: {
                    "value": str(p.value),
                    "unit": p.unit,
                    "reference": p.reference,
                    **({"cap_period": p.cap_period} if p.cap_period else {}),
                }
                for k, p in self.parameters.items()
            },
            "validity": {
                "start": self.validity.start.isoformat(),
                "end": self.validity.end.isoformat(),
            },
        }

    @property
    def received_input(self) -> str | None:
        """The input of what was already received of this award this year, when its cap is per
        year (the cap's ``received_input``): read from what is said of it, never a figure the
        amount is computed on."""
        memo = _memo(_NEEDS, self)
        if "__received__" not in memo:
            memo["__received__"] = next(
                (p.received_input for p in self.parameters.values() if p.received_input), None
            )
        found: str | None = memo["__received__"]
        return found

    @property
    def figure_inputs(self) -> list[InputSpec]:
        """The inputs a figure of a question may be attributed to (all but ``received_input``)."""
        memo = _memo(_NEEDS, self)
        if "__figures__" not in memo:
            memo["__figures__"] = [s for s in self.inputs if s.name != self.received_input]
        specs: list[InputSpec] = memo["__figures__"]
        return specs

    def formula_needs(self, name: str) -> bool:
        """True when the formula cannot give an amount without this input (its kind computes
        from it and the input is not optional)."""
        # Asked dozens of times a question of a rule that never changes: computed once.
        memo = _memo(_NEEDS, self)
        known = memo.get(name)
        if known is None:
            known = memo[name] = self._formula_needs(name)
        return known

    def _formula_needs(self, name: str) -> bool:
        spec = next((i for i in self.inputs if i.name == name), None)
        if spec is None or spec.optional or spec.type == "bool":
            return False
        if name not in self.formula.amount_inputs:
            return False
        # a condition-only input is assumed met when absent
        return not any(c.input == name for c in self.conditions)


class Note(StrictModel):
    id: str
    text: str
    reference: str


class RuleBook(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    version: int
    validity: Validity
    rounding: str
    readings: dict[str, str]
    notes: list[Note]
    synonyms: dict[str, list[str]] = {}
    # clause id → the distinctive terms that name its topic (揭榜挂帅 → 四.16): a question that
    # names one is about that clause, whatever retrieval ranked first
    topics: dict[str, list[str]] = {}
    rules: dict[str, Rule]
    # whom answers send people to (policy.yaml contact.department), for notes the rules write
    contact: str = ""
    # True when this is not the default policy of several loaded: the ids it shows are then
    # qualified by its slug (CONTRACT §1: ``slug:四.10``; the bare form is the default policy)
    qualified: bool = False

    def ref(self, local_id: str) -> str:
        """How a rule or clause id of this policy is shown: ``四.10`` or ``slug:四.10``."""
        return f"{self.policy}:{local_id}" if self.qualified else local_id

    def tool_name(self, rule: Rule) -> str:
        """The rule's langchain tool name, prefixed by the slug when ids are qualified."""
        return f"{self.policy.replace('-', '_')}__{rule.name}" if self.qualified else rule.name

    def get(self, rule_id: str) -> Rule:
        """The rule by id (四.10), slug-qualified id, or ASCII name; AwardInputError if unknown."""
        if not isinstance(rule_id, str):
            raise AwardInputError("规则编号应为文字，如“四.10”")
        key = rule_id.strip()
        if ":" in key:
            slug, _, key = key.partition(":")
            if slug != self.policy:
                raise AwardInputError(f"未知的政策：{slug}")
        if key in self.rules:
            return self.rules[key]
        for rule in self.rules.values():
            if key in (rule.name, self.tool_name(rule)):
                return rule
        hint = "、".join(r.id for r in self.for_clause(key))
        raise AwardInputError(
            f"未知的奖励规则：{rule_id}" + (f"（该条款的规则有：{hint}）" if hint else "")
        )

    def find(self, rule_id: str) -> Rule | None:
        try:
            return self.get(rule_id)
        except AwardInputError:
            return None

    def for_clause(self, clause_id: str) -> list[Rule]:
        clause_id = clause_id.split(":")[-1]
        return [r for r in self.rules.values() if r.clause == clause_id]

    def named_clauses(self, text: str) -> set[str]:
        """Clauses whose distinctive topic terms ``text`` names (negated or not: "不是揭榜挂帅
        项目" still asks about 揭榜挂帅)."""
        if not isinstance(text, str):
            return set()
        # The frames stage asks this of the same few texts ~40 times a question.
        memo = _memo(_NAMED, self.topics)
        found = memo.get(text)
        if found is None:
            if len(memo) >= MEMO_TEXTS:
                memo.clear()
            found = memo[text] = frozenset(
                c for c, terms in self.topics.items() if any(t and t in text for t in terms)
            )
        return set(found)

    def note(self, note_id: str) -> Note | None:
        return next((n for n in self.notes if n.id == note_id), None)


def _with_synonyms(words: list[str], synonyms: dict[str, list[str]]) -> list[str]:
    """Each word plus its colloquial variants: with synonyms {流片: [投片, 打样]} the keyword
    首轮流片 also matches 首轮投片 and 首轮打样. One pass, so variants are not re-expanded."""
    out = list(words)
    for word in words:
        for canonical, variants in synonyms.items():
            if canonical in word:
                out += [word.replace(canonical, v) for v in variants]
    return list(dict.fromkeys(out))


def _with_endings(words: list[str], endings: list[list[str]]) -> list[str]:
    """Each word plus the same word ending in each other form of its ending: with endings
    [[以前, 之前, 前]] the keyword 分级评估前 also matches 分级评估以前 and 分级评估之前 (the
    longest form the word ends in; a word of fewer than two characters before it keeps its own
    form, so 提前 and 目前 are left alone)."""
    out = list(words)
    for word in words:
        for forms in endings:
            form = next((f for f in sorted(forms, key=len, reverse=True) if word.endswith(f)), "")
            base = word[: len(word) - len(form)]
            if form and len(base) >= 2:
                out += [base + f for f in forms if f != form]
    return list(dict.fromkeys(out))


def _expand_synonyms(
    raw: dict[str, Any], synonyms: dict[str, list[str]], endings: list[list[str]] | None = None
) -> dict[str, Any]:
    """Apply the rule file's ``synonyms`` and ``endings`` to a rule's keywords and input/option
    aliases."""
    if not synonyms and not endings:
        return raw

    def expand(words: list[str]) -> list[str]:
        return _with_endings(_with_synonyms(words, synonyms), endings or [])

    raw = dict(raw)
    raw["keywords"] = expand(raw.get("keywords") or [])
    inputs = []
    for spec in raw.get("inputs") or []:
        spec = dict(spec)
        for key in ("aliases", "false_aliases"):
            if spec.get(key):
                spec[key] = expand(spec[key])
        if spec.get("options"):
            spec["options"] = [
                {**o, "aliases": expand(o.get("aliases") or [])} for o in spec["options"]
            ]
        inputs.append(spec)
    raw["inputs"] = inputs
    return raw


def _merge_lexicon(raw: dict[str, Any], vocab: dict[str, Any], where: str) -> dict[str, Any]:
    """A rule's law (rules.yaml) with its question vocabulary (lexicon.yaml) merged in."""
    if not isinstance(vocab, dict):
        raise ValueError(f"{where}: expected a mapping of keywords and inputs")
    raw = dict(raw)
    if vocab.get("keywords"):
        raw["keywords"] = list(vocab["keywords"])
    if vocab.get("recipients"):
        raw["recipients"] = list(vocab["recipients"])
    inputs = {spec["name"]: dict(spec) for spec in raw.get("inputs") or []}
    for name, words in (vocab.get("inputs") or {}).items():
        if name not in inputs:
            raise ValueError(f"{where}: input {name} is not an input of the rule in rules.yaml")
        spec = inputs[name]
        for key in ("aliases", "false_aliases", "false_patterns", "several_patterns", "patterns"):
            if words.get(key):
                spec[key] = list(words[key])
        if words.get("false_unless_true"):
            spec["false_unless_true"] = bool(words["false_unless_true"])
        if words.get("false_wins"):
            spec["false_wins"] = bool(words["false_wins"])
        if words.get("outside_when_false"):
            spec["outside_when_false"] = bool(words["outside_when_false"])
        options = words.get("options") or {}
        known = {str(o["value"]) for o in spec.get("options") or []}
        unknown = [v for v in options if str(v) not in known]
        if unknown:
            raise ValueError(f"{where}: input {name} has no option {', '.join(map(str, unknown))}")
        if options:
            spec["options"] = [
                {**o, "aliases": list(options.get(str(o["value"])) or [])}
                for o in spec.get("options") or []
            ]
    raw["inputs"] = list(inputs.values())
    return raw


def load_lexicon(policy_dir: Path) -> dict[str, Any]:
    """``policy_dir/lexicon.yaml``: how questions name the policy's clauses, inputs and values."""
    path = Path(policy_dir) / "lexicon.yaml"
    if not path.exists():
        return {}
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def load_rulebook(policy_dir: Path) -> RuleBook:
    """Load and validate ``policy_dir/rules.yaml`` with the question vocabulary of
    ``lexicon.yaml`` beside it; errors name the file, rule and field at fault."""
    path = Path(policy_dir) / "rules.yaml"
    lexicon_path = Path(policy_dir) / "lexicon.yaml"
    data = safe_load(path.read_text(encoding="utf-8"))
    lexicon = load_lexicon(policy_dir)
    for key in ("synonyms", "endings", "topics", "keywords", "recipients"):
        if key in data or any(key in r for r in data.get("rules", [])):
            raise ValueError(f"{path}: {key} is question vocabulary; it belongs in lexicon.yaml")
    synonyms = lexicon.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
        for k, v in synonyms.items()
    ):
        raise ValueError(f"{lexicon_path}: synonyms must map a term to a list of variants")
    endings = lexicon.get("endings") or []
    if not isinstance(endings, list) or not all(
        isinstance(forms, list) and len(forms) >= 2 and all(isinstance(f, str) and f for f in forms)
        for forms in endings
    ):
        raise ValueError(f"{lexicon_path}: endings must be lists of two or more forms of an ending")
    topics = lexicon.get("topics") or {}
    if not isinstance(topics, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) and x for x in v)
        for k, v in topics.items()
    ):
        raise ValueError(f"{lexicon_path}: topics must map a clause id to a list of terms")
    vocab_by_rule = lexicon.get("rules") or {}
    rule_ids = {r.get("id") for r in data["rules"]}
    stray = [rid for rid in vocab_by_rule if rid not in rule_ids]
    if stray:
        raise ValueError(f"{lexicon_path}: rules not in rules.yaml: {', '.join(stray)}")
    rules: dict[str, Rule] = {}
    for raw in data["rules"]:
        where = f"{lexicon_path} rules.{raw.get('id')}"
        merged = _merge_lexicon(raw, vocab_by_rule.get(raw.get("id")) or {}, where)
        try:
            rule = Rule.model_validate(_expand_synonyms(merged, synonyms, endings))
        except ValidationError as exc:
            raise RuleFileError(path, str(raw.get("id")), _field_errors(exc)) from exc
        if rule.id in rules:
            raise ValueError(f"{path}: duplicate rule id {rule.id}")
        rules[rule.id] = rule
    clauses = {r.clause for r in rules.values()}
    unknown = [c for c in topics if c not in clauses]
    if unknown:
        raise ValueError(f"{path}: topics name clauses without rules: {', '.join(unknown)}")
    return RuleBook(
        policy=data["policy"],
        version=data["version"],
        validity=Validity.model_validate(data["validity"]),
        rounding=data["rounding"],
        readings=data.get("readings", {}),
        notes=[Note.model_validate(n) for n in data.get("notes", [])],
        synonyms=synonyms,
        topics={c: _with_synonyms(list(t), synonyms) for c, t in topics.items()},
        rules=rules,
        contact=_contact_department(Path(policy_dir)),
    )


class RuleFileError(ValueError):
    """A rule of rules.yaml that does not validate: the file, the rule and each field's error
    (the message reads "FILE: rule 四.10: formula.bse: Extra inputs are not permitted")."""

    def __init__(self, path: Path, rule_id: str, fields: list[tuple[str, str]]) -> None:
        self.path, self.rule_id, self.fields = path, rule_id, fields
        explained = "; ".join(f"{f}: {m}" if f else m for f, m in fields)
        super().__init__(f"{path}: rule {rule_id}: {explained}")


def _field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """A rule's validation errors as (field, message) (formula.bse, Extra inputs are not
    permitted), without the union tag pydantic puts in the path (formula.rate_with_cap.bse)."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) > 1 and loc[0] == "formula" and loc[1] in KINDS:
            del loc[1]
        parts.append((".".join(loc), err["msg"].removeprefix("Value error, ")))
    return parts


def _contact_department(policy_dir: Path) -> str:
    """Whom the policy's metadata (policy.yaml ``contact.department``) sends people to."""
    path = policy_dir / "policy.yaml"
    if not path.exists():
        return ""
    meta = safe_load(path.read_text(encoding="utf-8")) or {}
    contact = meta.get("contact") if isinstance(meta, dict) else None
    return str(contact.get("department") or "") if isinstance(contact, dict) else ""


@lru_cache(maxsize=8)
def _cached_rulebook(policy_dir: Path) -> RuleBook:
    return load_rulebook(policy_dir)


def default_rulebook(settings: Settings | None = None) -> RuleBook:
    """The rules of the default policy (``Settings.default_policy``, found by the catalog),
    loaded once per folder. For scripts and tests: the assistant holds its own books."""
    from knowledge.catalog import policy_dir

    settings = settings or Settings()
    return _cached_rulebook(policy_dir(settings, settings.default_policy))
