"""From a conversation to a rule and its inputs: rule routing and slot filling.

Routing scores each rule by its keywords (from rules.yaml) in the question (weight 3) and in
earlier turns (weight falling with distance), plus a bonus for the clauses the retriever ranked
first. Slot filling reads quantities with :mod:`assistant.numbers`, assigns each to the input
whose aliases stand nearest before it (same clause of the sentence, units must agree), reads
yes/no facts with a small negation window, and enum values by longest alias. Later turns win.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from assistant.answer import AwardResult
from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import InputSpec, Rule, RuleBook, default_rulebook
from assistant.numbers import NumberError, Quantity, extract_quantities

_AWARD_WORDS = ("奖", "补", "贴", "资助", "扶持", "配套", "券", "钱", "领", "支持")
_ASK_WORDS = (
    "多少",
    "几万",
    "几百万",
    "怎么算",
    "如何算",
    "如何计算",
    "怎么计算",
    "怎样计算",
    "算一下",
    "算算",
    "测算",
    "能拿",
    "能领",
    "能得",
    "能获",
    "可以拿",
    "可以领",
    "可以得",
    "可获",
    "给多少",
    "额度",
    "金额",
    "上限",
    "最高",
    "最多",
    "能不能",
    "可不可以",
    "有没有",
    "能否",
    "标准",
    "怎么给",
    "怎么奖",
    "怎么补",
    "奖多少",
    "补多少",
    "吗",
)
# Phrases that ask for an amount by themselves, without 奖/补 (能拿多少, 给多少钱 …).
_STRONG_ASKS = (
    "能拿多少",
    "能领多少",
    "能得多少",
    "能获得多少",
    "可以拿多少",
    "可以领多少",
    "可以得多少",
    "给多少",
    "拿多少钱",
    "有多少钱",
    "多少钱",
)
_FOLLOW_MARKERS = ("如果", "要是", "假如", "假设", "那", "呢", "换成", "改成", "变成", "的话")
_NEGATIONS = ("不", "没", "未", "非", "无")
_UNSURE = ("是否", "不知", "不确定", "有没有", "是不是", "能不能", "吗")
_PREVIOUS_MARKERS = (
    "之前",
    "以前",
    "原来",
    "原先",
    "此前",
    "已有",
    "已经有",
    "已获",
    "曾",
    "去年",
    "从",
    "前年",
)
_SEGMENT = re.compile(r"[，,。；;？?！!\n]")


def _quantities(text: str) -> list[Quantity]:
    try:
        return extract_quantities(text)
    except NumberError:
        return []


def is_award_question(text: str) -> bool:
    """Does the text ask what an enterprise can get (an amount, a calculation)?"""
    if not isinstance(text, str) or not text.strip():
        return False
    if any(w in text for w in _STRONG_ASKS):
        return True
    has_award = any(w in text for w in _AWARD_WORDS)
    asks = any(w in text for w in _ASK_WORDS)
    has_money = any(q.kind == "money" for q in _quantities(text))
    return has_award and (asks or has_money)


def _keyword_score(rule: Rule, text: str) -> int:
    return sum(len(k) for k in rule.keywords if k and k in text)


def _usable_inputs(rule: Rule) -> set[str]:
    """Inputs the formula needs, plus those it can derive them from (两年收入 → 增长率)."""
    names = {s.name for s in rule.inputs if rule.formula_needs(s.name)}
    for d in rule.formula.get("derive", []):
        names.update(d["from"])
    names.update(s.fallback_from for s in rule.inputs if s.fallback_from)
    return names


def _scores(
    book: RuleBook, question: str, history: Sequence[str], ranked: Sequence[str]
) -> dict[str, float]:
    ranked_bare = [c.split(":")[-1] for c in ranked if isinstance(c, str)]
    quantities = _quantities(question)
    scores: dict[str, float] = {}
    for rule in book.rules.values():
        score = 3.0 * _keyword_score(rule, question)
        # a quantity the rule's formula can use tips the balance between rules that tie on
        # keywords ("双跨平台，服务收入1000万" → the revenue subsidy, not the fixed award)
        needed = [s for s in rule.inputs if s.name in _usable_inputs(rule)]
        score += 2.0 * sum(1 for q in quantities if any(_unit_fits(s, q) for s in needed))
        for distance, turn in enumerate(reversed(history), start=1):
            score += _keyword_score(rule, turn) / distance
        if rule.clause in ranked_bare:
            score += 4.0 / (ranked_bare.index(rule.clause) + 1)
        scores[rule.id] = score
    return scores


def select_rule(
    question: str,
    history: Sequence[str],
    ranked_clause_ids: Sequence[str],
    *,
    rulebook: RuleBook | None = None,
) -> Rule | None:
    """The rule the conversation is about, or None when nothing points at one."""
    book = rulebook or default_rulebook()
    scores = _scores(book, question, list(history or []), list(ranked_clause_ids or []))
    best_id = max(scores, key=lambda rid: scores[rid])  # ties: first in the rule file
    return book.rules[best_id] if scores[best_id] > 0 else None


def _best_rule_of_turn(book: RuleBook, turn: str) -> str | None:
    scores = {r.id: _keyword_score(r, turn) for r in book.rules.values()}
    best = max(scores, key=lambda rid: scores[rid])
    return best if scores[best] > 0 else None


def relevant_turns(rule: Rule, history: Sequence[str], book: RuleBook) -> list[str]:
    """Earlier turns back to the last one that was clearly about another rule."""
    kept: list[str] = []
    for turn in reversed(list(history)):
        other = _best_rule_of_turn(book, turn)
        if other is not None and other != rule.id and _keyword_score(rule, turn) == 0:
            break
        kept.append(turn)
    return list(reversed(kept))


# ---------------------------------------------------------------- slot filling
def _unit_fits(spec: InputSpec, q: Quantity) -> bool:
    if spec.type not in ("decimal", "integer"):
        return False
    if spec.unit == "yuan":
        return q.kind == "money"
    if spec.unit == "percent":
        return q.kind == "percent"
    if spec.unit in ("count", "times"):
        if q.kind not in ("count", "times"):
            return False
        return spec.quantity_units is None or q.unit in spec.quantity_units
    return False


def _alias_score(spec: InputSpec, before: str, after: str) -> float:
    best = 0.0
    for alias in spec.aliases:
        pos = before.rfind(alias)
        if pos >= 0:
            distance = len(before) - (pos + len(alias))
            best = max(best, 100.0 * spec.priority + len(alias) - distance * 0.5)
        if alias in after:
            best = max(best, 10.0 * spec.priority + len(alias) - after.find(alias) * 0.5)
    return best


def _segments(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in _SEGMENT.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def _assign_quantities(rule: Rule, text: str, quantities: list[Quantity]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    segs = _segments(text)
    for i, q in enumerate(quantities):
        seg = next(((s, e) for s, e in segs if s <= q.span[0] < e + 1), (0, len(text)))
        prev_end = quantities[i - 1].span[1] if i > 0 else 0
        next_start = quantities[i + 1].span[0] if i + 1 < len(quantities) else len(text)
        before = text[max(seg[0], prev_end) : q.span[0]]
        after = text[q.span[1] : min(seg[1], next_start)]
        candidates = [s for s in rule.inputs if _unit_fits(s, q)]
        if not candidates:
            continue
        scored = sorted(
            ((_alias_score(s, before, after), n, s) for n, s in enumerate(candidates)),
            key=lambda t: (-t[0], t[1]),
        )
        score, _, spec = scored[0]
        if score <= 0:
            # no alias anywhere near: the first needed input not yet filled
            free = [s for s in candidates if s.name not in out]
            spec = next((s for s in free if rule.formula_needs(s.name)), free[0] if free else spec)
        if spec.aggregate == "sum" and spec.name in out:
            out[spec.name] = out[spec.name] + q.value
        else:
            out[spec.name] = q.value
    return out


def _alias_positions(text: str, aliases: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for alias in sorted(set(aliases), key=len, reverse=True):
        for m in re.finditer(re.escape(alias), text, flags=re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def _read_bool(spec: InputSpec, text: str) -> bool | None:
    found: list[tuple[int, bool]] = []
    for start, _end in _alias_positions(text, spec.false_aliases):
        found.append((start, False))
    for start, end in _alias_positions(text, spec.aliases):
        if any(start < fs + 1 and fs < end for fs, _ in found):
            continue
        window = text[max(0, start - 4) : start]
        tail = text[end : end + 3]
        if any(u in window or u in tail for u in _UNSURE):
            continue
        found.append((start, not any(n in window[-3:] for n in _NEGATIONS)))
    if not found:
        return None
    return max(found)[1]


def _option_mentions(spec: InputSpec, text: str) -> list[tuple[int, str]]:
    alias_to_value: dict[str, str] = {}
    for opt in spec.options or []:
        for alias in [opt.value, *opt.aliases]:
            alias_to_value.setdefault(alias.lower(), opt.value)
    spans = _alias_positions(text, list(alias_to_value))
    return [(s, alias_to_value[text[s:e].lower()]) for s, e in spans]


def _read_enums(rule: Rule, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    level_name = rule.formula.get("level")
    prev_name = rule.formula.get("previous_level")
    for spec in rule.inputs:
        if spec.type not in ("enum", "enum_list") or spec.name == prev_name:
            continue
        mentions = _option_mentions(spec, text)
        if not mentions:
            continue
        if spec.type == "enum_list":
            out[spec.name] = list(dict.fromkeys(v for _, v in mentions))
        elif spec.name == level_name and prev_name:
            marked = [
                (pos, v)
                for pos, v in mentions
                if any(m in text[max(0, pos - 8) : pos] for m in _PREVIOUS_MARKERS)
            ]
            distinct = list(dict.fromkeys(v for _, v in mentions))
            if marked and len(distinct) == 1:
                out[prev_name] = marked[-1][1]
            elif len(distinct) >= 2:
                prev = marked[0][1] if marked else mentions[0][1]
                current = next((v for _, v in reversed(mentions) if v != prev), mentions[-1][1])
                out[prev_name], out[spec.name] = prev, current
            else:
                out[spec.name] = mentions[-1][1]
        else:
            out[spec.name] = mentions[-1][1]
    return out


def _extract_turn(rule: Rule, text: str) -> dict[str, Any]:
    found = _assign_quantities(rule, text, extract_quantities(text))
    for spec in rule.inputs:
        if spec.type == "bool":
            value = _read_bool(spec, text)
            if value is not None:
                found[spec.name] = value
    found.update(_read_enums(rule, text))
    return found


def extract_inputs(rule: Rule, texts: Sequence[str]) -> tuple[dict[str, Any], set[str]]:
    """Inputs for ``rule`` from the turns (oldest first; later turns win) and the stated names.

    A bad number (negative, absurd) in the last text raises NumberError; in an earlier turn
    that turn is skipped, since the user has moved on.
    """
    inputs: dict[str, Any] = {}
    texts = [t for t in texts if isinstance(t, str)]
    for n, text in enumerate(texts):
        try:
            found = _extract_turn(rule, text)
        except NumberError:
            if n == len(texts) - 1:
                raise
            continue
        inputs.update(found)
    return inputs, set(inputs)


def _is_follow_up(question: str, history: Sequence[str]) -> bool:
    if not any(is_award_question(t) for t in list(history)[-3:]):
        return False
    return bool(_quantities(question)) or any(m in question for m in _FOLLOW_MARKERS)


def _error_result(rule: Rule, message: str) -> AwardResult:
    needed = [s.label for s in rule.inputs if rule.formula_needs(s.name)]
    return AwardResult(
        rule=rule.id,
        clause=rule.clause,
        title=rule.title,
        kind=rule.kind,
        eligible=None,
        amount_yuan=None,
        missing=needed,
        error=message,
        follow_up=f"{message}。请核对后重新告诉我具体数额。",
    )


def answer_award(
    question: str,
    history: list[str],
    ranked_clause_ids: list[str],
    today: date,
    *,
    rulebook: RuleBook | None = None,
) -> AwardResult | None:
    """The award for this turn of the conversation, or None when no amount is asked about."""
    if not isinstance(question, str):
        return None
    book = rulebook or default_rulebook()
    history = [h for h in history or [] if isinstance(h, str)]
    if not (is_award_question(question) or _is_follow_up(question, history)):
        return None
    rule = select_rule(question, history, ranked_clause_ids, rulebook=book)
    if rule is None:
        return None
    turns = [*relevant_turns(rule, history, book), question]
    try:
        inputs, stated = extract_inputs(rule, turns)
    except NumberError as exc:
        return _error_result(rule, str(exc))
    try:
        return evaluate(rule.id, inputs, today=today, stated=stated, rulebook=book)
    except AwardInputError as exc:
        return _error_result(rule, str(exc))
