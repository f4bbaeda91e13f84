"""Which rule a conversation is about: each rule scores by its keywords in the question (weight
3) and in earlier turns (less with distance), a clause topic the question names (揭榜挂帅,
首轮流片 …) over retrieval's first clause, figures and levels the rule can use, an input alias
right before a figure, and a small bonus for the clauses the retriever ranked first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.awards.rules import InputSpec, Rule, RuleBook, memoised
from assistant.numbers import Quantity
from assistant.understand.asks import is_award_question, part_asks, quantities_in
from assistant.understand.lexicon import general_pattern, general_words
from assistant.understand.mentions import negated_phrase, option_mentions, unit_fits
from assistant.understand.rises import book_measures, growth_measure, rule_owns


def keyword_score(rule: Rule, text: str) -> int:
    """Characters of ``text`` covered by the rule's keywords (first occurrence of each). A
    keyword inside a longer one ("平台" in "工业互联网平台") adds nothing, so a rule with many
    short generic keywords does not outscore one whose specific phrase was said."""
    covered: set[int] = set()
    for k in rule.keywords:
        pos = text.find(k) if k else -1
        if pos >= 0:
            covered.update(range(pos, pos + len(k)))
    return len(covered)


def negated_keywords(book: RuleBook, text: str) -> list[tuple[int, int]]:
    """Spans of the rule keywords ``text`` says negated ("不是搞智能化改造")."""
    words = sorted({k for r in book.rules.values() for k in r.keywords if k and k in text}, key=len)
    spans: list[tuple[int, int]] = []
    for k in reversed(words):  # the longest first; a shorter one inside it is the same mention
        for m in re.finditer(re.escape(k), text):
            if any(s <= m.start() and m.end() <= e for s, e in spans):
                continue
            if negated_phrase(text, m.start(), m.end()):
                spans.append((m.start(), m.end()))
    return spans


def without_negated_keywords(rule: Rule, text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with the keywords said negated blanked for ``rule`` ("不是搞智能化改造，这种贷款能
    不能贴息" asks about 贴息, not about 智能化改造): what is said not to be the matter names no
    rule to score — unless it is a fact of this rule's own inputs ("广告没有投在央视" states 四.17's
    central-media condition false, and is still about that rule). The clause topic it names stays
    (``named_clauses`` reads the text as said)."""
    if not spans:
        return text
    aliases = memoised(rule, "own_aliases", lambda: _own_aliases(rule))
    for s, e in spans:
        said = text[s:e].lower()
        if any(a in said or said in a for a in aliases):
            continue
        text = text[:s] + "＿" * (e - s) + text[e:]
    return text


def _own_aliases(rule: Rule) -> list[str]:
    """The rule's input, false and option aliases of two characters or more, lower case."""
    return [
        a.lower()
        for s in rule.inputs
        for a in [*s.aliases, *s.false_aliases, *(x for o in s.options or [] for x in o.aliases)]
        if len(a) >= 2
    ]


def held_topics(book: RuleBook, rule: Rule, text: str) -> set[str]:
    """Other clauses whose topic a keyword of ``rule`` said in ``text`` holds: 四.4's
    双跨总部落户 keyword 总部迁到郑州 holds 四.3's topic 总部迁到 (moving a headquarters here)."""
    said = [k for k in rule.keywords if k and k in text]
    return {
        c
        for c, terms in book.topics.items()
        if c != rule.clause and any(t and t in k for t in terms for k in said)
    }


def _needed(rule: Rule) -> list[InputSpec]:
    """The rule's inputs a figure of the question can be for (see ``_usable_inputs``)."""
    usable = _usable_inputs(rule)
    return [s for s in rule.inputs if s.name in usable]


def _usable_inputs(rule: Rule) -> set[str]:
    """Inputs the formula needs, plus those it can derive them from (两年收入 → 增长率)."""
    names = {s.name for s in rule.inputs if rule.formula_needs(s.name)}
    names.update(rule.formula.derived_from())
    names.update(s.fallback_from for s in rule.inputs if s.fallback_from)
    # a figure a threshold is read on ("项目总投资1500万" against 2000万以上) decides the award too
    figures = {s.name for s in rule.inputs if s.type in ("decimal", "integer")}
    names.update(c.input for c in rule.conditions if c.input in figures)
    return names


