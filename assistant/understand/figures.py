"""Which input of a rule each figure of a text is: each quantity to the input whose aliases
stand nearest before it (same clause of the sentence, units must agree), guessing only when
nothing says otherwise; a figure labelled as another rule's input, or said of two clauses at
once, is left out and said so (``LEFT_OUT``)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.awards.rules import InputSpec, Rule
from assistant.numbers import Quantity
from assistant.understand.lexicon import general_mapping, general_pattern, general_words
from assistant.understand.received import (
    EARLIER_RECEIVED,
    UNDATED_RECEIVED,
    of_an_earlier_year,
    says_received,
    this_year_said,
)
from assistant.understand.rises import (
    growth_measure,
    last_measure,
    measures,
    owns,
    rise_by,
    rise_input,
    subject_year,
    year_in,
)

# words that say a percentage is some other ratio (研发投入占比15%, 毛利率20%)
_RATIO_WORDS = general_words("ratio_words")

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
            # a short verb may stand after the joining word ("首轮流片和参加展会")
            verbs = "|".join(map(re.escape, general_words("joined_topic_verbs")))
            joined = rf"[的]?(?:和|与|及|以及|、|跟|加|加上)(?:{verbs})?"
            if a != b and re.fullmatch(joined, text[end:start]):
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


def segments(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in _SEGMENT.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


# The key under which ``approx`` collects figures left out of a sum (see assign_quantities).
LEFT_OUT = "__left_out__"
# The key under which ``approx`` collects figures labelled with a cost the input does not
# name ("差旅和住宿花了40万" beside 展位费、布展费): [the words said, the costs named]
OTHER_COST = "__other_cost__"
# The key under which ``approx`` collects figures that are no exact amount (a bound, a range,
# a figure said to be unsettled): the input stays missing and the answer asks for it.
NOT_EXACT = "__not_exact__"
# The key prefix under which ``approx`` keeps the step of a figure derived from a base and a
# rise ("比去年的1000万增长了20%" → 1200万): ``DERIVED + name`` → [the step]; see mentions.py.
DERIVED = "__derived__:"
# The key under which ``approx`` keeps the notes of figures said of another year than the one
# the input is of ("今年主营收入1000万" for 上一年度平台主营业务收入): each note as it is shown.
OTHER_YEAR = "__other_year__"
# The key under which ``approx`` keeps a figure said of a condition met and not met at once
# ("在央视和省级卫视投了广告，总共1500万"): [the words said, what meets it, what does not]; the
# figure mixes parts the rule pays for with parts it does not, so the part it pays for is asked.
MIXED = "__mixed__"
# The key under which ``approx`` keeps notes of figures each of which may be one input that
# takes one figure, no words saying which ("签了两份合同，一份1200万，一份800万"): each note as
# it is shown; the input stays missing and is asked for.
WHICH_FIGURE = "__which_figure__"
# The key prefix under which ``approx`` keeps a lower bound said of an input ("超过200万"):
# ``LOWER_BOUND + name`` → [value, the NOT_EXACT note it made, the words said]; see
# dialogue.settle_lower_bounds.
LOWER_BOUND = "__lower_bound__:"

# The key under which ``approx`` keeps counts said with a bound word ("服务企业超过200家"):
# [input name, comparison, number, the words said] each; see dialogue.settle_count_bounds.
COUNT_BOUND = "__count_bound__"


def _bound_tail(after: str) -> int:
    """How many characters at the start of ``after`` are a bound word after a count (以上)."""
    stripped = after.lstrip()
    for word in sorted(general_mapping("count_bound_after"), key=len, reverse=True):
        if stripped.startswith(word):
            return len(after) - len(stripped) + len(word)
    return 0


# How sure a figure is to be its input: said under the input's own words and spent, said but
# planned ("计划投入5000万"), or only guessed (no words name it). A surer figure replaces a
# less sure one of the same input; a less sure one never overwrites or adds to a surer one.
_GUESSED, _PLANNED, _STATED = 0, 1, 2


def _segment_of(text: str, pos: int) -> tuple[int, int]:
    return next(((s, e) for s, e in segments(text) if s <= pos < e + 1), (0, len(text)))


def _part_marks(head: str) -> list[int]:
    """Where words open the parts of a total in ``head``: 其中, 包括 … and a mark right after a
    figure that opens its breakdown as 其中 does ("整个项目投了6800万：厂房2300万，…")."""
    marks = [head.rfind(w) for w in general_words("part_of_total_markers") if w in head]
    marks += [m.start() for m in general_pattern("breakdown_opener").finditer(head)]
    return marks


def _in_breakdown(text: str, q: Quantity) -> bool:
    """The figure is one of the parts a total is broken into (其中, 包括 … before it in its
    sentence, after an earlier figure)."""
    start = _sentence_start(text, q.span[0])
    head = text[start : q.span[0]]
    marks = _part_marks(head)
    return bool(marks) and bool(re.search(r"\d", head[: max(marks)]))


def _total_broken_down(text: str, q: Quantity, quantities: list[Quantity]) -> Quantity | None:
    """The figure a breakdown holding ``q`` is of: the last figure of its sentence before the
    word opening the parts ("一共花了50万，其中展位费30万" → 50万), or None."""
    start = _sentence_start(text, q.span[0])
    head = text[start : q.span[0]]
    marks = _part_marks(head)
    if not marks:
        return None
    opened = start + max(marks)
    before = [p for p in quantities if start <= p.span[0] and p.span[1] <= opened]
    return before[-1] if before else None


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(p, 0, pos) for p in "。！!？?；;\n") + 1


def _sentence_of(text: str, pos: int) -> int:
    return len(re.findall(r"[。！!？?；;\n]", text[:pos]))


def _same_sentence(text: str, q: Quantity, parts: list[str]) -> bool:
    """Were ``parts`` said in the sentence of ``q``? A sum's parts said in one sentence
    ("场地租了30万，布展花了20万") add up, even when only one is labelled; a guessed figure of
    another sentence ("年产值3亿。……设备和软件投入1500万") is background and gives way."""
    here = _sentence_of(text, q.span[0])
    return all(_sentence_of(text, text.find(p)) == here for p in parts)


def bound_side(text: str, q: Quantity) -> str | None:
    """ "lower" for a bound from below ("超过200万", "200万以上"), "upper" for the other bounds
    ("不到50万", "50万以内"), None for a figure said as it is."""
    head, tail = text[: q.span[0]], text[q.span[1] :]
    for side in ("lower", "upper"):
        before = general_pattern(f"{side}_bound_before")
        if before.search(head) or general_pattern(f"{side}_bound_after").match(tail):
            return side
    return None


def count_bound(text: str, q: Quantity) -> tuple[str, Decimal] | None:
    """The comparison and number of a count said with a bound word ("超过200家" → (">", 200),
    "5000台以上" → (">=", 5000), "300多家" → (">", 300)), or None for a count said as it is.
    The words are the general lexicon's ``count_bound_*``."""
    if q.kind not in ("count", "times"):
        return None
    head, tail = text[: q.span[0]].rstrip(), text[q.span[1] :].lstrip()
    if head.endswith("了"):
        head = head[:-1].rstrip()
    for word, op in sorted(
        general_mapping("count_bound_before").items(), key=lambda kv: -len(kv[0])
    ):
        if head.endswith(word):
            return op, q.value
    after_words = general_mapping("count_bound_after")
    for word, op in sorted(after_words.items(), key=lambda kv: -len(kv[0])):
        if tail.startswith(word) or q.raw.endswith(word):
            return op, q.value
    number = re.match(r"[\d,.零〇一二两三四五六七八九十百千万亿]+", q.raw)
    rest = q.raw[number.end() :] if number else ""
    for word, op in general_mapping("count_bound_inside").items():
        if rest.startswith(word):
            return op, q.value
    return None


