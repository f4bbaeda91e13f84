"""From a conversation to a rule and its inputs: rule routing and slot filling.

Routing scores each rule by its keywords (from rules.yaml) in the question (weight 3) and in
earlier turns (weight falling with distance), plus a bonus for the clauses the retriever ranked
first; a clause whose distinctive topic term (rules.yaml ``topics``: 揭榜挂帅, 首轮流片 …) the
question itself names gets a larger bonus, so the named topic outranks retrieval's first clause.
Two levels of a 级差 rule with a word of change between them ("从二级升到四级") are an upgrade
within one turn, and ask for the difference. After an award question, a turn that only states
facts of the rule is computed — a fact that rules the award out is answered as ineligible.
Slot filling reads quantities with :mod:`assistant.numbers`, assigns each to the input
whose aliases stand nearest before it (same clause of the sentence, units must agree), reads
yes/no facts, and enum values by longest alias. Later turns win.

A yes/no fact is stated false by a negation scoped to the condition's phrase (没/没有/还没/未/
尚未/不是/并非/非/不属于 up to ten characters before it in the same clause, cut at a contrast
such as 而是/但; or 还没/未 right after it), or by a contrary alias or pattern (第二轮流片,
省级电视台); 不超过/不低于 and the like are masked first, since they bound a number.
A round figure (三千来万) is computed as said, with an assumption that the exact one decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from assistant.answer import AwardResult
from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.format import format_value
from assistant.awards.rules import InputSpec, Rule, RuleBook, default_rulebook
from assistant.numbers import NumberError, Quantity, extract_quantities, to_decimal
from assistant.understand.lexicon import general_pattern, general_words

# Question vocabulary lives in data (assistant/understand/general_lexicon.yaml), not here.
_AWARD_WORDS = general_words("award_words")
_ASK_WORDS = general_words("ask_words")
# Asking what support a topic gets ("双跨平台有什么奖励"): on its own an overview question
# (answered from the clause text), but it opens a calculation that a later turn stating facts
# carries on — and a fixed award named in words is computed (see :func:`answer_award`).
_TOPIC_ASKS = general_words("topic_asks")
_STRONG_ASKS = general_words("strong_asks")
_COLLOQUIAL_ASK = general_pattern("colloquial_ask")
_FOLLOW_MARKERS = general_words("follow_markers")
_OWN_QUESTION = general_words("own_question")  # a turn asking a question of its own
_NEGATIONS = general_words("negations")
_UNSURE = general_words("unsure")
_NEG_WORDS = general_words("negation_words")
_NEG_SCOPE = 10  # characters before the phrase, within the same clause of the sentence
_NOT_NEGATION = general_pattern("not_negation")
_SCOPE_BREAK = general_pattern("scope_break")
_NEG_AFTER = general_pattern("negation_after")
_PREVIOUS_MARKERS = general_words("previous_markers")
_ADDITIVE_MARKERS = general_words("additive_markers")
_UPGRADE_MARKERS = general_words("upgrade_markers")
_CHANGE_MARKERS = general_words("change_markers")
_NOT_ABOUT_AMOUNT = general_words("not_about_amount")
_NOT_A_VALUE_START = "".join(general_words("not_a_value_start"))
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
    if any(w in text for w in _STRONG_ASKS) or _COLLOQUIAL_ASK.search(text):
        return True
    has_award = any(w in text for w in _AWARD_WORDS)
    asks = any(w in text for w in _ASK_WORDS)
    has_money = any(q.kind == "money" for q in _quantities(text))
    if has_award and (asks or has_money):
        return True
    # "原来是省级智能工厂，现在评上国家级示范工厂了呢？": an upgrade between two levels of a
    # 级差 rule asks what the difference pays, with or without a reward word
    return states_upgrade(text)


def states_upgrade(text: str, rulebook: RuleBook | None = None) -> bool:
    """Does ``text`` state a move from one level of a tiered (级差) rule to a higher or other
    one ("从二级升到四级", "之前是智能车间，现在是标杆")? Two levels alone ("车间和工厂有什么
    区别") are not an upgrade: a word of change must stand between them."""
    if not isinstance(text, str) or any(w in text for w in _NOT_ABOUT_AMOUNT):
        return False
    book = rulebook or default_rulebook()
    for rule in book.rules.values():
        level, prev = rule.formula.get("level"), rule.formula.get("previous_level")
        if not (level and prev):
            continue
        mentions = _option_mentions(rule.input(level), text)
        if len({v for _, v in mentions}) < 2:
            continue
        between = text[mentions[0][0] : mentions[-1][0]]
        if any(m in between for m in _CHANGE_MARKERS):
            return True
    return False


def asks_about_awards(text: str) -> bool:
    """An award question, or a question what support a topic gets ("…有什么奖励"). A turn
    after one of these that states facts of a rule is computed (see :func:`answer_award`)."""
    if is_award_question(text):
        return True
    if not isinstance(text, str):
        return False
    return any(w in text for w in _AWARD_WORDS) and any(w in text for w in _TOPIC_ASKS)


def _keyword_score(rule: Rule, text: str) -> int:
    """Characters of ``text`` covered by the rule's keywords (first occurrence of each). A
    keyword inside a longer one ("平台" in "工业互联网平台") adds nothing, so a rule with many
    short generic keywords does not outscore one whose specific phrase was said."""
    covered: set[int] = set()
    for k in rule.keywords:
        pos = text.find(k) if k else -1
        if pos >= 0:
            covered.update(range(pos, pos + len(k)))
    return len(covered)


def _usable_inputs(rule: Rule) -> set[str]:
    """Inputs the formula needs, plus those it can derive them from (两年收入 → 增长率)."""
    names = {s.name for s in rule.inputs if rule.formula_needs(s.name)}
    for d in rule.formula.get("derive", []):
        names.update(d["from"])
    names.update(s.fallback_from for s in rule.inputs if s.fallback_from)
    return names


# Larger than the retrieval bonus (4) plus what generic keywords can add (数字化改造 ≈ 15).
_TOPIC_BONUS = 30.0
# An input alias of 3+ characters right before a figure (within _ALIAS_REACH characters, same
# clause of the sentence) outweighs a tie on title keywords; tuned on evals/dev/understanding.jsonl.
_ALIAS_NEAR = 5.0
_ALIAS_REACH = 12


def _alias_before(text: str, q: Quantity, specs: Sequence[InputSpec]) -> bool:
    start = max(text.rfind(p, 0, q.span[0]) for p in "，,。；;？?！!") + 1
    before = text[max(start, q.span[0] - _ALIAS_REACH) : q.span[0]]
    return any(len(a) >= 3 and a in before for s in specs for a in s.aliases)


def _scores(
    book: RuleBook, question: str, history: Sequence[str], ranked: Sequence[str]
) -> dict[str, float]:
    ranked_bare = [c.split(":")[-1] for c in ranked if isinstance(c, str)]
    quantities = _quantities(question)
    named = book.named_clauses(question)
    scores: dict[str, float] = {}
    for rule in book.rules.values():
        score = 3.0 * _keyword_score(rule, question)
        if rule.clause in named:
            # the question names this clause's own topic (揭榜挂帅, 首轮流片 …): that outranks
            # the retriever's first clause and generic keywords of other clauses
            score += _TOPIC_BONUS
        # a quantity the rule's formula can use tips the balance between rules that tie on
        # keywords ("双跨平台，服务收入1000万" → the revenue subsidy, not the fixed award)
        needed = [s for s in rule.inputs if s.name in _usable_inputs(rule)]
        score += 2.0 * sum(1 for q in quantities if any(_unit_fits(s, q) for s in needed))
        # what a figure is said to be ("设备投资额就到了5000万", "服务收入300万") belongs to the
        # rule whose input that names, more than a title word elsewhere in the message
        score += _ALIAS_NEAR * sum(
            1
            for q in quantities
            if _alias_before(question, q, [s for s in needed if _unit_fits(s, q)])
        )
        # likewise a level or title the formula needs ("三级证书", "AAA级") named in the question
        score += 2.0 * sum(
            1 for s in needed if s.type in ("enum", "enum_list") and _option_mentions(s, question)
        )
        # Earlier turns count less the further back they are, and never as much as what this
        # turn names ("央媒广告…" then "那参加展会的补贴比例呢？" is about the booth rule).
        for distance, turn in enumerate(reversed(history), start=2):
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


def _assign_quantities(
    rule: Rule,
    text: str,
    quantities: list[Quantity],
    approx: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Each quantity to an input; ``approx`` collects the round figures (三千来万) per input."""
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


def _option_mentions(spec: InputSpec, text: str) -> list[tuple[int, str]]:
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


def _extract_turn(
    rule: Rule, text: str, approx: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    found = _assign_quantities(rule, text, extract_quantities(text), approx)
    for spec in rule.inputs:
        if spec.type == "bool":
            value = _read_bool(spec, text)
            if value is not None:
                found[spec.name] = value
    found.update(_read_enums(rule, text))
    return found


def _carry_previous_level(
    rule: Rule, inputs: dict[str, Any], found: dict[str, Any], text: str
) -> None:
    """ "省级智能车间奖多少？" then "我们拿过这个奖，后来又评上了标杆": the level of the earlier
    turn is the one already awarded, so the new one pays the difference (级差)."""
    level, prev = rule.formula.get("level"), rule.formula.get("previous_level")
    if not (level and prev) or prev in found or level not in found:
        return
    earlier = inputs.get(level)
    changed = earlier is not None and earlier != found[level]
    if changed and any(m in text for m in _UPGRADE_MARKERS):
        found[prev] = earlier


def extract_inputs(rule: Rule, texts: Sequence[str]) -> tuple[dict[str, Any], set[str]]:
    """Inputs for ``rule`` from the turns (oldest first; later turns win) and the stated names.

    A bad number (negative, absurd) in the last text raises NumberError; in an earlier turn
    that turn is skipped, since the user has moved on.
    """
    inputs, _approx = _extract_all(rule, texts)
    return inputs, set(inputs)


def _extract_all(rule: Rule, texts: Sequence[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """:func:`extract_inputs`' values, plus the round figures each value was read from."""
    inputs: dict[str, Any] = {}
    approx_by_name: dict[str, list[str]] = {}
    texts = [t for t in texts if isinstance(t, str)]
    for n, text in enumerate(texts):
        approx: dict[str, list[str]] = {}
        try:
            found = _extract_turn(rule, text, approx)
        except NumberError:
            if n == len(texts) - 1:
                raise
            continue
        for name in found:
            # a later turn's figure replaces the earlier one, and with it the "about" note
            approx_by_name.pop(name, None)
        approx_by_name.update(approx)
        _carry_previous_level(rule, inputs, found, text)
        for name, value in found.items():
            earlier = inputs.get(name)
            if (
                isinstance(value, list)
                and isinstance(earlier, list)
                and any(m in text for m in _ADDITIVE_MARKERS)
            ):
                # "同一年还拿了省级…" adds to the titles named before
                value = list(dict.fromkeys([*earlier, *value]))
            inputs[name] = value
    return inputs, approx_by_name


def _approx_notes(rule: Rule, inputs: dict[str, Any], approx: dict[str, list[str]]) -> list[str]:
    """ "三千来万" was computed as 3000万元: say so, and that the exact figure decides."""
    notes = []
    for name, raws in approx.items():
        if name not in inputs:
            continue
        spec = rule.input(name)
        said = "、".join(f"“{r}”" for r in raws)
        try:
            shown = format_value(to_decimal(inputs[name]), spec.unit)
        except NumberError:
            continue
        notes.append(
            f"您说的{said}是约数，{spec.label}暂按{shown}计算；"
            "实际补助以经审核的准确数额为准，结果可能随之变化"
        )
    return notes


def _after_award_question(history: Sequence[str]) -> bool:
    return any(asks_about_awards(t) for t in list(history)[-3:])


def _is_follow_up(question: str, history: Sequence[str]) -> bool:
    if not _after_award_question(history):
        return False
    return bool(_quantities(question)) or any(m in question for m in _FOLLOW_MARKERS)


def _asks_something(text: str) -> bool:
    return any(w in text for w in _OWN_QUESTION)


def _states_facts_for(rule: Rule, question: str) -> bool:
    """After an award question, a turn that only states facts of the rule ("我们是规上企业，
    拿到了三级证书") carries the calculation on."""
    try:
        return bool(_extract_turn(rule, question))
    except NumberError:
        return True  # a bad number is still meant for the calculation: answer with the error


def _names_fixed_award(rule: Rule, question: str) -> bool:
    """The question's own words name a rule whose amount the clause fixes (no input needed)."""
    return rule.kind == "fixed" and _keyword_score(rule, question) > 0


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
    asked = is_award_question(question) or _is_follow_up(question, history)
    topic_ask = not asked and asks_about_awards(question)
    if not asked and not topic_ask and not _after_award_question(history):
        return None
    rule = select_rule(question, history, ranked_clause_ids, rulebook=book)
    if rule is None:
        return None
    if topic_ask and _names_fixed_award(rule, question):
        # "我们是双跨平台，总部落户郑州，有什么奖励": the clause fixes the amount, so the
        # question asked in words is answered with it
        asked = True
    elif topic_ask and not _after_award_question(history):
        return None
    if not asked and not _states_facts_for(rule, question):
        return None
    # a turn that only states facts and names none of the rule's words ("其实是第二次了，上次
    # 已经领过") carries the calculation on; if it also asks something else ("我们是规上企业，
    # 这个政策有效期多久？") it is that other question — unless its facts rule the award out,
    # which must be said rather than ignored
    bare_facts = not asked and not _keyword_score(rule, question)
    turns = [*relevant_turns(rule, history, book), question]
    try:
        inputs, approx = _extract_all(rule, turns)
    except NumberError as exc:
        return _error_result(rule, str(exc))
    try:
        result = evaluate(rule.id, inputs, today=today, stated=set(inputs), rulebook=book)
    except AwardInputError as exc:
        return _error_result(rule, str(exc))
    if bare_facts and result.eligible is not False and _asks_something(question):
        return None
    result.assumptions.extend(_approx_notes(rule, inputs, approx))
    return result


def answer_awards(
    question: str,
    history: list[str],
    ranked_clause_ids: list[str],
    today: date,
    *,
    rulebook: RuleBook | None = None,
) -> list[AwardResult]:
    """Every award this turn asks about, in the order the message names them.

    A message whose quantities belong to two or more rules (see
    :mod:`assistant.understand.frames`) gets one result per rule, each computed only from its
    own part of the message; otherwise the single award of :func:`answer_award`.
    """
    from assistant.understand.frames import frames  # frames use this module's unit rules

    if not isinstance(question, str):
        return []
    book = rulebook or default_rulebook()
    history = [h for h in history or [] if isinstance(h, str)]
    asked = (
        is_award_question(question)
        or _is_follow_up(question, history)
        or asks_about_awards(question)
        or any(w in question for w in general_words("compound_asks"))
    )
    found = frames(book, question) if asked else []
    if not found:
        single = answer_award(question, history, ranked_clause_ids, today, rulebook=book)
        return [single] if single is not None else []
    results: list[AwardResult] = []
    for frame in found:
        try:
            inputs, approx = _extract_all(frame.rule, [frame.text])
        except NumberError as exc:
            results.append(_error_result(frame.rule, str(exc)))
            continue
        try:
            result = evaluate(frame.rule.id, inputs, today=today, stated=set(inputs), rulebook=book)
        except AwardInputError as exc:
            results.append(_error_result(frame.rule, str(exc)))
            continue
        result.assumptions.extend(_approx_notes(frame.rule, inputs, approx))
        results.append(result)
    return results
