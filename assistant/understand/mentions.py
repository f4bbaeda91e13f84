"""What a text says of one rule's inputs: each quantity to the input whose aliases stand nearest
before it (same clause of the sentence, units must agree), yes/no facts with the scope of a
negation (没/没有/还没/未/不是/并非 … up to ten characters before the phrase, cut at a contrast
such as 而是/但; or 还没/未 right after it; 不超过/不低于 are masked first, since they bound a
number), and enum values by longest alias. A round figure (三千来万) is read as said and noted.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.awards.rules import InputSpec, Rule
from assistant.numbers import Quantity, extract_quantities
from assistant.understand.lexicon import general_pattern, general_words

_NEGATIONS = general_words("negations")

_UNSURE = general_words("unsure")

_NEG_WORDS = general_words("negation_words")

_NEG_SCOPE = 10  # characters before the phrase, within the same clause of the sentence

_NOT_NEGATION = general_pattern("not_negation")

_SCOPE_BREAK = general_pattern("scope_break")

_NEG_AFTER = general_pattern("negation_after")

_PREVIOUS_MARKERS = general_words("previous_markers")

# words that say a percentage is some other ratio (研发投入占比15%, 毛利率20%)
_RATIO_WORDS = general_words("ratio_words")

_NOT_A_VALUE_START = "".join(general_words("not_a_value_start"))

_SEGMENT = re.compile(r"[，,。；;？?！!\n]")

# An alias right after one of these is the base a figure is compared with ("比去年多了1500万"
# labels the 1500万 as the increase, not as last year's revenue).
_COMPARED_WITH = ("比", "较", "相比", "比起")


@dataclass(frozen=True)
class BookContext:
    """What attribution must know of the other rules of the book: the words that label their
    inputs (总投资 is 四.12's total, so the 投资 inside it is not 四.13's 设备投资) and which
    clauses a text names (a figure said of two clauses at once belongs to neither)."""

    labels: frozenset[str] = frozenset()  # every input alias of the book, 2+ characters
    topics: tuple[tuple[str, str], ...] = ()  # (clause, topic term) of the book

    def names_clauses(self, text: str) -> set[str]:
        return {c for c, t in self.topics if t in text}

    def joins_clauses(self, text: str) -> bool:
        """ "流片和智能化改造加起来花了2000万": topics of two clauses joined by 和/与/及/、."""
        found = sorted(
            (text.find(t), text.find(t) + len(t), c) for c, t in self.topics if t in text
        )
        for (_, end, a), (start, _, b) in itertools.pairwise(found):
            if a != b and re.fullmatch(r"[的]?(?:和|与|及|以及|、|跟|加|加上)", text[end:start]):
                return True
        return False


# ---------------------------------------------------------------- slot filling
def unit_fits(spec: InputSpec, q: Quantity) -> bool:
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


# What may stand beside an alias without changing what it measures (设备 → 设备投资, 投资 →
# 项目投资); any other word makes another measure (投资 → 总投资 is a total, not a part).
_SAME_MEASURE = ("项目", "投资", "投入", "金额", "费用", "额", "资金", "支出", "成本", "的")


def _extends(alias: str, label: str) -> bool:
    """``label`` is ``alias`` with only a word of the same measure beside it."""
    head, _, tail = label.partition(alias)
    return (head + tail) in _SAME_MEASURE


def _inside_other_label(spec: InputSpec, text: str, pos: int, alias: str, labels) -> bool:
    """The alias at ``pos`` is part of a longer word that labels another input (总投资 ⊃ 投资)."""
    own = set(spec.aliases)
    for label in labels:
        if len(label) <= len(alias) or alias not in label or label in own:
            continue
        if _extends(alias, label):
            continue
        start = text.find(label, max(0, pos - len(label)))
        while 0 <= start <= pos:
            if start + len(label) >= pos + len(alias):
                return True
            start = text.find(label, start + 1)
    return False


def _compared_with(text: str, pos: int, alias: str) -> bool:
    """ "比去年多了1500万": 去年 is the base compared with, not the figure's label — unless the
    figure is that base itself ("比上年的7000万多了700万")."""
    if not any(text[max(0, pos - len(w)) : pos] == w for w in _COMPARED_WITH):
        return False
    return text[pos + len(alias) :].strip("的 ") != ""


def _alias_score(
    spec: InputSpec, before: str, after: str, labels: frozenset[str] = frozenset()
) -> float:
    best = 0.0
    for alias in spec.aliases:
        pos = before.rfind(alias)
        while pos >= 0 and (
            _inside_other_label(spec, before, pos, alias, labels)
            or _compared_with(before, pos, alias)
        ):
            pos = before.rfind(alias, 0, pos)
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


# The key under which ``approx`` collects figures left out of a sum (see _assign_quantities).
LEFT_OUT = "__left_out__"


def _names_input(spec: InputSpec, before: str) -> bool:
    """Words before a figure name this input itself, not just a verb of spending (花了, 投入)."""
    generic = set(general_words("spending_verbs"))
    return any(a in before for a in spec.aliases if len(a) >= 2 and a not in generic)


def _labelled_otherwise(rule: Rule, before: str, book: BookContext) -> bool:
    """Words before a figure that label an input of another rule (总投资, 研发投入 is not a
    label, 服务收入 is), or that name two clauses at once ("流片和智能化改造加起来")."""
    if book.joins_clauses(before):
        return True
    own = {a for s in rule.inputs for a in s.aliases}
    generic = set(general_words("spending_verbs"))
    return any(
        label in before
        and label not in own
        and label not in generic
        and not any(label in a for a in own)
        and not any(a in label and _extends(a, label) for a in own if len(a) >= 2)
        for label in book.labels
    )


def _left_out(approx: dict[str, list[str]] | None, said: str) -> None:
    if approx is not None:
        approx.setdefault(LEFT_OUT, []).append(said)


def _assign_quantities(
    rule: Rule,
    text: str,
    quantities: list[Quantity],
    approx: dict[str, list[str]] | None = None,
    book: BookContext | None = None,
) -> dict[str, Any]:
    """Each quantity to an input; ``approx`` collects the round figures (三千来万) per input.

    A figure is guessed for an input only when nothing says otherwise: a figure whose words
    name no input is given to the first needed input still empty — never over one already
    stated, never a percentage said to be another ratio (占比, 毛利率), never a figure whose
    words label another rule's input or name two clauses. Such a figure is left out and said
    so, and the input stays missing: a question back rather than a guess."""
    book = book or BookContext()
    out: dict[str, Any] = {}
    segs = _segments(text)
    for i, q in enumerate(quantities):
        seg = next(((s, e) for s, e in segs if s <= q.span[0] < e + 1), (0, len(text)))
        prev_end = quantities[i - 1].span[1] if i > 0 else 0
        next_start = quantities[i + 1].span[0] if i + 1 < len(quantities) else len(text)
        before = text[max(seg[0], prev_end) : q.span[0]]
        after = text[q.span[1] : min(seg[1], next_start)]
        candidates = [s for s in rule.inputs if unit_fits(s, q)]
        if not candidates:
            continue
        scored = sorted(
            ((_alias_score(s, before, after, book.labels), n, s) for n, s in enumerate(candidates)),
            key=lambda t: (-t[0], t[1]),
        )
        score, _, spec = scored[0]
        clause_part = text[max(seg[0], prev_end) : q.span[1]]
        if book.joins_clauses(text[seg[0] : seg[1]]):
            _left_out(approx, clause_part)  # one figure said of two clauses: split it first
            continue
        if score <= 0:
            # no alias anywhere near: the first needed input not yet filled
            free = [s for s in candidates if s.name not in out]
            ratio = q.kind == "percent" and any(w in before for w in _RATIO_WORDS)
            if not free or ratio or _labelled_otherwise(rule, before, book):
                _left_out(approx, clause_part)
                continue
            spec = next((s for s in free if rule.formula_needs(s.name)), free[0])
        if spec.aggregate == "sum" and spec.name in out:
            # a further figure is added only when its own words say it is this input
            # ("配套的工业软件花了300万"); "车间土建和水电改造花了500万" is left out and said so
            if not _names_input(spec, before):
                if approx is not None:
                    approx.setdefault(LEFT_OUT, []).append(text[max(seg[0], prev_end) : q.span[1]])
                continue
            out[spec.name] = out[spec.name] + q.value
        else:
            out[spec.name] = q.value
            if approx is not None:
                approx.pop(spec.name, None)
        if approx is not None and q.approx:
            approx.setdefault(spec.name, []).append(q.raw)
    return out


def _alias_positions(text: str, aliases: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for alias in sorted(set(aliases), key=len, reverse=True):
        for m in re.finditer(re.escape(alias), text, flags=re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def _masked(text: str) -> str:
    """``text`` with words like 不超过/不低于/未来 blanked (same length, so positions hold)."""
    return _NOT_NEGATION.sub(lambda m: "＿" * len(m.group(0)), text)


def _clause_start(text: str, pos: int) -> int:
    cut = max(text.rfind(p, 0, pos) for p in "，,。；;？?！!\n")
    return cut + 1


def _negated(masked: str, start: int, end: int) -> bool:
    """Is the phrase at [start, end) negated — by a negation word up to _NEG_SCOPE characters
    before it in the same clause (scope cut at a contrast), or one right after it?"""
    before = masked[max(_clause_start(masked, start), start - _NEG_SCOPE) : start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    if any(w in before for w in _NEG_WORDS) or any(n in before[-3:] for n in _NEGATIONS):
        return True
    after = _NEG_AFTER.match(masked, end)
    if after is None or after.start() != end:
        return False
    rest = masked[after.end() : after.end() + 1]
    # "入库了没有？" asks; "认定还没下来" states
    return rest not in ("", "？", "?", "吗", "呢")


def _read_bool(spec: InputSpec, text: str) -> bool | None:
    masked = _masked(text)
    found: list[tuple[int, bool]] = []
    false_spans = _alias_positions(text, spec.false_aliases)
    for pattern in spec.false_patterns:
        false_spans += [m.span() for m in re.finditer(pattern, text)]
    for start, end in false_spans:
        # "不是代工", "不是地方台": a negated contrary is the condition met
        found.append((start, _negated(masked, start, end)))
    for start, end in _alias_positions(text, spec.aliases):
        if any(fs < end and start < fe for fs, fe in false_spans):
            continue
        window = text[max(0, start - 4) : start]
        tail = text[end : end + 3]
        if any(u in window or u in tail for u in _UNSURE):
            continue
        found.append((start, not _negated(masked, start, end)))
    if not found:
        return None
    return max(found)[1]


def _alias_map(spec: InputSpec) -> dict[str, str]:
    alias_to_value: dict[str, str] = {}
    for opt in spec.options or []:
        # a value that is a bare number ("3") is a key, not a word: "1200人" names no level
        said = [] if opt.value.isdigit() else [opt.value]
        for alias in [*said, *opt.aliases]:
            alias_to_value.setdefault(alias.lower(), opt.value)
    return alias_to_value


def _pattern_mentions(spec: InputSpec, text: str, alias_to_value: dict[str, str]) -> list:
    """Values stated in free wording ("做软件开发的"): a listed option if the capture names
    one, else the catch-all option — a stated field outside the list is a fact, not silence."""
    catch_all = next((o.value for o in spec.options or [] if o.catch_all), None)
    out: list[tuple[int, str]] = []
    for pattern in spec.patterns:
        for m in re.finditer(pattern, text):
            captured = m.group("v").strip()
            if not captured or captured[0] in _NOT_A_VALUE_START or re.search(r"\d", captured):
                continue
            named = [v for a, v in alias_to_value.items() if a in captured.lower()]
            if named:
                out.append((m.start("v"), named[0]))
            elif catch_all is not None:
                out.append((m.start("v"), catch_all))
    return out


def option_mentions(spec: InputSpec, text: str) -> list[tuple[int, str]]:
    alias_to_value = _alias_map(spec)
    spans = _alias_positions(text, list(alias_to_value))
    found = [(s, alias_to_value[text[s:e].lower()]) for s, e in spans]
    found += [m for m in _pattern_mentions(spec, text, alias_to_value) if m not in found]
    found.sort()
    catch_all = {o.value for o in spec.options or [] if o.catch_all}
    if any(v not in catch_all for _, v in found):
        # "芯片和软件都做": a listed field wins over the catch-all
        found = [(p, v) for p, v in found if v not in catch_all]
    return found


def _read_enums(rule: Rule, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    upgrade = rule.formula.upgrade  # a ladder read against a previous award (级差)
    level_name, prev_name = upgrade if upgrade is not None else (None, None)
    for spec in rule.inputs:
        if spec.type not in ("enum", "enum_list") or spec.name == prev_name:
            continue
        mentions = option_mentions(spec, text)
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


# A count of years ("贴息3年", "期限三年") is read only right after its input's own words:
# 年 follows dates and ages too (2019年, 成立三年).
_YEARS = re.compile(r"(?<![\d.])([1-9]\d?|[一二两三四五六七八九十])\s*年(?![度底初末前后内代级])")


def _year_counts(rule: Rule, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in rule.inputs:
        if spec.type != "integer" or "年" not in (spec.quantity_units or []):
            continue
        for m in _YEARS.finditer(text):
            before = text[max(_clause_start(text, m.start()), m.start() - 6) : m.start()]
            if any(a in before for a in spec.aliases):
                raw = m.group(1)
                out[spec.name] = (
                    int(raw)
                    if raw.isdigit()
                    else "一二三四五六七八九十".index(raw.replace("两", "二")) + 1
                )
    return out


def _disqualified(rule: Rule, text: str) -> list[tuple[int, int]]:
    """Clause parts that state a condition of the rule false ("第二轮流片费用200万") while
    another part states a figure of the same input without doing so ("首轮流片费用300万"):
    the figure of the failing part is not this award's, so it is left out, not fatal."""
    base = rule.formula.input_fields().get("base")
    spec = next((s for s in rule.inputs if s.name == base), None)
    if spec is None or spec.unit != "yuan":
        return []
    failing, passing = [], []
    for start, end in _segments(text):
        part = text[start:end]
        if not any(unit_fits(spec, q) for q in extract_quantities(part)):
            continue
        said_false = any(_read_bool(s, part) is False for s in rule.inputs if s.type == "bool")
        (failing if said_false else passing).append((start, end))
    return failing if failing and passing else []


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "＿" * (end - start)
    return "".join(chars)


def extract_turn(
    rule: Rule,
    text: str,
    approx: dict[str, list[str]] | None = None,
    book: BookContext | None = None,
) -> dict[str, Any]:
    excluded = _disqualified(rule, text)
    if excluded:
        for start, end in excluded:
            if approx is not None:
                approx.setdefault(LEFT_OUT, []).append(text[start:end])
        text = _blank(text, excluded)
    found = _assign_quantities(rule, text, extract_quantities(text), approx, book)
    for name, value in _year_counts(rule, text).items():
        found.setdefault(name, value)
    for spec in rule.inputs:
        if spec.type == "bool":
            value = _read_bool(spec, text)
            if value is not None:
                found[spec.name] = value
    found.update(_read_enums(rule, text))
    return found