def not_exact(text: str, q: Quantity, book: BookContext | None = None) -> str | None:
    """What makes a money figure no exact amount, or None: a bound ("超过1000万", "3000万以上"),
    an end of a range ("200到300万"), or a figure the next words say is unsettled or not the
    enterprise's own ("总合同3000万，我们分到多少还不确定")."""
    if q.kind != "money":
        return None
    head, tail = text[: q.span[0]], text[q.span[1] :]
    if bound_side(text, q) is not None:
        return "一个界限"
    if general_pattern("range_before").search(head) or general_pattern("range_after").match(tail):
        return "一个区间"
    _, end = _segment_of(text, q.span[0])
    unsettled = general_pattern("unsettled")
    if unsettled.search(text[q.span[1] : end]):
        return "尚未确定的数"
    # a later clause part of the same sentence, before any other figure ("总合同3000万，我们
    # 作为联合体成员参与，分到多少还不确定")
    # — up to a part that turns to another matter ("另外还想申请首轮流片补助，费用还没结算")
    sentence = _sentence_of(text, q.span[0])
    turns = tuple(general_words("connectives"))
    for s, e in segments(text):
        if s <= end:
            continue
        part = text[s:e]
        if _sentence_of(text, s) != sentence or re.search(r"\d", part):
            break
        if part.lstrip().startswith(turns) or (book is not None and book.names_clauses(part)):
            break
        if unsettled.search(part):
            return "尚未确定（或不全是贵企业）的数"
    return None


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


