"""Rises said by how much ("比去年的1000万增长了20%", "多了300万条，上一年新增是500万条"): which
measure a rise and the figures told with it are of, which year each figure is, and the figure
risen to, derived from the base and the rise (exactly, in Decimal).

A rise belongs to the measure named before it (its own clause part, else an earlier part of the
sentence): "员工人数增长了30%" is no revenue growth, "平台服务收入同比增长40%" is no 主营业务收入
growth. A figure told right after a rise without a measure of its own ("……增长了30%，达到了1300万",
"……多了200万，去年是800万") is of the rise's measure, and so is the figure compared with
("比去年的1000万"). The words are data in ``general_lexicon.yaml`` (``rise_by_pattern``,
``compared_base_pattern``, ``year_offsets``, ``measure_words``, ``year_on_year``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from assistant.awards.rules import InputSpec, Rule, RuleBook
from assistant.numbers import NumberError, Quantity, extract_quantities
from assistant.understand.lexicon import general_mapping, general_pattern, general_words
from assistant.understand.names import mask_measures

_CLAUSE_END = "，,。；;？?！!\n"
_SENTENCE_END = "。；;？?！!\n"


@lru_cache(maxsize=8)
@lru_cache(maxsize=8)
def measures(labels: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The measure words: the general ones, and every input alias holding one (服务营收).
    Cached: the labels are a book's, asked for every figure of every question."""
    general = general_words("measure_words")
    more = {label for label in labels if any(w in label for w in general)}
    return tuple(sorted(set(general) | more, key=len, reverse=True))


_BOOK_MEASURES: dict[int, tuple[object, tuple[str, ...]]] = {}


def book_measures(book: RuleBook) -> tuple[str, ...]:
    """:func:`measures` of a book's input aliases (once per book: asked on every question)."""
    cached = _BOOK_MEASURES.get(id(book))
    if cached is None or cached[0] is not book:
        labels = frozenset(
            a for r in book.rules.values() for s in r.inputs for a in s.aliases if len(a) >= 2
        )
        cached = _BOOK_MEASURES[id(book)] = (book, measures(labels))
    return cached[1]


@lru_cache(maxsize=1)
def _years() -> tuple[tuple[str, int], ...]:
    found = general_mapping("year_offsets")
    return tuple(sorted(((w, int(n)) for w, n in found.items()), key=lambda t: -len(t[0])))


def _last_word(text: str, start: int, end: int, words: Iterable[str]) -> tuple[str, int] | None:
    """The word of ``words`` ending nearest ``end`` in text[start:end] (the longest there)."""
    best: tuple[int, int, str, int] | None = None
    piece = text[start:end]
    for w in words:
        pos = piece.rfind(w)
        if pos < 0:
            continue
        key = (pos + len(w), len(w), w, start + pos)
        if best is None or key[:2] > best[:2]:
            best = key
    return (best[2], best[3]) if best else None


def year_in(text: str, start: int, end: int) -> int | None:
    """How many years before this one the year said nearest before ``end`` is (None: none said)."""
    best: tuple[int, int, int] | None = None
    piece = text[start:end]
    for word, offset in _years():
        for m in re.finditer(re.escape(word), piece):
            key = (m.end(), len(word), offset)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _without_years(piece: str) -> str:
    for word, _ in _years():
        piece = piece.replace(word, "")
    return piece


def clause_of(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(c, 0, pos) for c in _CLAUSE_END) + 1
    ends = [i for i in (text.find(c, pos) for c in _CLAUSE_END) if i >= 0]
    return start, min(ends) if ends else len(text)


def _previous_clause(text: str, start: int) -> tuple[int, int] | None:
    """The clause part right before the one starting at ``start``, in the same sentence."""
    if start <= 1 or text[start - 1] in _SENTENCE_END:
        return None
    return clause_of(text, start - 1)


def _next_to(text: str, a: int, b: int) -> bool:
    """Are the clause parts starting at ``a`` and ``b`` one, or neighbours in one sentence?"""
    if a == b:
        return True
    first, second = sorted((a, b))
    before = _previous_clause(text, second)
    return before is not None and before[0] == first


def rise_by(text: str, pos: int) -> bool:
    """Is the figure at ``pos`` said as a rise by ("增长了30%", "多了200万")?"""
    start, _ = clause_of(text, pos)
    return bool(general_pattern("rise_by").search(text[start:pos]))