# Larger than the retrieval bonus (4) plus what generic keywords can add (数字化改造 ≈ 15).
_TOPIC_BONUS = 30.0

# An input alias of 3+ characters right before a figure (within _ALIAS_REACH characters, same
# clause of the sentence) outweighs a tie on title keywords; tuned on evals/dev/understanding.jsonl.
_ALIAS_NEAR = 5.0

_ALIAS_REACH = 12

# In a Chinese noun phrase the head comes last ("智能化改造的贷款贴息上限"): of the rules
# whose keywords the asking part names, the one named last before the ask gets this much —
# two keyword characters' worth, so it settles a near tie, never a clear lead; checked on
# evals/dev (chain, understanding*, understanding3_unden).
_HEAD_NOUN = 6.0

# A rule that can use none of the message's money figures ("花了250万做智能工厂改造" and the
# title award of 四.15) loses this much — more than the retriever's first-place bonus (4), so
# between two rules the message names about equally the one its money belongs to is chosen
# (a wrong amount is worse than the other clause); checked on evals/dev like _HEAD_NOUN.
_UNUSED_MONEY = 6.0

# A keyword in the asking sentence of a message of several sentences ("……是工信部认定的双跨平台
# ……。请问这个子公司能拿什么奖励？") names what is asked, over words of the story told before:
# per character covered, on top of the keyword weight (3); checked on evals/dev (chain,
# understanding*, understanding3).
_ASKED_KEYWORD = 6.0


# A rule the asking sentence names by a word of its own ("……是双跨平台……成立了控股子公司……。
# 这个子公司能拿多少？"): a keyword of three characters or more that no longer keyword of another
# rule said in the message holds ("这个平台" after "双跨平台" points back at that, not at 平台's
# rule). Then what is asked is among the rules the asking sentence names: a rival named only in
# the story told before loses, however long its words there (跨行业跨领域, 工信部认定).


def asked_by_own_word(book: RuleBook, text: str, asking: str) -> set[str]:
    """The rules the asking sentence names by a keyword of their own (see above)."""
    if not asking:
        return set()
    said = {(rid, k) for rid, r in book.rules.items() for k in r.keywords if k and k in text}
    out = set()
    for rid, k in said:
        if len(k) < 3 or k not in asking:
            continue
        if any(o != rid and k in longer and k != longer for o, longer in said):
            continue
        out.add(rid)
    return out


_IDENTITY_OPENERS = general_words("identity_openers")

_RESTATED_IDENTITY = general_words("restated_identity_openers")

_DETERMINERS = tuple(sorted(general_words("subject_determiners"), key=len, reverse=True))


def _subject_start(part: str) -> str:
    """An asking part without the words before its subject ("这家子公司能拿多少" → "子公司…")."""
    part = part.strip()
    for _ in range(2):
        word = next((w for w in _DETERMINERS if part.startswith(w)), None)
        if word is None:
            break
        part = part[len(word) :].lstrip()
    return part


def _identity_head(part: str) -> str | None:
    """What a part stating who the enterprise is says it is, its head noun last ("我们是一家双跨
    平台在郑州设立的控股子公司" → the whole phrase after the opener), or None for no such part.
    A restated identity opens with 是/而是 after a negated one; 是否/是不是 ask, they state none."""
    part = part.strip()
    if part_asks(part):
        return None
    opener = next((w for w in _IDENTITY_OPENERS if part.startswith(w)), None)
    if opener is None:
        opener = next((w for w in _RESTATED_IDENTITY if part.startswith(w)), None)
    if opener is None:
        return None
    return part[len(opener) :].rstrip("，,。；;！!\n的了呢啊呀")


_SEVERAL = general_words("compound_asks")


def _asks_of(part: str) -> bool:
    """A part that asks for one award: not a list of several ("子公司奖、认定奖各是多少")."""
    return part_asks(part) and "、" not in part and not any(w in part for w in _SEVERAL)