def _other_measure(
    rule: Rule,
    spec: InputSpec,
    scored: list,
    text: str,
    q: Quantity,
    book: BookContext,
    earlier: str | None = None,
) -> InputSpec | None:
    """The input a figure told in a rise may go to, or None when it is no input of this rule:
    a rise by ("增长了30%", "多了200万") only to an input that is a rise (its best-scored one),
    and a figure of a rise's measure (a rise, the figure compared with, a figure told right
    after it) only to an input of that measure."""
    pos = q.span[0]
    start = max(text.rfind(c, 0, pos) for c in "，,。；;？?！!\n") + 1
    if q.kind == "percent" and general_pattern("rate_change").search(text[start:pos]):
        return None  # "增速提高了5个百分点": the growth rate changed, not the measure by 5%
    if rise_by(text, pos) and not rise_input(spec):
        spec = next((s for _, _, s in scored if rise_input(s)), None)
        if spec is None:
            return None
    words = measures(book.labels)
    measure = growth_measure(text, pos, words, earlier)
    if measure is not None and not owns(rule, spec, measure, words):
        return None
    return spec


def _other_year(spec: InputSpec, text: str, q: Quantity) -> str | None:
    """The year said of a figure, when the input is the year before's (上一年度平台主营业务收入)
    and the figure's clause part says another year right before it ("今年主营收入1000万",
    "前年800万"); else None. A base or a rise of it is read by mentions (rises.grown)."""
    if spec.unit == "percent" or rise_input(spec):
        # 较上年增长百分比 is a rise over that year, said of this one — unless the rise is said
        # over an earlier year than the one before the year risen ("今年比前年增长了40%")
        return _rise_over_other_year(text, q) if rise_by(text, q.span[0]) else None
    if not spec.label.startswith(tuple(general_words("previous_year"))):
        return None
    start = max(text.rfind(c, 0, q.span[0]) for c in "，,。；;？?！!\n") + 1
    if general_pattern("compared_base").search(text[start : q.span[0]]):
        return None
    if rise_by(text, q.span[0]):
        return None
    year = year_in(text, start, q.span[0])
    if year is None or year == 1:
        return None
    return next(w for w, n in general_mapping("year_offsets").items() if int(n) == year)