def _quantities(text: str, start: int, end: int) -> list[Quantity]:
    try:
        found = extract_quantities(mask_measures(text[start:end]))
    except NumberError:
        return []
    return [q for q in found if q.kind in ("money", "count", "percent")]


def _rise_in(text: str, start: int, end: int) -> int | None:
    """The position of a figure said as a rise in text[start:end], if any."""
    for q in _quantities(text, start, end):
        if rise_by(text, start + q.span[0]):
            return start + q.span[0]
    return None


def _measure_before(text: str, start: int, pos: int, words: tuple[str, ...]) -> str | None:
    found = _last_word(text, start, pos, words)
    return found[0] if found else None


def _rise_measure(text: str, pos: int, words: tuple[str, ...]) -> str | None:
    """The measure a rise is said of: named in its clause part, else in an earlier part of the
    sentence ("营收8000万，同比增长30%")."""
    start, _ = clause_of(text, pos)
    found = _measure_before(text, start, pos, words)
    part = _previous_clause(text, start)
    while found is None and part is not None:
        found = _measure_before(text, part[0], part[1], words)
        part = _previous_clause(text, part[0])
    return found


def last_measure(text: str, words: tuple[str, ...]) -> str | None:
    """The measure named last in ``text`` (an earlier turn of the conversation)."""
    return _measure_before(text, 0, len(text), words)


def growth_measure(
    text: str, pos: int, words: tuple[str, ...], earlier: str | None = None
) -> str | None:
    """The measure of the figure at ``pos`` when it is told in a rise — the rise itself, the
    figure compared with ("比去年的1000万"), or a figure right after a rise whose clause part
    names no measure ("……同比增长40%，今年达到700万") — else None (no rise: the figure's own
    words say what it is, as everywhere else). A rise whose turn names no measure is of the
    measure named last in the turns before (``earlier``: "去年服务收入800万" → "今年增长了25%")."""
    if rise_by(text, pos):
        return _rise_measure(text, pos, words) or earlier
    start, end = clause_of(text, pos)
    if general_pattern("compared_base").search(text[start:pos]):
        return _measure_before(text, start, pos, words)
    if _measure_before(text, start, end, words) is not None:
        return None
    if not general_pattern("told_after_rise").fullmatch(_without_years(text[start:pos]).strip()):
        return None  # its own words say what it is ("另外展会场地费200万")
    part = _previous_clause(text, start)
    if part is None:
        return None
    rise = _rise_in(text, *part)
    return _rise_measure(text, rise, words) if rise is not None else None


def rise_input(spec: InputSpec) -> bool:
    """An input that is itself a rise (增长百分比, 增加的金额): its aliases are words of a rise."""
    pattern = general_pattern("rise_by")
    return any(pattern.search(a) for a in spec.aliases)


def _words_of(spec: InputSpec, words: tuple[str, ...]) -> set[str]:
    return {w for w in words if w in spec.label or w in spec.aliases}


def owns(rule: Rule, spec: InputSpec, measure: str, words: tuple[str, ...]) -> bool:
    """Is ``measure`` what ``spec`` measures — its own words, or those of an input of the rule
    whose label shares a measure with its label (主营业务收入's growth is 营收's growth)?"""
    own = _words_of(spec, words)
    label = {w for w in words if w in spec.label}
    for other in rule.inputs:
        if other is not spec and label & {w for w in words if w in other.label}:
            own |= _words_of(other, words)
    return measure in own


def rule_owns(rule: Rule, specs: Iterable[InputSpec], measure: str, words: tuple[str, ...]) -> bool:
    return any(owns(rule, s, measure, words) for s in specs)


# ---------------------------------------------------------------- the figure risen to
@dataclass(frozen=True)
class Grown:
    """A figure derived from a base and a rise of one measure."""

    value: Decimal
    year: int | None  # years before this one of the figure risen to (None: not said)
    base: Quantity
    base_year: int  # years before this one of the base (-1: the years said do not meet)
    rise: Quantity
    said: str  # the words of the rise and of the base


def _risen_to(text: str, start: int, pos: int) -> bool:
    """Do the words right before ``pos`` say the figure is the one risen to (达到, 增长到)?"""
    piece = _without_years(text[start:pos]).rstrip()
    return any(piece.endswith(w) for w in general_words("risen_to_words"))


