"""What a text says of one rule's inputs: each quantity to the input whose aliases stand nearest
before it (same clause of the sentence, units must agree; that attribution is figures.py's),
yes/no facts with the scope of a negation (没/没有/还没/未/不是/并非 … up to ten characters
before the phrase, cut at a contrast such as 而是/但; or 还没/未 right after it; 不超过/不低于
are masked first, since they bound a number), and enum values by longest alias. A round figure
(三千来万) is read as said and noted.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assistant.awards.format import format_count, format_money, format_percent
from assistant.awards.rules import InputSpec, Rule, memoised
from assistant.numbers import extract_quantities
from assistant.proposed import proposal_spans
from assistant.understand.amounts import foreign_spans
from assistant.understand.figures import (
    DERIVED,
    LEFT_OUT,
    MIXED,
    NOT_EXACT,
    OTHER_YEAR,
    BookContext,
    assign_quantities,
    not_exact,
    restates,
    segments,
    unit_fits,
)
from assistant.understand.lexicon import general_mapping, general_pattern, general_words
from assistant.understand.names import mask_measures
from assistant.understand.received import says_received
from assistant.understand.rises import (
    Dated,
    Grown,
    claimed_year,
    dated_figures,
    grown,
    measures,
    said_year,
)

_NEGATIONS = general_words("negations")

_UNSURE = general_words("unsure")

_NEG_WORDS = general_words("negation_words")

_NEG_SCOPE = 10  # characters before the phrase, within the same clause of the sentence

_NOT_NEGATION = general_pattern("not_negation")

_SCOPE_BREAK = general_pattern("scope_break")

_NEG_AFTER = general_pattern("negation_after")

_PREVIOUS_MARKERS = general_words("previous_markers")

_SCALE_ORDER = general_words("scale_order_words")

_DATED_PREVIOUS = frozenset(general_words("dated_previous_markers"))

_NOT_A_VALUE_START = "".join(general_words("not_a_value_start"))


def _uncased(word: str) -> bool:
    """No character of ``word`` has another case: the case-blind regex matches it exactly
    (as re's compiler does: such a literal is compared as is)."""
    return all(ch.lower() == ch == ch.upper() for ch in word)


@functools.lru_cache(maxsize=1024)
def _alias_patterns(aliases: tuple[str, ...]) -> tuple[tuple[str, bool, re.Pattern[str]], ...]:
    """The aliases longest first, each with whether it is uncased and its case-blind pattern:
    the same few lists of a rule's inputs are searched every question."""
    return tuple(
        (a, _uncased(a), re.compile(re.escape(a), re.IGNORECASE))
        for a in sorted(set(aliases), key=len, reverse=True)
    )


def _alias_positions(text: str, aliases: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for alias, uncased, pattern in _alias_patterns(tuple(aliases)):
        if uncased and alias not in text:
            continue  # most aliases are not said; a substring test settles it
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def _masked(text: str) -> str:
    """``text`` with words like 不超过/不低于/未来 blanked (same length, so positions hold)."""
    return _NOT_NEGATION.sub(lambda m: "＿" * len(m.group(0)), text)


def _without(text: str, words: Sequence[str]) -> str:
    """``text`` with ``words`` blanked (same length, so positions hold)."""
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "＿" * len(word))
    return text


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


def negated_phrase(text: str, start: int, end: int) -> bool:
    """Is the phrase at [start, end) of ``text`` said negated ("不是搞智能化改造")?"""
    return _negated(_masked(text), start, end)


def _negated_before(masked: str, start: int) -> bool:
    """Is the phrase starting at ``start`` negated by a word before it in its clause?"""
    before = masked[max(_clause_start(masked, start), start - _NEG_SCOPE) : start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return any(w in before for w in _NEG_WORDS) or any(n in before[-3:] for n in _NEGATIONS)


def _bool_mentions(spec: InputSpec, text: str) -> list[tuple[int, int, bool]]:
    """Where the text states the condition, and whether met: (start, end, value)."""
    masked = _masked(text)
    found: list[tuple[int, int, bool]] = []
    false_spans = _alias_positions(text, spec.false_aliases)
    for pattern in spec.false_patterns:
        false_spans += [m.span() for m in re.finditer(pattern, text)]
    for start, end in false_spans:
        # "不是代工", "不是地方台": a negated contrary is the condition met
        found.append((start, end, _negated(masked, start, end)))
    for start, end in _alias_positions(text, spec.aliases):
        if any(fs < end and start < fe for fs, fe in false_spans):
            continue
        window = text[max(0, start - 4) : start]
        tail = text[end : end + 3]
        if any(u in window or u in tail for u in _UNSURE):
            continue
        found.append((start, end, not _negated(masked, start, end)))
    return found


def _read_bool(spec: InputSpec, text: str) -> bool | None:
    found = _bool_mentions(spec, text)
    if not found:
        return None
    if spec.false_unless_true and any(v for _, _, v in found):
        return True
    if spec.false_wins and not all(v for _, _, v in found):
        return False  # "规上，但不是工业企业": one part of the condition said not met
    return max((start, value) for start, _, value in found)[1]


_MIXED_JOINER = general_pattern("mixed_joiner")


def mixed_bool(spec: InputSpec, text: str) -> tuple[str, str] | None:
    """ "在央视和几个省级卫视都投了广告": the condition said met and not met of things joined in
    one clause part (和, 及, 、 …) — a whole that mixes what the rule pays for with what it does
    not. (the words meeting it, the words not), or None."""
    found = sorted(_bool_mentions(spec, text))
    for (a0, a1, av), (b0, b1, bv) in itertools.pairwise(found):
        joined = _MIXED_JOINER.fullmatch(text[a1:b0])
        if av != bv and joined is not None:
            # the second thing with the words before it ("几个省级卫视")
            second = text[a1 + len(joined.group("j")) : b1]
            return (text[a0:a1], second) if av else (text[b0:b1], text[a0:a1])
    return None


# The key under which ``approx`` keeps the notes of figures said of several runs of what the
# rule pays only one of ("两轮流片…合计900万"): each note as it is shown.
SEVERAL = "__several__"


def _several_of(cond: InputSpec, text: str) -> str | None:
    """The words saying several runs of what ``cond`` takes only one of ("两轮流片"), unless the
    message speaks of the one itself ("首轮花了500万"). Else None."""
    if not cond.several_patterns or any(a in text for a in cond.aliases):
        return None
    for pattern in cond.several_patterns:
        m = re.search(pattern, text)
        if m is not None:
            return m.group(0)
    return None


def _mixed_whole(
    rule: Rule, text: str, found: dict[str, Any], approx: dict[str, list[str]] | None
) -> None:
    """A condition said met of part of what a figure covers and not of the rest: the condition
    holds for the part, but the figure is no base of this rule — the part it pays for is asked."""
    base = rule.formula.input_fields().get("base")
    spec = next((s for s in rule.inputs if s.name == base), None)
    if spec is None or spec.unit != "yuan":
        return
    for cond in rule.inputs:
        # what a figure covers (false_unless_true) is figures.py's other costs, not a condition
        if cond.type != "bool" or cond.false_unless_true:
            continue
        several = _several_of(cond, text)
        if several is not None and spec.name in found:
            # "做了两轮流片，流片费合计900万": a total of several runs where only the first counts
            found.pop(spec.name)
            if approx is not None:
                approx.pop(spec.name, None)
                approx.setdefault(SEVERAL, []).append(
                    f"您说的金额是“{several}”的合计，本项只按{cond.aliases[0]}计算，未据合计数计算；"
                    f"请告诉我{spec.label}"
                )
            return
        mixed = mixed_bool(cond, text)
        if mixed is None:
            continue
        found[cond.name] = True
        found.pop(spec.name, None)
        if approx is not None:
            approx.pop(spec.name, None)
            approx.setdefault(MIXED, []).append([mixed[0], mixed[1], spec.label])
        return


def _alias_map(spec: InputSpec) -> dict[str, str]:
    return memoised(spec, "alias_map", lambda: _alias_map_of(spec))


def _alias_map_of(spec: InputSpec) -> dict[str, str]:
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


def _levels_said_before(value: str, alias: str, before: str) -> list[str]:
    """ "国家级智能工厂": the levels the words right before a bare alias (智能工厂) state, when
    none is the one its option is at (省级智能工厂) — the title said is not that option."""
    levels = general_words("title_levels")
    own = next((w for w in levels if value.startswith(w)), None)
    if own is None or any(w in alias for w in levels):
        return []
    said = [w for w in levels if re.search(rf"{re.escape(w)}(?:的|认定的|评定的)?$", before)]
    return [] if own in said else said


def _other_level_said(value: str, alias: str, before: str) -> bool:
    return bool(_levels_said_before(value, alias, before))


def option_mentions(spec: InputSpec, text: str) -> list[tuple[int, str]]:
    alias_to_value = _alias_map(spec)
    spans = _alias_positions(text, list(alias_to_value))
    catch_all = next((o.value for o in spec.options or [] if o.catch_all), None)
    levels = general_words("title_levels")
    own_levels = {w for o in spec.options or [] for w in levels if o.value.startswith(w)}
    kept, outside = [], []
    for s, e in spans:
        said = _levels_said_before(
            alias_to_value[text[s:e].lower()], text[s:e], text[max(0, s - 8) : s]
        )
        if not said:
            kept.append((s, e))
        elif catch_all is not None and not own_levels.intersection(said):
            # "市级智能车间": a level none of the options is at — a title outside the list
            outside.append((s, catch_all))
    found = [(s, alias_to_value[text[s:e].lower()]) for s, e in kept]
    found += [m for m in outside if m[0] not in {p for p, _ in found}]
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
        # "以前没有任何智能工厂类称号": a level said not to be held is no mention of it
        masked = _masked(text)
        mentions = [(p, v) for p, v in option_mentions(spec, text) if not _negated(masked, p, p)]
        if not mentions:
            continue
        if spec.type == "enum_list":
            out[spec.name] = list(dict.fromkeys(v for _, v in mentions))
        elif spec.name == level_name and prev_name:
            # "之前没拿过智能车间的奖励": a level said not to have been obtained is no level of
            # this award, earlier or current
            masked = _masked(text)
            mentions = [(pos, v) for pos, v in mentions if not _negated_before(masked, pos)]
            if not mentions:
                continue
            if _level_unsaid(spec, text, mentions):
                continue
            # "（从低到高第三级）": a scale's order is no earlier level, though it holds 从
            plain = _without(text, _SCALE_ORDER)
            marked = [
                (pos, v)
                for pos, v in mentions
                if any(m in plain[max(0, pos - 8) : pos] for m in _PREVIOUS_MARKERS)
            ]
            # a title outside the ladder (市级) said as held before takes nothing away
            outside = {o.value for o in spec.options or [] if o.catch_all}
            marked = [(pos, v) for pos, v in marked if v not in outside]
            distinct = list(dict.fromkeys(v for _, v in mentions))
            if marked and len(distinct) == 1 and _only_dated(text, plain, marked):
                # "去年被评为省级智能工厂，能奖多少": one title said with the year it was
                # obtained is the title asked about, not one held before another
                out[spec.name] = mentions[-1][1]
            elif marked and len(distinct) == 1:
                out[prev_name] = marked[-1][1]
            elif len(distinct) >= 2 and not marked and _names_the_subject(text, mentions[0][0]):
                # "智慧工厂获评国家级智能制造示范工厂": the first "title" is the plain name of what
                # obtained the second (no level said, a verb of obtaining right after it) — the
                # one obtained is the last named; no difference is paid
                out[spec.name] = mentions[-1][1]
            elif len(distinct) >= 2:
                prev = marked[0][1] if marked else mentions[0][1]
                current = next((v for _, v in reversed(mentions) if v != prev), mentions[-1][1])
                out[prev_name], out[spec.name] = prev, current
            else:
                out[spec.name] = mentions[-1][1]
        else:
            out[spec.name] = mentions[-1][1]
    return out


def _only_dated(text: str, plain: str, marked: list[tuple[int, str]]) -> bool:
    """Are the titles ``marked`` as earlier marked only by a year (去年, ``dated_previous_markers``)
    and said with no award received ("去年拿了智能工厂的奖励")? Such a year says when one title
    was obtained; beside a second title it says which came first."""
    for pos in (p for p, _ in marked):
        before = plain[max(0, pos - 8) : pos]
        if any(m in before for m in _PREVIOUS_MARKERS if m not in _DATED_PREVIOUS):
            return False
        start = _clause_start(text, pos)
        ends = [i for i in (text.find(c, pos) for c in "，,。；;？?！!\n") if i >= 0]
        if says_received(text[start : min(ends, default=len(text))], ""):
            return False
    return True


def earlier_level_unsaid(rule: Rule, text: str, found: dict[str, Any]) -> bool:
    """ "以前也拿过省级的一个称号和奖励": an earlier award of the rule's ladder is said, but not
    which level — the difference (级差) cannot be computed without it."""
    upgrade = rule.formula.upgrade
    if upgrade is None or found.get(upgrade.previous) is not None:
        return False
    earlier = general_pattern("earlier_award_unnamed")
    previous = rule.input(upgrade.previous)
    for s, e in segments(text):
        m = earlier.search(text[s:e])
        # "之前没有拿过其他称号": an earlier award said not to exist
        negated = m is not None and any(n in m.group(0) for n in (*_NEG_WORDS, *_NEGATIONS))
        if m and not negated and not option_mentions(previous, text[s:e]):
            return True
    return False


def _names_the_subject(text: str, first: int) -> bool:
    """The title word at ``first`` has no level of its own (省级, 国家级 … neither in it nor
    right before it) and a verb of obtaining follows it closely: it names the enterprise's
    factory or workshop, which then obtained the title named after it."""
    levels = general_words("title_level_words")
    if text.startswith(levels, first) or any(w in text[max(0, first - 3) : first] for w in levels):
        return False
    if not any(w in text[first : first + 8] for w in general_words("facility_words")):
        return False  # a certificate's level (2级证书) names no plant
    return any(w in text[first : first + 12] for w in general_words("obtained_markers"))


def _level_unsaid(spec: InputSpec, text: str, mentions: list[tuple[int, str]]) -> bool:
    """ "我们评上智能工厂了": one bare title (no level in its words nor in the message) whose
    head word also ends an option at another level (国家级智能制造示范工厂) — which title was
    obtained is not said."""
    if len({v for _, v in mentions}) != 1 or any(
        w in text for w in general_words("level_said_words")
    ):
        return False
    earlier = (
        *(m for m in _PREVIOUS_MARKERS if m not in _DATED_PREVIOUS),  # 去年 says only when
        *general_words("upgrade_markers"),
        *general_words("received_verbs"),
    )
    # "之前没拿过类似称号": a part that denies an earlier award says nothing was obtained before
    denials = general_words("negation_words")
    parts = [p for p in re.split(r"[，,。；;！!？?]", text) if not any(n in p for n in denials)]
    if any(w in p for p in parts for w in earlier):
        return False  # "智能工厂的奖励已经拿过了": the same title again pays nothing, at any level
    levels = general_words("title_levels")
    value = mentions[0][1]
    own = next((w for w in levels if value.startswith(w)), None)
    if own is None:
        return False
    head = value[-2:]  # the title's head word: 工厂, 车间, 标杆
    return any(o.value.endswith(head) and not o.value.startswith(own) for o in spec.options or [])


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
    if spec is None or spec.unit not in ("yuan", "count"):
        return []
    # a count of items at a level ("2个获评国家级，另外3个是省级的"): only parts that state the
    # level met count; a part stating another level, with its count or without ("剩下的是省级"),
    # is left out — and only when some part states the level met, else the contrary stands
    counted = spec.unit == "count"
    failing, passing, totals_said = [], [], []
    qualified, unqualified = [], []  # figure parts stating a condition met / stating none
    for start, end in (
        _count_parts(rule, spec, text) if counted else _figure_groups(rule, spec, text)
    ):
        part = text[start:end]
        has_figure = any(unit_fits(spec, q) for q in extract_quantities(mask_measures(part)))
        # what a figure covers (false_unless_true) is figures.py's other costs, not a condition
        said = [
            _read_bool(s, part) for s in rule.inputs if s.type == "bool" and not s.false_unless_true
        ]
        if not has_figure:
            if counted and False in said:
                failing.append((start, end))
            elif counted and True in said and totals_said and totals_said[-1][1] <= start:
                # "有3个方案获评，都是国家级的": the level is said of the count just before
                passing.append(totals_said.pop())
            continue
        if False in said:
            failing.append((start, end))
        elif not counted or True in said:
            passing.append((start, end))
            exact = any(
                unit_fits(spec, q) and not_exact(part, q) is None
                for q in extract_quantities(mask_measures(part))
            )
            if exact:
                (qualified if True in said else unqualified).append((start, end))
        else:
            totals_said.append((start, end))
    # a figure said again ("不对，是850万") or an award received ("已经拿到了300万") is read by
    # figures.py, not weighed as another figure of the input
    unqualified = [
        (s, e)
        for s, e in unqualified
        if not (restates(text[max(0, s - 6) : s + 6]) or says_received(text[s:e], ""))
    ]
    if not failing and qualified and unqualified and one_figure_input(rule, spec):
        # one figure is the input: the one its part says meets a condition ("首轮流片花了900万")
        # over one said of no condition ("后来改版又流了一次花了700万"), whichever comes last —
        # unless the other is what was spent of a planned figure ("预算500万，实际花了320万")
        planned, spent = general_words("planned_markers"), general_words("spent_markers")
        plans = any(w in text[s:e] for s, e in qualified for w in planned)
        spends = any(w in text[s:e] for s, e in unqualified for w in spent)
        if not (plans or spends):
            return sorted(unqualified)
    if not (failing and passing):
        return []
    if counted:
        # a count said at no level beside counts said at levels ("四个获评，两个国家级两个省级")
        # is their total or another count, not the count at the required level
        return sorted(failing + totals_said)
    # a total broken into parts ("一共1000万，其中央视600万，地方台400万") holds the failing
    # part too; a total followed by a further matter ("一共1200万，另外在河南卫视投了300万")
    # does not
    totals = general_words("total_markers")
    parts = general_words("part_markers")
    for start, end in passing + totals_said:
        broken_up = any(s > start and text[s:e].lstrip().startswith(parts) for s, e in failing)
        broken_up |= any(s > start and text[s:e].lstrip().startswith(parts) for s, e in passing)
        if broken_up and any(w in text[start:end] for w in totals):
            failing.append((start, end))
    return sorted(failing)


_BREAKDOWN_OPENER = general_pattern("breakdown_opener")


def _figure_groups(rule: Rule, spec: InputSpec, text: str) -> list[tuple[int, int]]:
    """The clause parts of :func:`_breakdown_cut`, a figure part taking with it the figure-less
    parts right before it in its sentence that state a condition of the rule false ("后来又改版
    流了一次，花了300万" is one part, of a second tape-out): what a sentence says of a figure
    just before it is said of it. A part opening a breakdown (其中 …) takes none."""
    opener = tuple(general_words("part_markers"))
    conditions = [s for s in rule.inputs if s.type == "bool" and not s.false_unless_true]
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of the figure-less parts stating a condition false
    last_end = 0
    for start, end in _breakdown_cut(text):
        part = text[start:end]
        if re.search(r"[。！!？?；;\n]", text[last_end:start]):
            pending = None  # a new sentence
        last_end = end
        if not any(unit_fits(spec, q) for q in extract_quantities(mask_measures(part))):
            if any(_read_bool(c, part) is False for c in conditions):
                pending = start if pending is None else pending
            else:
                pending = None
            continue
        if pending is not None and not part.lstrip().startswith(opener):
            start = pending
        pending = None
        out.append((start, end))
    return out


def _breakdown_cut(text: str) -> list[tuple[int, int]]:
    """The clause parts of ``text``, cut also where a mark right after a figure opens its
    breakdown ("总共2400万：央视投了1800万"); the mark starts the part it opens, as 其中 does."""
    out: list[tuple[int, int]] = []
    for start, end in segments(text):
        cuts = [m.start() for m in _BREAKDOWN_OPENER.finditer(text, start, end)]
        bounds = [start, *cuts, end]
        out += [(a, b) for a, b in itertools.pairwise(bounds) if a < b]
    return out


def one_figure_input(rule: Rule, spec: InputSpec) -> bool:
    """``spec`` takes one figure (not a sum of parts) and no other input of the rule takes
    figures of its unit, so every such figure of a message is a candidate for it alone."""
    if spec.unit != "yuan" or spec.aggregate == "sum":
        return False
    return not any(s.unit == spec.unit for s in rule.figure_inputs if s.name != spec.name)


def _count_parts(rule: Rule, spec: InputSpec, text: str) -> list[tuple[int, int]]:
    """Clause parts holding two counts cut between them, so that each level is read with its
    own count: before each later count when the level follows its count ("两个国家级两个省级"),
    after each count when it comes first ("国家级2个省级3个")."""
    level_words = [w for s in rule.inputs if s.type == "bool" for w in s.aliases + s.false_aliases]
    out: list[tuple[int, int]] = []
    for start, end in segments(text):
        part = text[start:end]
        counts = [q for q in extract_quantities(mask_measures(part)) if unit_fits(spec, q)]
        if len(counts) < 2:
            out.append((start, end))
            continue
        level_first = any(w in part[: counts[0].span[0]] for w in level_words)
        if level_first:
            cuts = [start + q.span[1] for q in counts[:-1]]
        else:
            cuts = [start + q.span[0] for q in counts[1:]]
        bounds = [start, *cuts, end]
        out += [(a, b) for a, b in itertools.pairwise(bounds) if a < b]
    return out


def _vague_inputs(rule: Rule, text: str) -> dict[str, str]:
    """Money inputs said as a vague amount ("布展费十几万"): input name → the words said. The
    asking part ("能补几十万") names no input, so it is not one."""
    out: dict[str, str] = {}
    for m in general_pattern("vague_amount").finditer(text):
        before = text[max(_clause_start(text, m.start()), m.start() - 12) : m.start()]
        if any(w in before for w in general_words("other_cost_items")):
            continue  # "另外差旅花了十几万": a cost the award does not cover, no part of its input
        for spec in rule.inputs:
            if spec.unit == "yuan" and any(len(a) >= 2 and a in before for a in spec.aliases):
                out.setdefault(spec.name, text[_clause_start(text, m.start()) : m.end()])
    return out


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "＿" * (end - start)
    return "".join(chars)


def _rises(text: str, fits: list, verb_required: bool) -> list[tuple[Any, Any, str, str]]:
    """Pairs of figures of one measure said as a rise, "从/由 A …到 B" with B > A, each with the
    words of its clause before A and the words between A and B. ``verb_required``:
    "从800万到1000万" alone may be a range, not a rise."""
    rise = general_pattern("risen_to" if verb_required else "rise_to")
    found = []
    for a, b in itertools.pairwise(fits):
        opens = text[_clause_start(text, a.span[0]) : a.span[0]]
        between = text[a.span[1] : b.span[0]]
        said = rise.fullmatch(between.strip()) if verb_required else rise.search(between)
        if any(w in opens for w in general_words("rise_from")) and said and b.value > a.value:
            found.append((a, b, opens, between))
    return found


def _new_since(rule: Rule, text: str, quantities: list) -> dict[str, Any]:
    """An input counting what is new in the year (its label says 新增, as 年度新增标识注册量)
    said as a rise from one total to another ("从去年底累计500万条涨到今年底1300万条") is the
    difference, not either total."""
    out: dict[str, Any] = {}
    for spec in rule.inputs:
        if "新增" in spec.label:
            fits = [q for q in quantities if unit_fits(spec, q)]
            for a, b, _, _ in _rises(text, fits, verb_required=False):
                out[spec.name] = b.value - a.value
    return out


def _risen_to(rule: Rule, text: str, quantities: list) -> dict[str, Any]:
    """The base amount of a rule that reads one year's figure, said as a rise: the figure
    risen to ("平台年度服务收入从800万增长到了1000万"). For an input of the year before
    (上一年度平台主营业务收入) the words must say which figure that year's is: the one risen
    from when the years are said of the figures ("由去年的500万增长到今年的800万"), the one
    risen to when the year is said of the measure ("上年主营业务收入从1000万提高到1500万");
    undated, the input's value is None: unknown, asked for."""
    base = rule.formula.input_fields().get("base")
    spec = next((s for s in rule.inputs if s.name == base), None)
    if spec is None or spec.unit != "yuan" or "新增" in spec.label:
        return {}
    previous = general_words("previous_year")
    out: dict[str, Any] = {}
    fits = [q for q in quantities if unit_fits(spec, q)]
    for a, b, opens, between in _rises(text, fits, verb_required=True):
        if not any(w in spec.label for w in previous):
            out[spec.name] = b.value
            continue
        cut = max(opens.rfind(w) for w in general_words("rise_from"))
        measure, of_a = opens[:cut], opens[cut:]
        this_year = general_words("this_year")
        if any(w in of_a for w in previous) or any(w in between for w in this_year):
            out[spec.name] = a.value
        elif any(w in measure for w in previous):
            out[spec.name] = b.value
        else:
            out[spec.name] = None
    return out


def _drop_notes(approx: dict[str, list[str]] | None, key: str, raws: Sequence[str]) -> None:
    """Notes of ``key`` that speak of one of the figures ``raws``, dropped (they were read)."""
    if approx is None or key not in approx:
        return
    kept = [w for w in approx.pop(key) if not any(r in w for r in raws)]
    if kept:
        approx[key] = kept


def _year_word(offset: int) -> str:
    for word, n in general_mapping("year_offsets").items():
        if int(n) == offset:
            return word
    return ""


def _growth_step(spec: InputSpec, g: Grown) -> str:
    def shown(value: Any) -> str:
        if spec.unit == "yuan":
            return format_money(value)
        return format_count(value, (spec.quantity_units or [""])[0])

    base = f"{_year_word(g.base_year)}{shown(g.base.value)}"
    if g.rise.kind == "percent":
        how = f"{base} × (1 + {format_percent(g.rise.value)})"
    else:
        how = f"{base} + {shown(g.rise.value)}"
    year = f"（{_year_word(g.year)}）" if g.year is not None else ""
    return f"{spec.label}{year}：{how} = {shown(g.value)}"


def _grown_input(
    rule: Rule,
    text: str,
    quantities: list,
    found: dict[str, Any],
    approx: dict[str, list[str]] | None,
    book: BookContext | None,
) -> None:
    """The base input said as a base and a rise of its measure ("今年服务收入比去年的1000万增长
    了20%"): the figure risen to (1200万), derived exactly and shown as a step — for an input of
    the year before (上一年度平台主营业务收入) only when the words say that year's figure is the
    one risen to (or the base is that year's); when the year is not said, asked for."""
    base = rule.formula.input_fields().get("base")
    spec = next((s for s in rule.inputs if s.name == base), None)
    if spec is None or spec.unit not in ("yuan", "count"):
        return
    g = grown(rule, spec, text, quantities, measures(book.labels if book else frozenset()))
    if g is None:
        return
    held = found.get(spec.name)
    if held is not None and held not in (g.base.value, g.rise.value, g.value):
        return  # a figure of the input its own words state stands
    if any(w in spec.label for w in general_words("previous_year")):
        value = g.value if g.year == 1 else g.base.value if g.base_year == 1 else None
    else:
        value = g.value if g.year is not None else None
    for key in (LEFT_OUT, OTHER_YEAR):
        _drop_notes(approx, key, (g.base.raw, g.rise.raw))
    if value is None:
        found.pop(spec.name, None)
        if approx is not None:
            approx.pop(spec.name, None)
            approx.setdefault(NOT_EXACT, []).append(f"“{g.said}”未说明增长后的数额是哪一年的")
        return
    found[spec.name] = value
    if approx is not None and value == g.value:
        approx.pop(spec.name, None)
        approx[DERIVED + spec.name] = [_growth_step(spec, g)]


def growth_pair(rule: Rule) -> tuple[InputSpec, InputSpec] | None:
    """The inputs a rule derives a growth from: (the year before's, the year claimed's)."""
    for d in rule.formula.derive:
        if d.method == "growth_percent":
            before, claimed = (rule.input(n) for n in d.sources)
            return before, claimed
    return None


def _dated_inputs(
    rule: Rule,
    text: str,
    quantities: list,
    found: dict[str, Any],
    approx: dict[str, list[str]] | None,
    book: BookContext | None,
) -> None:
    """Figures of the growth's measure said with their years ("2023年主营业务收入2亿元，2024年
    做到了2.6亿元", "前年1.2亿，去年1.5亿"): the later year is the one claimed, the earlier its
    base, whichever is said first. Two years that do not meet (2022年, 2024年), or three years
    and more with no word of which is claimed, are asked back — never computed on a guess."""
    pair = growth_pair(rule)
    if pair is None:
        return
    before, claimed = pair
    words = measures(book.labels if book else frozenset())
    dated = dated_figures(
        rule, claimed, text, quantities, words, lambda q: not_exact(text, q, book) is None
    )
    if len(dated) < 2 or len({d.kind for d in dated}) != 1:
        return
    years = sorted({d.order for d in dated})
    if len(years) != len(dated):
        return  # a year said twice: a restatement, or two figures of one year — as read
    dated.sort(key=lambda d: d.order)
    raws = [d.quantity.raw for d in dated]
    for key in (LEFT_OUT, OTHER_YEAR):
        _drop_notes(approx, key, raws)
    values = {d.quantity.value for d in dated}
    for spec in rule.figure_inputs:
        # "2024年3.96亿" is a year's figure, never the increase or another input's figure
        other = spec not in (before, claimed) and spec.name != rule.received_input
        if other and spec.unit == claimed.unit and found.get(spec.name) in values:
            del found[spec.name]
    said = "、".join(f"{d.word}{format_money(d.quantity.value)}" for d in dated)
    measure = _measure_of(claimed)
    pair = dated if len(dated) == 2 else []
    claimed_said = claimed_year(text, dated)
    if len(dated) > 2 and claimed_said is not None:
        # "前年5000万，去年6000万，今年7500万，今年能奖多少？": the year asked and the one before
        at = next((i for i, d in enumerate(dated) if (d.kind, d.order) == claimed_said), 0)
        if at > 0:
            pair = dated[at - 1 : at + 1]
    if len(pair) == 2 and pair[1].order - pair[0].order == 1:
        earlier, later = pair
        for spec, d in ((before, earlier), (claimed, later)):
            found[spec.name] = d.quantity.value
            if approx is not None:
                approx.pop(spec.name, None)
                if d.quantity.approx:  # "今年大概1.5亿": a round figure, said so
                    approx[spec.name] = [d.quantity.raw]
        if approx is not None and later.order != 0:
            approx.setdefault(OTHER_YEAR, []).append(
                f"您提到的{said}，按{later.word}为申报年度、{earlier.word}为上年（基数）计算"
            )
        return
    for spec in (before, claimed):
        found.pop(spec.name, None)
        if approx is not None:
            approx.pop(spec.name, None)
    if approx is None:
        return
    if len(dated) == 2:
        approx.setdefault(OTHER_YEAR, []).append(
            f"您提到的{said}不是相邻的两个年度，本项以上年为基数计算增长，"
            f"请告诉我申报年度及其上一年度的{measure}"
        )
        return
    growths = []
    for a, b in itertools.pairwise(dated):
        if b.order - a.order == 1 and a.quantity.value > 0:
            rise = (b.quantity.value - a.quantity.value) / a.quantity.value * 100
            shown = rise.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            approx_word = "" if shown == rise else "约"
            growths.append(f"{b.word}较{a.word}增长{approx_word}{format_percent(shown)}")
    candidates = f"（{'，'.join(growths)}）" if growths else ""
    approx.setdefault(OTHER_YEAR, []).append(
        f"您提到了{said}共{len(dated)}个年度的{measure}{candidates}，本项以上年为基数、"
        "按申报年度计算增长，请问申报的是哪一年度？"
    )


def _uncertain_fall(
    rule: Rule,
    text: str,
    quantities: list,
    found: dict[str, Any],
    approx: dict[str, list[str]] | None,
) -> None:
    """Two figures of the growth's measure read as a fall, the year before's figure not said to
    be that year's by its own words ("营收2亿，后来做到了2.6亿"): which is which is a guess, and
    a guess read backwards is a wrong amount — asked back instead."""
    pair = growth_pair(rule)
    if pair is None:
        return
    before, claimed = pair
    if before.name not in found or claimed.name not in found:
        return
    if found[claimed.name] >= found[before.name]:
        return
    if approx is not None and DERIVED + before.name in approx:
        return
    figure = next((q for q in quantities if q.value == found[before.name]), None)
    if figure is None:
        return
    start = _clause_start(text, figure.span[0])
    said = text[start : figure.span[0]]
    if any(a in said for a in before.aliases) or said_year(text, start, figure.span[0]):
        return  # "上年2.6亿", "2023年2.6亿": the words say the year
    for spec in (before, claimed):
        found.pop(spec.name, None)
        if approx is not None:
            approx.pop(spec.name, None)
    if approx is not None:
        approx.setdefault(OTHER_YEAR, []).append(
            f"您提到的“{text[start : figure.span[1]]}”未说明是哪一年的数额，"
            f"请告诉我申报年度及其上一年度的{_measure_of(claimed)}各是多少"
        )


def _measure_of(spec: InputSpec) -> str:
    """The label of a year's figure less its year (本年度主营业务收入 → 主营业务收入)."""
    measure = spec.label
    for word in sorted(general_words("this_year"), key=len, reverse=True):
        measure = measure.removeprefix(word)
    return measure


_CALENDAR_YEAR = general_pattern("calendar_year")


def _calendar_years(
    rule: Rule,
    text: str,
    quantities: Sequence[Any],
    found: dict[str, Any],
    approx: dict[str, list[str]] | None,
) -> None:
    """An input of the year before (上一年度平台主营业务收入), the rule's one money figure, told
    with figures of two calendar years ("2023年900万，2024年1400万"): which one is the year
    before depends on the year applied in — taken when the text says it ("2025年申报"), else
    asked (both figures said), never one picked."""
    money = [s for s in rule.figure_inputs if s.unit == "yuan" and s.type == "decimal"]
    if len(money) != 1 or not money[0].label.startswith(tuple(general_words("previous_year"))):
        return
    spec = money[0]
    dated: dict[int, Any] = {}
    for q in quantities:
        if q.kind != "money":
            continue
        years = list(_CALENDAR_YEAR.finditer(text[_clause_start(text, q.span[0]) : q.span[0]]))
        if years:
            dated.setdefault(int(years[-1].group("year")), q)
    if len(dated) < 2:
        return
    held = found.get(spec.name)
    if held is not None and held not in {q.value for q in dated.values()}:
        return  # a figure said of the input in its own words stands
    for key in (LEFT_OUT, OTHER_YEAR):
        _drop_notes(approx, key, [q.raw for q in dated.values()])
    # the year applied in, as growth's dated figures read it ("2025年申报", "申报的是2025年度")
    applied = claimed_year(text, [Dated("calendar", y, f"{y}年", q) for y, q in dated.items()])
    if applied is not None and applied[0] == "calendar" and applied[1] - 1 in dated:
        chosen = dated[applied[1] - 1]
        found[spec.name] = chosen.value
        if approx is not None:
            approx.pop(spec.name, None)
            if chosen.approx:
                approx[spec.name] = [chosen.raw]
        return
    found.pop(spec.name, None)
    if approx is None:
        return
    approx.pop(spec.name, None)
    said = "、".join(f"{y}年{q.raw}" for y, q in sorted(dated.items()))
    approx.setdefault(OTHER_YEAR, []).append(
        f"您提到了不同年份的数额（{said}），本项按{spec.label}计算，取决于申报年度，未据此计算；"
        f"请告诉我申报年度（或直接告诉我{spec.label}）"
    )


_RATE_QUOTE = general_pattern("rate_quote")

_RATE_STEP_BEFORE = general_pattern("rate_step_before")


def _not_inputs(text: str, quantities: Sequence[Any]) -> list[Any]:
    """The quantities less the money the user guesses as the award ("是不是能拿500万？") or
    quotes as the rule's rate ("按每增长一个点5万"): no input of the award."""
    proposed = set(proposal_spans(text))
    out = []
    for q in quantities:
        if q.kind == "percent" and _RATE_STEP_BEFORE.search(
            text[max(0, q.span[0] - 4) : q.span[0]]
        ):
            continue
        if q.kind == "money":
            start = q.span[0]
            before = text[max(_clause_start(text, start), start - 14) : start]
            if q.span in proposed or _RATE_QUOTE.search(before):
                continue
        out.append(q)
    return out


def extract_turn(
    rule: Rule,
    text: str,
    approx: dict[str, list[str]] | None = None,
    book: BookContext | None = None,
    earlier: str | None = None,
) -> dict[str, Any]:
    """What ``text`` (one turn) says of the rule's inputs; ``earlier``: the measure named last in
    the turns before, of which a rise this turn says without a measure is."""
    excluded = _disqualified(rule, text)
    if excluded:
        for start, end in excluded:
            if approx is not None:
                approx.setdefault(LEFT_OUT, []).append(text[start:end])
        text = _blank(text, excluded)
    # "费用80万美元": a figure in another currency is never a yuan figure, in any turn
    foreign = foreign_spans(text)
    if foreign:
        text = _blank(text, foreign)
    # "厂房1.2万平方米", "员工1.2万人": measures with 万 are no money
    quantities = _not_inputs(text, extract_quantities(mask_measures(text)))
    found = assign_quantities(rule, text, quantities, approx, book, earlier)
    found.update(_new_since(rule, text, quantities))
    risen = _risen_to(rule, text, quantities)
    if risen and approx is not None:
        rise = general_pattern("risen_to")
        kept = [w for w in approx.get(LEFT_OUT, []) if not rise.match(w)]
        approx.pop(LEFT_OUT, None)
        if kept:
            approx[LEFT_OUT] = kept
    for name, value in risen.items():
        _drop_notes(approx, OTHER_YEAR, [q.raw for q in quantities])
        if value is not None:
            found[name] = value
            continue
        # "从500万增长到800万" of an input of the year before: which year is which is not said
        found.pop(name, None)
        if approx is not None:
            approx.pop(name, None)
            approx.setdefault(NOT_EXACT, []).append("增长前后的数额未说明各是哪一年的")
    _grown_input(rule, text, quantities, found, approx, book)
    _dated_inputs(rule, text, quantities, found, approx, book)
    _uncertain_fall(rule, text, quantities, found, approx)
    _calendar_years(rule, text, quantities, found, approx)
    for name, said in _vague_inputs(rule, text).items():
        # "展位费三十来万，布展费十几万": a part without a figure leaves the input unknown
        found.pop(name, None)
        if approx is not None:
            approx.pop(name, None)
            approx.setdefault(NOT_EXACT, []).append(f"“{said}”是一个约略的说法")
    for name, value in _year_counts(rule, text).items():
        found.setdefault(name, value)
    figures = [q for q in quantities for s in rule.figure_inputs if unit_fits(s, q)]
    for spec in rule.inputs:
        if spec.type == "bool":
            value = _read_bool(spec, text)
            if value is False and spec.false_unless_true and figures:
                # "差旅费一共20万": a figure said of a cost outside the input is asked back and
                # said by figures.py (other costs), not ruled out here
                continue
            if value is not None:
                found[spec.name] = value
    found.update(_read_enums(rule, text))
    _other_titles(rule, text, found, approx)
    found.update(_whole_of(rule, text, found))
    _mixed_whole(rule, text, found, approx)
    return found


_WHOLE_OF_BEFORE = general_pattern("whole_of_before")

# The key under which ``approx`` keeps the note of a list named otherwise than the clause's own
# (“中国软件业务收入百强” for “中国电子信息企业百强”), as it is shown.
OTHER_TITLE = "__other_title__"

_QUOTED = re.compile(r"[“\"「『《]([^“”\"「」『』《》]{2,30})[”\"」』》]")
_QUOTED_IN_LAW = re.compile(r"“([^“”]{2,30})”")


def _own_titles(rule: Rule) -> list[str]:
    """The names the clause itself gives its titles and lists, in quotes in the rule's title or
    its conditions' phrases (“中国电子信息企业百强”)."""
    texts = [rule.title, *(c.phrase for c in rule.conditions)]
    return list(dict.fromkeys(m.group(1) for t in texts for m in _QUOTED_IN_LAW.finditer(t)))


def other_title(rule: Rule, text: str) -> tuple[str, str] | None:
    """A title or list named in quotes with the head word of one of the clause's own
    (“中国软件业务收入百强” beside the clause's “中国电子信息企业百强”) but with words the clause's
    name does not hold (years and ``title_neutral_words`` — 全国, 榜单 — aside): another list,
    not the clause's. (the name said, the clause's name), or None."""
    own = _own_titles(rule)
    heads = [k for k in rule.keywords if len(k) >= 2 and any(n.endswith(k) for n in own)]
    if not heads:
        return None
    # words of obtaining (首次进入) in the quotes say how the list was entered, not which
    neutral = sorted(
        {*general_words("title_neutral_words"), *general_words("obtained_markers")},
        key=len,
        reverse=True,
    )
    for m in _QUOTED.finditer(text):
        said = m.group(1).strip()
        head = next((h for h in sorted(heads, key=len) if h in said), None)
        if head is None or any(n in said for n in own) or said in rule.keywords:
            continue  # the clause's own name, also inside a quoted phrase of the clause
        longest = max((k for k in rule.keywords if k.endswith(head) and k in said), key=len)
        words = _CALENDAR_YEAR.sub("", said[: said.rfind(longest)])
        for word in neutral:
            words = words.replace(word, "")
        name = next(n for n in own if n.endswith(head))
        if all(any(c not in n for c in words) for n in own if n.endswith(head)):
            return said, name
    return None


def _other_titles(
    rule: Rule, text: str, found: dict[str, Any], approx: dict[str, list[str]] | None
) -> None:
    """A list named otherwise than the clause names its own (:func:`other_title`) is not the
    clause's: the yes/no condition whose label names the clause's list is not met."""
    other = other_title(rule, text)
    if other is None:
        return
    said, name = other
    specs = [s for s in rule.inputs if s.type == "bool" and name in s.label]
    if not specs:
        return
    for spec in specs[:1]:
        found[spec.name] = False
        if approx is not None:
            approx.pop(spec.name, None)
    if approx is not None:
        approx.setdefault(OTHER_TITLE, []).append(
            f"您说的“{said}”不是本条所称的“{name}”，本条只奖励“{name}”"
        )


def _whole_of(rule: Rule, text: str, found: dict[str, Any]) -> dict[str, Any]:
    """ "项目投资2000万，全部是生产和设备投资": a money input not read, named right after words
    saying the figure before is wholly of it, takes that figure — the one money input read."""
    money = [s for s in rule.inputs if s.unit == "yuan" and s.type == "decimal"]
    read = [s.name for s in money if s.name in found]
    if len(read) != 1:
        return {}
    out: dict[str, Any] = {}
    for spec in money:
        if spec.name in found:
            continue
        for alias in sorted(spec.aliases, key=len, reverse=True):
            if len(alias) < 3:
                continue
            at = text.find(alias)
            if at > 0 and _WHOLE_OF_BEFORE.search(text[_clause_start(text, at) : at]):
                out[spec.name] = found[read[0]]
                break
    return out


__all__ = [
    "DERIVED",
    "LEFT_OUT",
    "MIXED",
    "NOT_EXACT",
    "OTHER_TITLE",
    "OTHER_YEAR",
    "SEVERAL",
    "BookContext",
    "earlier_level_unsaid",
    "extract_turn",
    "mixed_bool",
    "one_figure_input",
    "option_mentions",
    "unit_fits",
]