def _of_other_measure(spec: InputSpec, text: str, q: Quantity, book: BookContext) -> bool:
    """The measure named last before the figure in its clause part is one no award is computed
    on (``other_measures``: 总营收 rather than the 营收 inside it, 利润) — unless an alias of the
    input holds it (年度实际支付房租 holds 房租: that input's)."""
    start = max(text.rfind(c, 0, q.span[0]) for c in "，,。；;？?！!\n") + 1
    words = tuple(sorted({*measures(book.labels), *general_words("other_measures")}, key=len))
    found = last_measure(text[start : q.span[0]], words[::-1])
    if found is None or found not in general_words("other_measures"):
        return False
    return not any(found in a for a in (spec.label, *spec.aliases))


def _rise_over_other_year(text: str, q: Quantity) -> str | None:
    """The year compared with of a rise ("比前年增长了40%"), when it is not the year right before
    the year risen (this year when none is said): a rise over that year is none over the year
    before, the base the rules read (以上年为基数); else None."""
    start = max(text.rfind(c, 0, q.span[0]) for c in "，,。；;？?！!\n") + 1
    subject, compared, _ = subject_year(text, start, q.span[0])
    if compared is None or compared == (subject or 0) + 1:
        return None
    return next(
        (f"比{w}" for w, n in general_mapping("year_offsets").items() if int(n) == compared), None
    )


def _told_in_rise(text: str, q: Quantity, book: BookContext) -> bool:
    return growth_measure(text, q.span[0], measures(book.labels)) is not None


def other_costs(spec: InputSpec, before: str) -> list[str]:
    """Costs named in the words before a figure that are not among this input's own cost
    items (its aliases): 差旅, 住宿 in "差旅和住宿花了40万" for 场地租赁费和布展费. A cost
    said not to be held ("不含差旅") names none."""
    if spec.unit != "yuan":
        return []
    excluding = general_words("cost_excluding_markers")
    found: list[str] = []
    for word in general_words("other_cost_items"):
        if any(word in a for a in spec.aliases) or any(word in f for f in found):
            continue
        pos = before.find(word)
        while pos >= 0:
            head = before[max(0, pos - 4) : pos]
            if not any(head.endswith(m) or m in head for m in excluding):
                found.append(word)
                break
            pos = before.find(word, pos + 1)
    return found


def held_costs(spec: InputSpec, text: str, end: int, stop: int) -> list[str]:
    """Costs the words after a figure say it holds that are not this input's own cost items:
    "总共花了80万，这里面有展位费，也有机票和酒店" for 场地租赁费和布展费 → 机票, 酒店. Read from
    the figure's end to the next figure or the end of its sentence (``stop``), after a word that
    says what the figure holds (其中, 包括, 里面 …; not "不包括")."""
    ends = [i for p in "。！!？?；;\n" if (i := text.find(p, end, stop)) >= 0]
    after = text[end : min(ends) if ends else stop]
    excluding = general_words("cost_excluding_markers")
    opens = [
        i + len(m)
        for m in general_words("part_of_total_markers")
        if (i := after.find(m)) >= 0 and not any(after[: i + len(m)].endswith(x) for x in excluding)
    ]
    if not opens:
        return []
    return other_costs(spec, after[min(opens) :])


def holds_input(spec: InputSpec, text: str, before: str, end: int, stop: int) -> str | None:
    """The input's own word, when the words after a figure say the figure holds the input
    among other things ("研发总投入3000万，流片费也含在里面", "……，其中也有流片的钱，没单独
    算"): the figure is labelled otherwise than the input (by no word of its own, only a verb
    of spending), and its sentence after it, up to the next figure, names the input beside a
    word saying it is held within (``held_within_markers``). Else None."""
    if spec.unit != "yuan" or _names_input(spec, before):
        return None
    ends = [i for p in "。！!？?；;\n" if (i := text.find(p, end, stop)) >= 0]
    after = text[end : min(ends) if ends else stop]
    markers = general_words("held_within_markers")
    excluding = general_words("cost_excluding_markers")
    if not any(m in after for m in markers) or any(x in after for x in excluding):
        return None
    generic = set(general_words("spending_verbs"))
    own = [a for a in spec.aliases if len(a) >= 2 and a not in generic and a in after]
    return max(own, key=len) if own else None