def asked_recipients(book: RuleBook, text: str) -> set[str]:
    """Rules whose recipient (``Rule.recipients``: 四.4's subsidiary award is the 子公司's) is
    who the message asks for: the subject of an asking part ("子公司这边能拿多少") or the head of
    the identity the enterprise states ("我们不是双跨平台，是……设立的控股子公司"). Among the
    awards of one clause, that one is asked — not the parent's award told as its premise."""
    # each part with its closing mark: "子公司这边能单独申请吗？" asks by its question mark
    parts = [p for p in re.split(r"(?<=[，,。；;！!？?\n])", text) if p.strip()]
    out: set[str] = set()
    for rid, rule in book.rules.items():
        words = [w for w in rule.recipients if w]
        if not words:
            continue
        for part in parts:
            if _asks_of(part) and _subject_start(part).startswith(tuple(words)):
                out.add(rid)
                break
            head = _identity_head(part)
            if head is not None and head.endswith(tuple(words)):
                out.add(rid)
                break
    return out


def recipients_rule_out(book: RuleBook, asked: set[str]) -> set[str]:
    """The sibling awards (same clause) of the rules whose recipient is asked for."""
    clauses = {book.rules[r].clause for r in asked}
    return {rid for rid, r in book.rules.items() if r.clause in clauses and rid not in asked}


def _last_asking(parts: list[str]) -> str:
    """The last of ``parts`` that asks (``asks.part_asks``); else ""."""
    return next((p for p in reversed(parts) if part_asks(p)), "")


def _asking_sentence(text: str) -> str:
    """The last sentence that asks, when the message has several sentences; else "". A later
    sentence asking only how to apply ("另外一事一议怎么申请？") does not displace one before it
    that asks an amount ("新建项目奖励能拿多少？"): the award is that one's."""
    sentences = [s for s in re.split(r"(?<=[。！!？?])", text) if s.strip()]
    if len(sentences) < 2:
        return ""
    procedure = general_words("procedure_asks")
    while len(sentences) > 1 and any(w in sentences[-1] for w in procedure):
        earlier = sentences[:-1]
        if not any(part_asks(s) and is_award_question(s, ()) for s in earlier):
            break
        sentences = earlier
    return _last_asking(sentences)


def _asking_part(text: str) -> str:
    """The part of the message that asks (the last with 多少, 能拿 …), or ""."""
    return _last_asking([p for p in re.split(r"[，,。；;！!？?]", text) if p.strip()])


def _head_rule(book: RuleBook, asking: str) -> str | None:
    """The rule whose keyword ends last in the asking part, when it names two rules' keywords
    and states no figure (a figure's own label decides then, see ``_alias_before``)."""
    if not asking or quantities_in(asking):
        return None
    ends: dict[str, int] = {}
    for rule in book.rules.values():
        found = [asking.rfind(k) + len(k) for k in rule.keywords if k and k in asking]
        if found:
            ends[rule.id] = max(found)
    if len({e for e in ends.values()}) < 2:
        return None
    last = max(ends.values())
    heads = [rid for rid, end in ends.items() if end == last]
    return heads[0] if len(heads) == 1 else None


def _alias_before(text: str, q: Quantity, specs: Sequence[InputSpec]) -> bool:
    start = max(text.rfind(p, 0, q.span[0]) for p in "，,。；;？?！!") + 1
    before = text[max(start, q.span[0] - _ALIAS_REACH) : q.span[0]]
    return any(len(a) >= 3 and a in before for s in specs for a in s.aliases)


_OWNERS: dict[int, tuple[RuleBook, dict[str, set[str]]]] = {}


def _alias_owners(book: RuleBook) -> dict[str, set[str]]:
    """Every input and option alias of the book (lower case) → the rules that use it."""
    cached = _OWNERS.get(id(book))
    if cached is None or cached[0] is not book:
        found: dict[str, set[str]] = {}
        for rule in book.rules.values():
            for spec in rule.inputs:
                words = [*spec.aliases, *(a for o in spec.options or [] for a in o.aliases)]
                for word in words:
                    found.setdefault(word.lower(), set()).add(rule.id)
        cached = (book, found)
        _OWNERS[id(book)] = cached
    return cached[1]