def subject_year(text: str, start: int, pos: int) -> tuple[int | None, int | None, bool]:
    """Of a rise's clause part before the figure: the year risen (said before 比/同比), the year
    compared with (比去年), and whether it says 同比."""
    piece = text[start:pos]
    marks = [piece.find(m) for m in general_words("compared_markers") if m in piece]
    yoy = [piece.find(m) for m in general_words("year_on_year") if m in piece]
    cut = min(marks + yoy) if marks or yoy else len(piece)
    subject = year_in(text, start, start + cut)
    compared = year_in(text, start + cut, pos) if marks and min(marks) == cut else None
    return subject, compared, bool(yoy)


def grown(
    rule: Rule, spec: InputSpec, text: str, quantities: list[Quantity], words: tuple[str, ...]
) -> Grown | None:
    """The figure of ``spec``'s measure risen to, from a base said with its year and a rise of
    the same measure ("今年服务收入比去年的1000万增长了20%" → 1200万, this year), or None."""
    from assistant.understand.figures import unit_fits

    unsure: Grown | None = None
    for rise in quantities:
        pos = rise.span[0]
        if not rise_by(text, pos):
            continue
        percent = rise.kind == "percent"
        if not (percent or unit_fits(spec, rise)):
            continue
        measure = _rise_measure(text, pos, words)
        if measure is None or not owns(rule, spec, measure, words):
            continue
        start, _ = clause_of(text, pos)
        subject, compared, yoy = subject_year(text, start, pos)
        for base in sorted(quantities, key=lambda q: abs(q.span[0] - pos)):
            if base is rise or not unit_fits(spec, base) or rise_by(text, base.span[0]):
                continue
            b_start, _ = clause_of(text, base.span[0])
            of = growth_measure(text, base.span[0], words)
            if of is None:
                of = _measure_before(text, b_start, base.span[0], words)
            if of is not None and not owns(rule, spec, of, words):
                continue
            if of is None and not _next_to(text, b_start, start):
                continue  # a bare figure far from the rise says nothing of its measure
            year = year_in(text, b_start, base.span[0])
            if year is None or _risen_to(text, b_start, base.span[0]):
                continue  # no year said, or the figure risen to ("今年达到700万"), not a base
            if compared is None and year == 0:
                continue  # this year's figure is what rose, not what it rose from
            if compared is not None:
                # "比去年增长了20%，前年1000万": the years do not meet, so which is which is
                # not said (asked back, never computed on the base); a figure of a later year
                # than the one compared with is the one risen to, not a base
                if year < compared:
                    continue
                consistent = year == compared
                risen = subject if subject is not None else (0 if compared == 1 else None)
            elif subject is not None:
                if year <= subject:
                    continue
                consistent = year == subject + 1
                risen = subject
            elif yoy and year >= 1:
                consistent, risen = True, year - 1
            else:
                # "增长了20%，去年1000万": a rise said with no year is this year's over last
                # year's; over an earlier base, which year risen is not said
                consistent, risen = True, 0 if year == 1 else None
            value = base.value * (100 + rise.value) / 100 if percent else base.value + rise.value
            if spec.type == "integer" and value != value.to_integral_value():
                continue
            said = text[start : rise.span[1]]
            if not (start <= base.span[0] < rise.span[1]):
                said = f"{said}，{text[b_start : base.span[1]]}"
            if consistent:
                return Grown(value, risen, base, year, rise, said)
            unsure = unsure or Grown(value, None, base, -1, rise, said)
    return unsure


# ---------------------------------------------------------------- figures said with years
@dataclass(frozen=True)
class Dated:
    """A figure of a measure said with its year ("2023年主营业务收入2亿元", "去年1.5亿")."""

    kind: str  # "calendar" (2023年) or "relative" (去年): years of one kind compare
    order: int  # grows with time: the calendar year, or minus the years before this one
    word: str  # the year as said (2023年, 去年)
    quantity: Quantity