def _left_out(approx: dict[str, list[str]] | None, said: str) -> None:
    if approx is not None:
        approx.setdefault(LEFT_OUT, []).append(said)


def assign_quantities(
    rule: Rule,
    text: str,
    quantities: list[Quantity],
    approx: dict[str, list[str]] | None = None,
    book: BookContext | None = None,
    earlier: str | None = None,
) -> dict[str, Any]:
    """Each quantity to an input; ``approx`` collects the round figures (三千来万) per input.

    A figure is guessed for an input only when nothing says otherwise: a figure whose words
    name no input is given to the first needed input still empty — never over one already
    stated, never a percentage said to be another ratio (占比, 毛利率), never a figure whose
    words label another rule's input or name two clauses. Such a figure is left out and said
    so, and the input stays missing: a question back rather than a guess."""
    book = book or BookContext()
    out: dict[str, Any] = {}
    sureness: dict[str, int] = {}
    strength: dict[str, float] = {}  # the label score of the figure held for each input
    # a yes/no condition of this rule qualifies its figure rather than labelling another
    # measure: "首轮流片500万" is the tape-out cost (首轮流片 is the first_round condition)
    conditions = {a for s in rule.inputs if s.type == "bool" for a in s.aliases}
    # … and a measure no award is computed on labels no input, even when an input's alias is
    # part of it ("总营收" holds 营收 but is no 主营业务收入)
    labels = (book.labels | frozenset(general_words("other_measures"))) - conditions
    said: dict[str, list[str]] = {}
    # the figures each input holds (its sum's parts), in the order of ``said``
    held_figures: dict[str, list[Quantity]] = {}
    # inputs of one figure that two figures no words tell apart may each be: what was said
    undecided: dict[str, list[str]] = {}
    # inputs a count said as a bound went to ("超过200家"): no later figure is guessed for them
    bounded: set[str] = set()
    segs = segments(text)
    last: tuple[str, Quantity] | None = None  # the input the previous figure went to
    for i, q in enumerate(quantities):
        seg = next(((s, e) for s, e in segs if s <= q.span[0] < e + 1), (0, len(text)))
        prev_end = quantities[i - 1].span[1] if i > 0 else 0
        next_start = quantities[i + 1].span[0] if i + 1 < len(quantities) else len(text)
        before = text[max(seg[0], prev_end) : q.span[0]]
        after = text[q.span[1] : min(seg[1], next_start)]
        previous, last = last, None
        between = text[prev_end : q.span[0]]
        if previous is not None and restates(between) and q.kind == previous[1].kind:
            # "花了差不多700万——准确说是680万": the figure said again replaces the one before
            name, earlier = previous
            out[name] = out[name] - earlier.value + q.value
            if approx is not None:
                raws = approx.get(name, [])
                if earlier.raw in raws:
                    raws.remove(earlier.raw)
                if not raws:
                    approx.pop(name, None)
                if q.approx:
                    approx.setdefault(name, []).append(q.raw)
            last = (name, q)
            continue
        received = rule.received_input
        if received is not None and q.kind == "money" and says_received(before, after):
            # an award already received: this year's comes off the yearly cap, an earlier
            # year's counts for nothing here
            sentence = text[_sentence_start(text, q.span[0]) : q.span[0]]
            if of_an_earlier_year(sentence):
                if approx is not None:
                    part = text[max(seg[0], prev_end) : q.span[1]]
                    approx.setdefault(EARLIER_RECEIVED, []).append(part)
            else:
                out[received] = out.get(received, 0) + q.value
                last = (received, q)
                if approx is not None and not this_year_said(sentence):
                    part = text[max(seg[0], prev_end) : q.span[1]]
                    approx.setdefault(UNDATED_RECEIVED, []).append(part)
            continue
        candidates = [s for s in rule.figure_inputs if unit_fits(s, q)]
        if not candidates:
            continue
        scored = sorted(
            ((_alias_score(s, before, after, labels), n, s) for n, s in enumerate(candidates)),
            key=lambda t: (-t[0], t[1]),
        )
        score, _, spec = scored[0]
        clause_part = text[max(seg[0], prev_end) : q.span[1]]
        if book.joins_clauses(text[seg[0] : seg[1]]):
            _left_out(approx, clause_part)  # one figure said of two clauses: split it first
            continue
        costs = other_costs(spec, text[max(seg[0], prev_end) : q.span[0]])
        if not costs and any(w in before for w in general_words("total_markers")):
            # "展位、布展、还有员工机票酒店，全部加起来68万": a total holds what its sentence
            # listed before it, back to the figure before
            listed = text[max(_sentence_start(text, q.span[0]), prev_end) : q.span[0]]
            costs = other_costs(spec, listed)
        if costs:
            # "差旅和住宿花了40万": a cost the input does not name is never that input
            if approx is not None:
                approx.setdefault(OTHER_COST, []).append([clause_part, "、".join(costs)])
            label = text[max(seg[0], prev_end) : q.span[0]]
            if spec.name in out and any(w in label for w in general_words("part_of_total_markers")):
                # "总共花了60万，其中差旅10万", "展位费30万（含差旅5万）": what is held
                # holds a cost that is not this input's, so it is no exact base either
                held_figures.pop(spec.name, None)
                for earlier in said.pop(spec.name, []):
                    if approx is not None:
                        note = f"“{earlier}”含有{'、'.join(costs)}等不属于本项的费用"
                        approx.setdefault(NOT_EXACT, []).append(note)
                del out[spec.name]
                sureness.pop(spec.name, None)
                strength.pop(spec.name, None)
            continue
        held = held_costs(spec, text, q.span[1], next_start)
        if held:
            # "总共花了80万，这里面有展位费，也有机票酒店": a total said to hold costs the input
            # does not name is no exact base; ask for the input's own part
            if approx is not None:
                note = f"“{clause_part}”含有{'、'.join(held)}等不属于本项的费用"
                approx.setdefault(NOT_EXACT, []).append(note)
            continue
        holds = holds_input(spec, text, before, q.span[1], next_start)
        if holds is not None:
            # "整个研发项目花了2000万，流片的钱也在里面": a total said to hold the input among
            # other things is no base; ask for the input's own part
            if approx is not None:
                note = f"“{clause_part}”是包含{holds}在内的总额，不是{spec.label}本身"
                approx.setdefault(NOT_EXACT, []).append(note)
            continue
        why = not_exact(text, q, book)
        if why is not None:
            # a bound, a range or an unsettled total is no input: ask for the exact figure
            if approx is not None:
                words = text[seg[0] : q.span[1]]
                note = f"“{words}”是{why}"
                approx.setdefault(NOT_EXACT, []).append(note)
                if bound_side(text, q) == "lower" and score > 0 and spec.unit == "yuan":
                    approx[LOWER_BOUND + spec.name] = [str(q.value), note, words]
            continue
        bound = count_bound(text, q) if spec.unit in ("count", "times") else None
        if bound is not None:
            # "服务企业超过200家": a bound of the count, not its value — whether it meets a
            # condition on the count is settled against the rule (dialogue.settle_count_bounds)
            if approx is not None:
                words = text[max(seg[0], prev_end) : q.span[1]] + after[: _bound_tail(after)]
                entry = [spec.name, bound[0], str(bound[1]), words]
                approx.setdefault(COUNT_BOUND, []).append(entry)
            bounded.add(spec.name)
            continue
        if _of_other_measure(spec, text, q, book):
            # "总营收今年1.2亿": a measure no award is computed on, whatever year it is said of
            _left_out(approx, clause_part)
            continue
        other_year = _other_year(spec, text, q)
        if other_year is not None:
            # "今年主营收入1000万" for an input of the year before: not that year's figure
            if approx is not None:
                over = other_year.startswith("比")  # a rise over an earlier year
                approx.setdefault(OTHER_YEAR, []).append(
                    f"您提到的“{clause_part}”是{other_year}的增长，本项以上年为基数计算，未计入；"
                    f"请告诉我上年和今年的数额"
                    if over
                    else f"您提到的“{clause_part}”是{other_year}的数额，本项按{spec.label}计算，"
                    f"未计入；请告诉我{spec.label}"
                )
            continue
        chosen = _other_measure(rule, spec, scored, text, q, book, earlier)
        if chosen is None:
            # a rise of another measure ("员工人数增长了30%"), or an increase where the rule
            # reads the level ("服务收入比去年多了200万"): not this input
            _left_out(approx, clause_part)
            continue
        if score <= 0 and chosen is spec and _told_in_rise(text, q, book):
            # "……同比增长40%，今年达到700万": the rise's measure, this input's, labels it
            score = 1.0
        spec = chosen
        if score > 0 and _in_breakdown(text, q) and not _names_input(spec, before + after):
            # "总投资6500万，其中厂房翻新花了2000万，设备和软件3350万": in a breakdown of a
            # total only a part whose own words name the input is it — a verb of spending
            # (花了, 投了) labels every part alike
            _left_out(approx, clause_part)
            continue
        sure = _STATED
        planned_held = [s for s in candidates if sureness.get(s.name) == _PLANNED]
        if score <= 0 and planned_held and any(w in before for w in general_words("spent_markers")):
            # "设备和软件投资预计3000万，目前已投1200万": what was spent of the planned input
            spec, score = planned_held[0], 1.0
        if score <= 0:
            # no alias anywhere near: the first needed input not yet filled
            free = [
                s
                for s in candidates
                if s.name not in out and s.name not in undecided and s.name not in bounded
            ]
            if rise_by(text, q.span[0]):
                free = [s for s in free if rise_input(s)]
            ratio = q.kind == "percent" and any(w in before for w in _RATIO_WORDS)
            other = any(w in before for w in general_words("other_measures"))
            # "总投资5000万，其中厂房土建2000万，设备及软件2400万": in a breakdown of a total,
            # a part no input's words name is another part, never guessed for the input
            broken_down = _in_breakdown(text, q)
            # "说错了，是1600万，不是600万": a figure said not to be it is no guess of it
            denied = before.rstrip().endswith(tuple(general_words("negation_words")))
            if ratio or other or broken_down or denied or _labelled_otherwise(rule, before, book):
                _left_out(approx, clause_part)
                continue
            guessed = [
                s
                for s in candidates
                if s.aggregate != "sum"
                and (sureness.get(s.name) == _GUESSED or s.name in undecided)
            ]
            if not free and guessed:
                # "签了两份合同，一份1200万，一份800万": two figures no words tell apart, either
                # of which may be the one input — which is a guess, so it is asked for
                name = guessed[0].name
                if name not in undecided:
                    undecided[name] = said.pop(name, [])
                    held_figures.pop(name, None)
                    del out[name]
                    sureness.pop(name, None)
                    strength.pop(name, None)
                    if approx is not None:
                        approx.pop(name, None)
                undecided[name].append(clause_part)
                continue
            if not free:
                _left_out(approx, clause_part)
                continue
            spec = next((s for s in free if rule.formula_needs(s.name)), free[0])
            if _other_measure(rule, spec, [], text, q, book, earlier) is None:
                _left_out(approx, clause_part)
                continue
            sure = _GUESSED
        elif any(w in before for w in general_words("planned_markers")):
            sure = _PLANNED
        guess_of_sum = spec.aggregate == "sum" and _GUESSED in (sure, sureness.get(spec.name))
        if (
            spec.name in out
            and sure != sureness[spec.name]
            and not (guess_of_sum and _same_sentence(text, q, said[spec.name]))
        ):
            # "年产值3亿 … 设备和软件投入1500万": the figure its words name replaces the guess;
            # "计划投入5000万，已投2000万": the spent figure replaces the planned one
            if sure < sureness[spec.name]:
                _left_out(approx, clause_part)
                continue
            held_figures.pop(spec.name, None)
            for earlier in said.pop(spec.name, []):
                _left_out(approx, earlier)
            del out[spec.name]
        if (
            spec.name in out
            and spec.aggregate != "sum"
            and sure == sureness[spec.name] == _STATED
            and score < strength.get(spec.name, 0.0)
        ):
            # "平台设备投资2800万，整个园区投资了2个亿": the more specific label keeps its figure
            _left_out(approx, clause_part)
            continue
        sureness[spec.name] = sure
        strength[spec.name] = score
        if spec.aggregate == "sum" and spec.name in out:
            # a further figure is added only when its own words say it is this input
            # ("配套的工业软件花了300万"); "车间土建和水电改造花了500万" is left out and said so
            if not _names_input(spec, before):
                if approx is not None:
                    approx.setdefault(LEFT_OUT, []).append(text[max(seg[0], prev_end) : q.span[1]])
                continue
            total = _total_broken_down(text, q, quantities)
            figures = held_figures.get(spec.name, [])
            if total is not None and total in figures:
                total_said = said[spec.name][figures.index(total)]
                if _names_input(spec, total_said[: total_said.rfind(total.raw)]):
                    # "设备和软件一共投了3000万，其中设备2000万": the input's own total holds
                    # its parts; they are never added to it
                    continue
            out[spec.name] = out[spec.name] + q.value
            if total is not None and total in figures:
                # "一共花了50万，其中展位费30万，布展20万": the parts are the total said again,
                # so the total gives way to them — never added to its own parts
                out[spec.name] = out[spec.name] - total.value
                _left_out(approx, said[spec.name].pop(figures.index(total)))
                figures.remove(total)
                if approx is not None and total.approx and total.raw in approx.get(spec.name, []):
                    approx[spec.name].remove(total.raw)
        else:
            out[spec.name] = q.value
            said[spec.name] = []
            held_figures[spec.name] = []
            if approx is not None:
                approx.pop(spec.name, None)
        said.setdefault(spec.name, []).append(clause_part)
        held_figures.setdefault(spec.name, []).append(q)
        last = (spec.name, q)
        undecided.pop(spec.name, None)  # a figure its words name settles which it is
        if approx is not None and q.approx:
            approx.setdefault(spec.name, []).append(q.raw)
    if approx is not None:
        for name, parts in undecided.items():
            label = rule.input(name).label
            shown = "、".join(f"“{p.strip()}”" for p in parts)
            approx.setdefault(WHICH_FIGURE, []).append(
                f"您提到的{shown}都可能是{label}，未说明是哪一个，未据此计算；请告诉我{label}"
            )
    return out


# How many characters may stand between a figure and its restatement ("800万，不对，是850万").
_RESTATE_REACH = 12


def restates(between: str) -> bool:
    """The words between two figures say the second restates the first (准确说是, 不对，是)."""
    if len(between) > _RESTATE_REACH:
        return False
    return any(m in between for m in general_words("restatement_markers"))


__all__ = [
    "COUNT_BOUND",
    "DERIVED",
    "LEFT_OUT",
    "LOWER_BOUND",
    "MIXED",
    "NOT_EXACT",
    "OTHER_COST",
    "OTHER_YEAR",
    "WHICH_FIGURE",
    "BookContext",
    "assign_quantities",
    "bound_side",
    "count_bound",
    "not_exact",
    "other_costs",
    "segments",
    "unit_fits",
]
