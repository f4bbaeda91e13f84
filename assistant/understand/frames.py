"""Frames: every award a message asks about, each with the part of the message that is its own.

A message is cut into segments at punctuation and at connectives (另外, 还有, 同时 …, from the
general lexicon). Each segment is given to the rule its own words point at — a clause topic it
names, the rule's keywords, an input alias next to its quantity — or, when it names none, to
the rule of the segment before it ("首轮流片，费用800万"). A segment that names no rule of its
own but the message names a clause (标识解析 … 服务收入100万) keeps to that clause's rules.

A message whose quantities fall to two or more different rules is compound: each rule then
reads its inputs from its own segments plus the segments that state facts without a quantity
("我们是入库的规上企业"), so a quantity is used by one frame only and is never summed with an
unrelated one. A fixed award named in words (首次进入百强) makes a frame of its own without a
quantity, unless another frame already speaks for its clause.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from assistant.awards.rules import Rule, RuleBook
from assistant.awards.specs import InputSpec
from assistant.numbers import NumberError, Quantity, extract_quantities
from assistant.understand.asks import part_asks
from assistant.understand.choose import (
    asked_by_own_word,
    asked_recipients,
    keyword_score,
    recipients_rule_out,
)
from assistant.understand.lexicon import general_words
from assistant.understand.mentions import unit_fits
from assistant.understand.names import mask_measures
from assistant.understand.rises import book_measures, growth_measure, rule_owns

# an ASCII full stop ends an English sentence ("… solutions. Also our platform …"), not a
# decimal point ("2.2")
_PUNCT = re.compile(r"[，,。；;！!？?\n、]|\.(?!\d)")
# A topic the message names elsewhere weighs less than one the segment names itself, more than
# generic keywords of another clause (measured on evals/dev/understanding.jsonl).
SEGMENT_TOPIC = 30.0
MESSAGE_TOPIC = 20.0
KEYWORD = 3.0
ALIAS_NEXT_TO_QUANTITY = 5.0
UNIT_FITS = 2.0
# Characters before a quantity in which an input alias counts as naming it.
ALIAS_WINDOW = 12
# The word right before a figure that says what it is ("银行贷款2000万") decides its rule over
# title words elsewhere in the segment ("智能化改造项目用了…"): as much as a topic it names.
LABEL = SEGMENT_TOPIC


@dataclass
class Segment:
    text: str
    start: int
    quantities: list[Quantity] = field(default_factory=list)
    # the measure each quantity is told of in a rise (by index; see rises.growth_measure)
    measures: dict[int, str] = field(default_factory=dict)
    rule: Rule | None = None  # the rule the segment's own words point at
    own_evidence: bool = False  # named by the segment itself, not inherited
    labelled: bool = False  # its first figure's words are an input of that rule (maybe others too)
    item: bool = False  # one of the awards an asking sentence lists to be answered separately


@dataclass
class Frame:
    rule: Rule
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "，".join(s.text for s in self.segments)


def _connectives() -> re.Pattern[str]:
    words = sorted(general_words("connectives"), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else re.compile(r"(?!x)x")


def segments(text: str) -> list[Segment]:
    """The message cut at punctuation and before connectives, with the quantities of each."""
    cuts = {0, len(text)}
    for m in _PUNCT.finditer(text):
        cuts.update((m.start(), m.end()))
    for m in _connectives().finditer(text):
        cuts.add(m.start())
    out: list[Segment] = []
    for a, b in itertools.pairwise(sorted(cuts)):
        piece = text[a:b]
        if not piece.strip() or _PUNCT.fullmatch(piece):
            continue
        quantities = _quantities(piece)
        # "流片费用500万元和央视广告100万元": a joining word right after a figure starts the
        # next item, which may be another award's
        joins = [a + q.span[1] for q in quantities[:-1] if _joined_after(piece, q.span[1])]
        for x, y in itertools.pairwise([a, *joins, b]):
            part = text[x:y]
            found = quantities if (x, y) == (a, b) else _quantities(part)
            out.append(Segment(text=part, start=x, quantities=found))
    return out


def _quantities(piece: str) -> list[Quantity]:
    try:
        return [
            q
            for q in extract_quantities(mask_measures(piece))
            if q.kind in ("money", "count", "percent") and not _article(q)
        ]
    except NumberError:
        return []


def _joined_after(piece: str, end: int) -> bool:
    rest = piece[end:].lstrip()
    return any(rest.startswith(w) for w in general_words("figure_joiners"))


def _article(q: Quantity) -> bool:
    """ "做了一个智能化改造项目": 一个 is an article; it makes no frame of its own."""
    return q.kind == "count" and q.value == 1 and q.raw.startswith("一")


def _fits(rule: Rule, q: Quantity) -> list:
    return [s for s in rule.figure_inputs if unit_fits(s, q)]


def _alias_near(rule: Rule, seg: Segment) -> bool:
    for q in seg.quantities:
        rel = q.span[0]
        before = seg.text[max(0, rel - ALIAS_WINDOW) : rel]
        for spec in _fits(rule, q):
            if any(a and a in before for a in spec.aliases):
                return True
    return False


def _told_of(book: RuleBook, rule: Rule, seg: Segment, n: int) -> bool:
    """May the segment's quantity ``n`` be the rule's? Not when it is told in a rise of a
    measure no input of the rule measures ("员工人数增长了30%" is none of 四.2's)."""
    measure = seg.measures.get(n)
    if measure is None:
        return True
    words = book_measures(book)
    return rule_owns(rule, _fits(rule, seg.quantities[n]), measure, words)


def _nearest_alias(
    rule: Rule, q: Quantity, before: str, generic: set[str]
) -> tuple[tuple[int, int], InputSpec] | None:
    """The rule's input whose name (2+ characters, not a bare verb of spending) stands nearest
    before the figure, then the longest: (its distance key, the input), or None."""
    best: tuple[tuple[int, int], InputSpec] | None = None
    for spec in _fits(rule, q):
        for alias in spec.aliases:
            if len(alias) < 2 or alias in generic:
                continue
            pos = before.rfind(alias)
            if pos < 0:
                continue
            key = (len(before) - pos - len(alias), -len(alias))  # nearest, then longest
            if best is None or key < best[0]:
                best = (key, spec)
    return best


def _label_owners(book: RuleBook, seg: Segment, sentence: str = "") -> set[str]:
    """Rules whose input alias stands nearest before the segment's first figure (2+ characters,
    not a bare verb of spending such as 花了): what the figure is said to be. A figure told in a
    rise is the rise's measure's: only rules with an input of that measure, and all of them
    when none of their aliases stands before it ("……多了200万，去年是800万")."""
    if not seg.quantities:
        return set()
    q = seg.quantities[0]
    before = seg.text[max(0, q.span[0] - ALIAS_WINDOW) : q.span[0]]
    generic = set(general_words("spending_verbs"))
    best: tuple[int, int] | None = None
    owners: set[str] = set()
    measured = 0 in seg.measures
    allowed = [r for r in book.rules.values() if _told_of(book, r, seg, 0)]
    for rule in allowed:
        nearest = _nearest_alias(rule, q, before, generic)
        if nearest is None:
            continue
        key = nearest[0]
        if best is None or key < best:
            best, owners = key, {rule.id}
        elif key == best:
            owners.add(rule.id)
    if measured and not owners:
        owners = {r.id for r in allowed if _fits(r, q)}
    if len(owners) > 1:
        owners = _owners_named_around(book, owners, seg.text, sentence)
    return owners


def _owners_named_around(book: RuleBook, owners: set[str], *around: str) -> set[str]:
    """A label several rules share ("服务收入" is 四.4's and 四.5's) is the one of the rule whose
    clause the surrounding words name — the segment itself first, then its sentence ("依托二级
    节点做标识解析服务，年服务收入…" is 四.5's); still shared when they name none or several."""
    for words in around:
        if not words:
            continue
        named = book.named_clauses(words)
        narrowed = {r for r in owners if book.rules[r].clause in named}
        if narrowed and len({book.rules[r].clause for r in narrowed}) == 1:
            return narrowed
    return owners


def _segment_score(
    book: RuleBook, rule: Rule, seg: Segment, message_clauses: set[str], owners: set[str]
) -> float:
    score = KEYWORD * keyword_score(rule, seg.text)
    if len(owners) == 1 and rule.id in owners:
        score += LABEL
    if rule.clause in book.named_clauses(seg.text):
        score += SEGMENT_TOPIC
    elif rule.clause in message_clauses:
        score += MESSAGE_TOPIC
        if _specialises_topic(book, rule, seg.text):
            score += SEGMENT_TOPIC
    if seg.quantities:
        told = [n for n in range(len(seg.quantities)) if _told_of(book, rule, seg, n)]
        if not told:
            return 0.0  # every figure is told of another measure's rise
        if not any(_fits(rule, seg.quantities[n]) for n in told):
            return 0.0 if score < SEGMENT_TOPIC else score / 2
        score += UNIT_FITS
        if _alias_near(rule, seg):
            score += ALIAS_NEXT_TO_QUANTITY
    return score


def _specialises_topic(book: RuleBook, rule: Rule, text: str) -> bool:
    """ "双跨平台……总部落户奖": a sub-award of a clause of several awards whose own keyword
    holds another clause's topic the text names (四.4's 双跨平台总部落户 holds 四.3's 总部落户) is
    that topic said of the clause's subject, which the message names elsewhere: the text names
    the sub-award by both, more than the other clause by its topic alone."""
    if sum(1 for r in book.rules.values() if r.clause == rule.clause) < 2:
        return False
    said = [k for k in rule.keywords if k and k in text]
    return any(
        t in k
        for c, terms in book.topics.items()
        if c != rule.clause
        for t in terms
        if t
        for k in said
    )


def _inputs_told(rule: Rule, segs: list[Segment]) -> set[str]:
    """The rule's figure inputs the segments tell each by one of its names right before the
    figure (the nearest such name, 2+ characters, not a bare verb of spending)."""
    generic = set(general_words("spending_verbs"))
    told: set[str] = set()
    for seg in segs:
        for q in seg.quantities:
            before = seg.text[max(0, q.span[0] - ALIAS_WINDOW) : q.span[0]]
            nearest = _nearest_alias(rule, q, before, generic)
            if nearest is not None:
                told.add(nearest[1].name)
    return told


def _own_evidence(book: RuleBook, rule: Rule, seg: Segment) -> bool:
    return bool(keyword_score(rule, seg.text)) or rule.clause in book.named_clauses(seg.text)


def assign(book: RuleBook, text: str) -> list[Segment]:
    """Segments with the rule each points at (own words, else the message's topic, else the
    segment before)."""
    segs = segments(text)
    message_clauses = book.named_clauses(text)
    words = book_measures(book)
    for seg in segs:
        for n, q in enumerate(seg.quantities):
            measure = growth_measure(text, seg.start + q.span[0], words)
            if measure is not None:
                seg.measures[n] = measure
    sentences = _sentence_spans(text)
    for seg in segs:
        sentence = next((text[a:b] for a, b in sentences if a <= seg.start < b), "")
        owners = _label_owners(book, seg, sentence)
        scored = [
            (_segment_score(book, r, seg, message_clauses, owners), n, r)
            for n, r in enumerate(book.rules.values())
        ]
        scored = [t for t in scored if t[0] > 0]
        if not scored:
            continue
        # the message's topic is the fallback for a segment that names nothing: a segment
        # with words of its own ("去年营收1亿" beside "参展……50万") keeps the rule they name
        own = [t for t in scored if _own_evidence(book, t[2], seg) or t[2].id in owners]
        _, _, best = max(own or scored, key=lambda t: (t[0], -t[1]))
        if _own_evidence(book, best, seg) or best.clause in message_clauses:
            seg.rule, seg.own_evidence = best, _own_evidence(book, best, seg)
            seg.labelled = best.id in owners
    # a segment that names nothing continues the rule of the segment before it — also when
    # only the message's topic gave it a rule of the same clause ("中试平台……2023年主营收入
    # 900万，2024年1400万": the second year's figure is the first one's measure, not a sibling's)
    previous: Rule | None = None
    for seg in segs:
        topic_only = (
            seg.rule is not None
            and not seg.own_evidence
            and not seg.labelled
            and previous is not None
            and previous.clause == seg.rule.clause
        )
        continues = (seg.rule is None or topic_only) and seg.quantities and previous is not None
        if continues and any(
            _fits(previous, q) and _told_of(book, previous, seg, n)
            for n, q in enumerate(seg.quantities)
        ):
            seg.rule = previous
        previous = seg.rule or previous
    return segs


def _needs_no_quantity(rule: Rule) -> bool:
    """The amount follows from facts alone (a fixed award, a title's level), no figure."""
    return not any(
        s.type in ("decimal", "integer") and rule.formula_needs(s.name) for s in rule.inputs
    )


def _states_obtained(rule: Rule, seg: Segment) -> bool:
    """The title or status was obtained ("获评省级智能车间", "首次进入百强", "子公司经营良好"),
    not merely named as what a project is about ("新建智能工厂项目")."""
    if any(w in seg.text for w in general_words("obtained_markers")):
        return True
    return any(
        a in seg.text for s in rule.inputs if s.type == "bool" for a in s.aliases if len(a) >= 3
    )


def _subject_named(book: RuleBook, rule: Rule, text: str) -> bool:
    """A fixed award of a clause with several awards hangs on the clause's subject: 四.4's
    subsidiary award is for a 双跨平台's subsidiary, so "在郑州注册了控股子公司" alone (our own
    story, told beside another award) is no award asked about unless the message names 双跨."""
    siblings = sum(1 for r in book.rules.values() if r.clause == rule.clause)
    return siblings < 2 or rule.clause in book.named_clauses(text)


def states_identity(part: str) -> bool:
    """ "我们是双跨平台": who the enterprise is — a premise of an award, not an award asked."""
    return any(part.lstrip().startswith(w) for w in general_words("identity_openers"))


_SENTENCE_END = re.compile(r"[。！!？?；;\n]|\.(?!\d)")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _asked_frames(book: RuleBook, text: str, found: list[Frame]) -> list[Frame]:
    """In a message of several sentences whose asking sentence holds figures of its own
    ("……去年银行贷款了2000万。今年首轮流片花了450万，请问补贴多少？"), a frame only in
    sentences that ask nothing is background, not an award asked about — unless the message
    asks for several (各多少, 分别) or its asking sentence adds to what came before (另外 …)."""
    if len(found) < 2 or any(w in text for w in general_words("compound_asks")):
        return found
    sentences = _sentence_spans(text)
    asking = [_with_listed(text, a, b) for a, b in sentences if part_asks(text[a:b])]
    if not asking:
        return found
    adds = tuple(general_words("connectives")) + tuple(general_words("additive_markers"))
    if any(text[a:b].lstrip().startswith(adds) for a, b in asking):
        return found

    asked = "".join(text[a:b] for a, b in asking)
    # "……服务收入900万。……二级节点……500万。想问问二级节点的奖励有多少？": of the awards of
    # one clause, the asking sentence names one by its own words — not its sibling
    named_rules = {f.rule.id for f in found if keyword_score(f.rule, asked) > 0}
    # "……请问：示范企业能奖多少？揭榜挂帅能扶持多少？": a rule an asking sentence names by a
    # word of its own (3+ characters, no longer keyword of another rule) is asked about
    own_named = set().union(*(asked_by_own_word(book, text, text[a:b]) for a, b in asking))

    def in_asking(frame: Frame) -> bool:
        # a segment of the frame in an asking sentence, or the asking sentence naming its
        # clause's topic ("……设备加软件一共投了2600万。智能化改造补贴能拿多少？")
        if any(a <= seg.start < b for seg in frame.segments for a, b in asking):
            return True
        sibling_named = any(
            f.rule.clause == frame.rule.clause and f.rule.id in named_rules
            for f in found
            if f is not frame
        )
        if sibling_named and frame.rule.id not in named_rules:
            return False
        if frame.rule.id in own_named:
            return True
        return any(frame.rule.clause in book.named_clauses(text[a:b]) for a, b in asking)

    kept = [f for f in found if in_asking(f)]
    return kept if kept else found


_LIST_OPENER = re.compile(r"[:：]")


def _with_listed(text: str, a: int, b: int) -> tuple[int, int]:
    """An asking sentence whose ask opens a list with a colon ("帮我算三个：一是……；二是……")
    asks about everything the list says after it, to the end of the message."""
    m = _LIST_OPENER.search(text, a, b)
    if m is not None and part_asks(text[a : m.start()]):
        return a, len(text)
    return a, b


def _input_words(rule: Rule, text: str) -> int:
    """Characters of ``text`` covered by the rule's keywords and its inputs' aliases (2+)."""
    words = [*rule.keywords, *(a for s in rule.inputs for a in s.aliases if len(a) >= 2)]
    covered: set[int] = set()
    for w in words:
        pos = text.find(w) if w else -1
        if pos >= 0:
            covered.update(range(pos, pos + len(w)))
    return len(covered)


def _mark_items(book: RuleBook, text: str, segs: list[Segment]) -> None:
    """ "认定奖、总部落户奖、子公司奖分别是多少": asked for several, each award the asking
    sentence lists (a part without a figure that names an award, 奖/补贴 …) is asked about on
    its own. A listed award without words of its own is the award of a clause the message
    names that its words name by the rule's inputs (认定 is 四.4's 工信部认定 beside 双跨)."""
    asking = [(a, b) for a, b in _sentence_spans(text) if part_asks(text[a:b])]
    award_words = general_words("award_words")
    message_clauses = book.named_clauses(text)
    for seg in segs:
        if seg.quantities or not any(a <= seg.start < b for a, b in asking):
            continue
        if not any(w in seg.text for w in award_words) or states_identity(seg.text):
            continue
        if seg.rule is not None and seg.own_evidence:
            seg.item = True
            continue
        scored = sorted(
            (
                (_input_words(r, seg.text), r)
                for r in book.rules.values()
                if r.clause in message_clauses
            ),
            key=lambda t: -t[0],
        )
        if scored and scored[0][0] > 0 and (len(scored) < 2 or scored[1][0] < scored[0][0]):
            seg.rule, seg.item = scored[0][1], True


def frames(book: RuleBook, text: str) -> list[Frame]:
    """The awards the message asks about, in the order it names them (empty when it names
    fewer than two: the single-award path handles those with the whole conversation)."""
    segs = assign(book, text)
    by_rule: dict[str, Frame] = {}
    # "…投了1800万，另外还想申请揭榜挂帅服务商扶持，合同还没签，分别能拿多少": asked for
    # several, an award named by its own words without its figure is asked about (and asked back)
    several = any(w in text for w in general_words("compound_asks"))
    if several:
        _mark_items(book, text, segs)
    for seg in segs:
        if seg.rule is None:
            continue
        makes_frame = (
            bool(seg.quantities)
            or seg.item
            or (
                seg.own_evidence
                and not states_identity(seg.text)
                and (
                    (
                        _needs_no_quantity(seg.rule)
                        and _states_obtained(seg.rule, seg)
                        and _subject_named(book, seg.rule, text)
                    )
                    or (several and bool(book.named_clauses(seg.text)))
                )
            )
        )
        if not makes_frame:
            continue
        frame = by_rule.get(seg.rule.id)
        if frame is None:
            by_rule[seg.rule.id] = Frame(rule=seg.rule, segments=[seg])
        else:
            frame.segments.append(seg)
    # a rule no segment names by its own words (its figures only inherited a topic the message
    # names elsewhere, "去年纳税800万" beside "央视广告") is no award asked about
    named = {
        seg.rule.id
        for seg in segs
        if seg.rule is not None and (seg.own_evidence or seg.labelled or seg.item)
    }
    ordered = [f for f in by_rule.values() if f.rule.id in named]
    ordered = _asked_frames(book, text, ordered)
    if not several:
        # not asked for several: when the message names clause topics (MEMS中试平台), a frame
        # of a clause it does not name ("今年收入比去年增长了50%") is a fact told, not asked
        # … unless the frame tells two or more of its rule's own figures, each by its own
        # name ("服务企业320家，连接设备8000台，年度服务收入1200万"): an award's facts, not one
        # figure told in passing
        named_clauses = book.named_clauses(text)
        if any(f.rule.clause in named_clauses for f in ordered):
            ordered = [
                f
                for f in ordered
                if f.rule.clause in named_clauses or len(_inputs_told(f.rule, f.segments)) >= 2
            ]
    # two awards of one clause named without a figure ("双跨平台" + "总部落户郑州") are one:
    # the rule the whole message points at most (the other is its premise)
    result: list[Frame] = []
    for frame in ordered:
        # … unless each is listed to be answered on its own (认定奖、总部落户奖分别是多少)
        if any(s.quantities or s.item for s in frame.segments):
            result.append(frame)
            continue
        siblings = [
            f
            for f in ordered
            if f is not frame
            and f.rule.clause == frame.rule.clause
            and not any(s.quantities for s in f.segments)
        ]
        mine = keyword_score(frame.rule, text)
        if any(keyword_score(f.rule, text) > mine for f in siblings):
            continue
        if any(f in result for f in siblings):
            continue
        result.append(frame)
    # "……双跨平台……设立了控股子公司……子公司这边能拿多少？": the award of whom the message asks
    # for; its siblings told as premises are no awards asked (the parent's 1000万 is not theirs)
    ruled_out = recipients_rule_out(book, asked_recipients(book, text))
    result = [f for f in result if f.rule.id not in ruled_out or any(s.item for s in f.segments)]
    if len(result) < 2:
        return []
    # in the order the message names them: by the first segment that names the rule itself
    # (a figure that only inherited a topic named later does not put its frame first)
    # … and when the asking sentence lists every award, in the order of its list
    listed = all(any(s.item for s in f.segments) for f in result)

    def named_at(frame: Frame) -> int:
        if listed:
            return min(s.start for s in frame.segments if s.item)
        own = [s.start for s in frame.segments if s.own_evidence or s.labelled]
        return min(own or [s.start for s in frame.segments])

    result.sort(key=named_at)
    # an award named without its figure (it will be asked back) comes after those computed, so
    # that the first award of the answer is one with an amount
    asked_back = [
        f
        for f in result
        if not any(s.quantities for s in f.segments) and not _needs_no_quantity(f.rule)
    ]
    result = [f for f in result if f not in asked_back] + asked_back
    # segments stating facts without a quantity and without a rule of another frame
    facts = [
        s
        for s in segs
        if not s.quantities and not s.item and (s.rule is None or not s.own_evidence)
    ]
    # a part without a figure that names a frame's rule by its own words is that award's
    # ("我们牵头建设的二级节点已被省里认定，项目建设金额500万"): its facts are read, not assumed
    for seg in segs:
        frame = next((f for f in result if seg.rule is f.rule), None)
        if frame is not None and seg.own_evidence and seg not in frame.segments:
            frame.segments.append(seg)
    own = sorted(((seg.start, f) for f in result for seg in f.segments), key=lambda t: t[0])
    for frame in result:
        # a fact told right after one award's part is about that award ("……另外还想申请首轮
        # 流片补助，费用还没结算"); one told before any award's part is about all of them
        mine = [
            fact
            for fact in facts
            if next((f for start, f in reversed(own) if start < fact.start), frame) is frame
        ]
        frame.segments = sorted([*frame.segments, *mine], key=lambda s: s.start)
    return result