def said_year(text: str, start: int, pos: int) -> tuple[str, int, str] | None:
    """The year said nearest before ``pos`` in text[start:pos]: (kind, order, word), or None."""
    piece = text[start:pos]
    best: tuple[int, int, tuple[str, int, str]] | None = None
    for m in general_pattern("calendar_year").finditer(piece):
        key = (m.end(), len(m.group(0)), ("calendar", int(m.group("year")), m.group(0)))
        if best is None or key[:2] > best[:2]:
            best = key
    for word, offset in _years():
        for m in re.finditer(re.escape(word), piece):
            key = (m.end(), len(word), ("relative", -offset, word))
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _from_to(text: str, fits: list[Quantity]) -> tuple[dict[int, str], dict[int, str]]:
    """Figures said as a rise from one to the other with their years, in one clause part
    ("从2023年的6400万涨到2024年的8000万", "由去年6000万增长到今年7500万"): of the figure risen
    from, the word opening the rise (从, 由), said among its own words; of the figure risen to,
    the words between the two less the verb of the rise (its year, 的), its own words. By id
    of the figure; the words are data (``rise_from``, ``risen_to_pattern``, ``risen_to_words``)."""
    opened: dict[int, str] = {}
    risen: dict[int, str] = {}
    verbs = sorted(general_words("risen_to_words"), key=len, reverse=True)
    for a, b in itertools.pairwise(fits):
        start, end = clause_of(text, a.span[0])
        if b.span[0] > end:
            continue
        opens = text[start : a.span[0]]
        at = [(opens.rfind(w), w) for w in general_words("rise_from") if w in opens]
        between = text[a.span[1] : b.span[0]].strip()
        bare = _without_years(general_pattern("calendar_year").sub("", between))
        verb = next((v for v in verbs if between.startswith(v)), None)
        if at and verb and general_pattern("risen_to").fullmatch(bare):
            opened[id(a)] = max(at)[1]
            risen[id(b)] = between[len(verb) :]
    return opened, risen


def dated_figures(
    rule: Rule,
    spec: InputSpec,
    text: str,
    quantities: list[Quantity],
    words: tuple[str, ...],
    exact: Callable[[Quantity], bool],
) -> list[Dated]:
    """The figures of ``spec``'s measure each said with its year in its own clause part, in
    the order said: none said as a rise or as the figure compared with ("比去年的1000万"),
    none of another measure ("净利润3000万"), none that ``exact`` rejects (a bound, a range)."""
    from assistant.understand.figures import unit_fits

    out: list[Dated] = []
    fits = [q for q in quantities if unit_fits(spec, q)]
    opened, risen = _from_to(text, fits)
    for q in fits:
        pos = q.span[0]
        if rise_by(text, pos) or not exact(q):
            continue
        start, _ = clause_of(text, pos)
        if general_pattern("compared_base").search(text[start:pos]):
            continue
        if any(m in text[start:pos] for m in general_words("compared_markers")):
            continue  # "今年比去年多了" and its like: the year compared with is not the figure's
        measure = _rise_measure(text, pos, words)
        if measure is None or not owns(rule, spec, measure, words):
            continue
        year = said_year(text, start, pos)
        if year is None:
            continue
        rest = _without_years(
            general_pattern("calendar_year").sub("", risen.get(id(q), text[start:pos]))
        )
        rest = rest.replace(measure, "")
        parts = rest.split(opened[id(q)]) if id(q) in opened else [rest]
        if not all(general_pattern("dated_figure_words").fullmatch(p) for p in parts):
            continue  # "今年拿到奖励100万", "今年少了5000万": the clause says it is another figure
        out.append(Dated(year[0], year[1], year[2], q))
    return out


def claimed_year(text: str, dated: list[Dated]) -> tuple[str, int] | None:
    """The year the asking names ("今年能奖多少？", "申报2024年度的"): the one year said in the
    clause parts that ask or say what is applied for and hold none of the ``dated`` figures."""
    held = {clause_of(text, d.quantity.span[0]) for d in dated}
    asks = (*general_words("ask_words"), *general_words("applied_for_words"))
    found: set[tuple[str, int]] = set()
    pos = 0
    while pos < len(text):
        start, end = clause_of(text, pos)
        part = text[start:end]
        if (start, end) not in held and any(w in part for w in asks):
            year = said_year(text, start, end)
            if year is not None:
                found.add(year[:2])
        pos = end + 1
    return found.pop() if len(found) == 1 else None


__all__ = [
    "Dated",
    "Grown",
    "claimed_year",
    "clause_of",
    "dated_figures",
    "grown",
    "growth_measure",
    "last_measure",
    "measures",
    "owns",
    "rise_by",
    "rise_input",
    "rule_owns",
    "said_year",
    "subject_year",
    "year_in",
]