def _said_options(spec: InputSpec, text: str) -> list[tuple[str, str]]:
    """(input name, the alias as said, lower case) for each option value the text names."""
    low = text.lower()
    out = []
    for opt in spec.options or []:
        for alias in [opt.value, *opt.aliases]:
            if not alias.isdigit() and alias.lower() in low:
                out.append((spec.name, alias.lower()))
    return out


def _labelled_by(text: str, q: Quantity, specs: Sequence[InputSpec]) -> bool:
    """An alias of two characters or more, not a bare verb or a time (花了, 获评, 去年), stands
    right before the figure in its clause part ("设备800万"): the figure names its input."""
    start = max(text.rfind(p, 0, q.span[0]) for p in "，,。；;？?！!") + 1
    before = text[max(start, q.span[0] - _ALIAS_REACH) : q.span[0]]
    # verbs of spending or obtaining (花了, 获评) and times (去年) say nothing of what it measures
    generic = {
        *general_words("spending_verbs"),
        *general_words("obtained_markers"),
        *general_words("time_words"),
    }
    return any(len(a) >= 2 and a not in generic and a in before for s in specs for a in s.aliases)


def _usable(
    rule: Rule,
    needed: Sequence[InputSpec],
    q: Quantity,
    measure: str | None,
    words: tuple[str, ...] = (),
) -> bool:
    """Can the rule use the figure: an input of its unit, and of its measure when the figure is
    told in a rise ("今年收入比去年的900万增长了一倍" is no 设备投资)?"""
    fits = [s for s in needed if unit_fits(s, q)]
    if not fits:
        return False
    return measure is None or rule_owns(rule, fits, measure, words)


def _scores(
    book: RuleBook, question: str, history: Sequence[str], ranked: Sequence[str]
) -> dict[str, float]:
    ranked_bare = [c.split(":")[-1] for c in ranked if isinstance(c, str)]
    quantities = quantities_in(question)
    named = book.named_clauses(question)
    points_back = bool(general_pattern("points_back").search(question))
    owners = _alias_owners(book)
    asking = _asking_part(question)
    head = _head_rule(book, asking)
    scores: dict[str, float] = {}
    asking_sentence = _asking_sentence(question)
    words = book_measures(book)
    told = [growth_measure(question, q.span[0], words) for q in quantities]
    # the clause topics the conversation names (this turn, or the turns before it: "我们是双跨
    # 平台……" then "那把总部迁到郑州呢")
    said_clauses = named | {c for turn in history[-3:] for c in book.named_clauses(turn)}
    specialised: dict[str, set[str]] = {}
    negated = negated_keywords(book, question)
    negated_asked = negated_keywords(book, asking_sentence) if asking_sentence else []
    for rule in book.rules.values():
        score = 3.0 * keyword_score(rule, without_negated_keywords(rule, question, negated))
        if rule.id == head:
            score += _HEAD_NOUN
        if asking_sentence:
            asked_as = without_negated_keywords(rule, asking_sentence, negated_asked)
            score += _ASKED_KEYWORD * keyword_score(rule, asked_as)
        if rule.clause in named:
            # the question names this clause's own topic (揭榜挂帅, 首轮流片 …): that outranks
            # the retriever's first clause and generic keywords of other clauses
            score += _TOPIC_BONUS
        held = held_topics(book, rule, question) if rule.clause in said_clauses else set()
        if held:
            # a more specific rule of another clause: the matter of that clause (总部落户) said of
            # the subject this rule's clause names (双跨平台) — it outranks both the general
            # clause (四.3, whoever moves its headquarters) and its own siblings
            score += _TOPIC_BONUS
            specialised[rule.id] = held
        # a quantity the rule's formula can use tips the balance between rules that tie on
        # keywords ("双跨平台，服务收入1000万" → the revenue subsidy, not the fixed award)
        needed = memoised(rule, "needed", lambda r=rule: _needed(r))
        fitting = 2.0 * sum(
            1 for n, q in enumerate(quantities) if _usable(rule, needed, q, told[n], words)
        )
        # what a figure is said to be ("设备投资额就到了5000万", "服务收入300万") belongs to the
        # rule whose input that names, more than a title word elsewhere in the message
        score += _ALIAS_NEAR * sum(
            1
            for q in quantities
            if _alias_before(question, q, [s for s in needed if unit_fits(s, q)])
        )
        # what the asking part of the message names ("设备投资这块能拿多少") is what is asked about
        if asking and any(
            len(a) >= 3 and a in asking
            for s in needed
            if s.type in ("decimal", "integer")
            for a in s.aliases
        ):
            score += _ALIAS_NEAR
        # likewise a level or title the formula needs ("三级证书", "AAA级") named in the question
        levels = [
            said
            for s in needed
            if s.type in ("enum", "enum_list")
            for said in _said_options(s, question)
        ]
        fitting += 2.0 * sum(
            1 for s in needed if s.type in ("enum", "enum_list") and option_mentions(s, question)
        )
        # a level said in words only this rule uses ("AAA级", "三级证书") names the rule; one
        # that many rules use ("国家级") only tips the balance
        score += 2.0 * len({s for s, alias in levels if owners.get(alias, {rule.id}) == {rule.id}})
        # Earlier turns count less the further back they are, and never as much as what this
        # turn names ("央媒广告…" then "那参加展会的补贴比例呢？" is about the booth rule).
        for distance, turn in enumerate(reversed(history), start=2):
            score += keyword_score(rule, turn) / distance
        # a figure's label alone ("买EDA工具软件花了400万": 软件 is an alias of 四.13's input)
        # names the rule only where retrieval finds its clause too
        labelled = rule.clause in ranked_bare[:3] and any(
            _labelled_by(question, q, [s for s in needed if unit_fits(s, q)]) for q in quantities
        )
        if score <= 0 and not points_back and not labelled:
            # retrieval's rank, a figure or a level many rules share are no evidence that this
            # rule's award is asked about ("算力券能领多少" ranks 四.9 first; "国家级的称号"):
            # without a word of its own, no rule —
            # unless the question points back at what was found ("这个补贴最多多少？")
            scores[rule.id] = 0.0
            continue
        score += fitting
        money = [n for n, q in enumerate(quantities) if q.kind == "money"]
        if money and not any(_usable(rule, needed, quantities[n], told[n], words) for n in money):
            score -= _UNUSED_MONEY
        if rule.clause in ranked_bare:
            score += 4.0 / (ranked_bare.index(rule.clause) + 1)
        scores[rule.id] = score
    general = {c for rid, held in specialised.items() if scores[rid] > 0 for c in held}
    for rid, rule in book.rules.items():
        if rule.clause in general:
            scores[rid] = 0.0  # the general clause gives way to the rule specific to the subject
    return scores


def select_rule(
    question: str,
    history: Sequence[str],
    ranked_clause_ids: Sequence[str],
    *,
    rulebook: RuleBook,
) -> Rule | None:
    """The rule of ``rulebook`` the conversation is about, or None when nothing points at one."""
    book = rulebook
    scores = _scores(book, question, list(history or []), list(ranked_clause_ids or []))
    asking = _asking_sentence(question)
    if asked_by_own_word(book, question, asking):
        # the award asked is among those the asking sentence names (see asked_by_own_word)
        named = {rid: v for rid, v in scores.items() if keyword_score(book.rules[rid], asking)}
        scores = named or scores
    for rid in recipients_rule_out(book, asked_recipients(book, question)):
        # "……双跨平台……设立了控股子公司。子公司这边能拿多少？": the subsidiary's award, not the
        # parent's told as its premise
        scores[rid] = 0.0
    best_id = max(scores, key=lambda rid: scores[rid])  # ties: first in the rule file
    return book.rules[best_id] if scores[best_id] > 0 else None


def _best_rule_of_turn(book: RuleBook, turn: str) -> str | None:
    scores = {r.id: keyword_score(r, turn) for r in book.rules.values()}
    best = max(scores, key=lambda rid: scores[rid])
    return best if scores[best] > 0 else None


def relevant_turns(rule: Rule, history: Sequence[str], book: RuleBook) -> list[str]:
    """Earlier turns back to the last one that was clearly about another rule."""
    kept: list[str] = []
    for turn in reversed(list(history)):
        other = _best_rule_of_turn(book, turn)
        if other is not None and other != rule.id and keyword_score(rule, turn) == 0:
            break
        kept.append(turn)
    return list(reversed(kept))
