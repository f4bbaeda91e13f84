"""Awards across the turns of a conversation: the rule, its inputs from the relevant turns (later
turns win, a correction replaces the earlier figure, an upgrade pays the difference), and the
evaluation by the rule module. After an award question, a turn that only states facts of the
rule is computed — a fact that rules the award out is answered as ineligible.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from assistant.answer import AwardResult
from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.format import format_money, format_value
from assistant.awards.rules import Rule, RuleBook
from assistant.numbers import NumberError, extract_quantities, to_decimal
from assistant.understand.amounts import foreign_amounts
from assistant.understand.asks import (
    asks_about_awards,
    is_award_question,
    part_asks,
    quantities_in,
)
from assistant.understand.choose import keyword_score, relevant_turns, select_rule
from assistant.understand.figures import (
    COUNT_BOUND,
    DERIVED,
    LOWER_BOUND,
    MIXED,
    OTHER_COST,
    OTHER_YEAR,
    WHICH_FIGURE,
)
from assistant.understand.frames import Frame, frames, states_identity
from assistant.understand.lexicon import general_pattern, general_words
from assistant.understand.mentions import (
    LEFT_OUT,
    NOT_EXACT,
    OTHER_TITLE,
    SEVERAL,
    BookContext,
    earlier_level_unsaid,
    extract_turn,
    one_figure_input,
    option_mentions,
)
from assistant.understand.received import EARLIER_RECEIVED, UNDATED_RECEIVED
from assistant.understand.rises import last_measure, measures

_FOLLOW_MARKERS = general_words("follow_markers")

_OWN_QUESTION = general_words("own_question")  # a turn asking a question of its own

_ADDITIVE_MARKERS = general_words("additive_markers")

_UPGRADE_MARKERS = general_words("upgrade_markers")

_CORRECTION_MARKERS = general_words("correction_markers")

_CONTEXTS: dict[int, tuple[RuleBook, BookContext]] = {}


def book_context(book: RuleBook | None) -> BookContext:
    """The other rules' labels and topics, for attributing figures (cached per book)."""
    if book is None:
        return BookContext()
    cached = _CONTEXTS.get(id(book))
    if cached is None or cached[0] is not book:
        labels = frozenset(
            a for r in book.rules.values() for s in r.inputs for a in s.aliases if len(a) >= 2
        )
        topics = tuple((c, t) for c, terms in book.topics.items() for t in terms if t)
        cached = (book, BookContext(labels=labels, topics=topics))
        _CONTEXTS[id(book)] = cached
    return cached[1]


def _carry_previous_level(
    rule: Rule, inputs: dict[str, Any], found: dict[str, Any], text: str
) -> None:
    """ "省级智能车间奖多少？" then "我们拿过这个奖，后来又评上了标杆": the level of the earlier
    turn is the one already awarded, so the new one pays the difference (级差)."""
    upgrade = rule.formula.upgrade
    if upgrade is None:
        return
    level, prev = upgrade
    if prev in found or level not in found:
        return
    earlier = inputs.get(level)
    changed = earlier is not None and earlier != found[level]
    if changed and any(m in text for m in _UPGRADE_MARKERS):
        found[prev] = earlier


def extract_inputs(
    rule: Rule, texts: Sequence[str], book: RuleBook | None = None
) -> tuple[dict[str, Any], set[str]]:
    """Inputs for ``rule`` from the turns (oldest first; later turns win) and the stated names.

    A bad number (negative, absurd) in the last text raises NumberError; in an earlier turn
    that turn is skipped, since the user has moved on.
    """
    inputs, _approx = _extract_all(rule, texts, book)
    return inputs, set(inputs)


def _extract_all(
    rule: Rule, texts: Sequence[str], book: RuleBook | None = None, before: Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """:func:`extract_inputs`' values, plus the round figures each value was read from.
    ``before``: the turns before ``texts`` (about other rules), where a measure a rise of the
    first text leaves unsaid may have been named ("去年服务收入800万" → "今年增长了25%")."""
    inputs: dict[str, Any] = {}
    approx_by_name: dict[str, list[str]] = {}
    qualified: dict[str, bool] = {}  # the turn that gave an input's figure said a condition met
    texts = [t for t in texts if isinstance(t, str)]
    context = book_context(book)
    words = measures(context.labels)
    for n, text in enumerate(texts):
        approx: dict[str, list[str]] = {}
        told = [*before, *texts[:n]]
        earlier = next(
            (m for t in reversed(told) if isinstance(t, str) and (m := last_measure(t, words))),
            None,
        )
        try:
            found = extract_turn(rule, text, approx, context, earlier)
        except NumberError:
            if n == len(texts) - 1:
                raise
            continue
        _keep_qualified_figure(rule, inputs, found, text, qualified, approx)
        for name in found:
            # a later turn's figure replaces the earlier one, and with it the "about" note
            approx_by_name.pop(name, None)
            approx_by_name.pop(DERIVED + name, None)
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
            elif _adds_to_earlier(rule, name, earlier, value, text):
                # "展位费20万" then "另外还有布展费10万": a further part of a summed input
                value = earlier + value
            inputs[name] = value
    return inputs, approx_by_name


def _keep_qualified_figure(
    rule: Rule,
    inputs: dict[str, Any],
    found: dict[str, Any],
    text: str,
    qualified: dict[str, bool],
    approx: dict[str, list[str]],
) -> None:
    """ "首轮流片花了900万" then "后来改版又流了一次花了700万": a later turn's figure for an
    input that takes one figure, said of no condition, does not replace one an earlier turn
    said meets a condition — unless the turn corrects it or asks what if ("那如果…呢")."""
    conditions = [s.name for s in rule.inputs if s.type == "bool"]
    said_true = any(found.get(c) is True for c in conditions)
    said_any = any(c in found for c in conditions)
    # "后来改版又流了一次花了600万": a turn saying only that a condition fails is of another
    # run than the figure said to meet it, which stands — and so does the condition
    other_run = said_any and not said_true
    replaces = any(m in text for m in (*_FOLLOW_MARKERS, *_CORRECTION_MARKERS))
    for spec in rule.inputs:
        if spec.name not in found or not one_figure_input(rule, spec):
            continue
        kept = qualified.get(spec.name) and (not said_any or other_run)
        if spec.name in inputs and kept and not replaces:
            del found[spec.name]
            for c in conditions:
                if found.get(c) is False:
                    del found[c]
            said = "，".join(p for p in re.split(r"[，,。；;？?！!]", text) if re.search(r"\d", p))
            approx.setdefault(LEFT_OUT, []).append(said or text)
            continue
        qualified[spec.name] = said_true


def _adds_to_earlier(rule: Rule, name: str, earlier: Any, value: Any, text: str) -> bool:
    spec = next((s for s in rule.inputs if s.name == name), None)
    if spec is None or spec.aggregate != "sum" or earlier is None or isinstance(value, bool):
        return False
    if any(m in text for m in _CORRECTION_MARKERS):
        return False
    return any(m in text for m in _ADDITIVE_MARKERS)


# The key under which ``approx`` keeps the notes of figures said only as a floor ("一千多万")
# of an input the amount is computed from: each note as it is shown.
FLOOR = "__floor__"


def _said_as_floor(raw: str) -> bool:
    try:
        return any(q.at_least for q in extract_quantities(raw))
    except NumberError:
        return False


def _computed_as(value: Any, approx: dict[str, list[str]]) -> str | None:
    """The words of a part left out that say to compute by ``value`` ("按两千万算"), or None."""
    pattern = general_pattern("compute_as")
    for said in approx.get(LEFT_OUT, []):
        for m in pattern.finditer(said):
            try:
                qs = extract_quantities(m.group("f"))
            except NumberError:
                continue
            if len(qs) == 1 and not qs[0].approx and qs[0].value == to_decimal(value):
                return said
    return None


def hold_floors(rule: Rule, inputs: dict[str, Any], approx: dict[str, list[str]]) -> None:
    """ "智能化改造投了一千多万": a figure said as a floor with an unknown excess (X多, X余,
    十几万, 20%多) is no input the amount is computed from — computed as X it is certainly too
    low. The input is asked for, saying what was understood; a money floor is kept as a lower
    bound, which settles the amount when it already reaches the cap (settle_lower_bounds).
    Conditions checked against such a figure are left as read."""
    for name in list(inputs):
        raws = approx.get(name) or []
        if name not in rule.formula.amount_inputs or not any(_said_as_floor(r) for r in raws):
            continue
        chosen = _computed_as(inputs[name], approx)
        if chosen is not None:
            # "两千多万，按两千万算": the message chose the floor as the basis; computed, caveated
            approx[LEFT_OUT].remove(chosen)
            continue
        spec = rule.input(name)
        floors = "、".join(f"“{r}”" for r in raws if _said_as_floor(r))
        note = f"您说的是{floors}，超出的部分不明，{spec.label}未据此计算；请提供准确的{spec.label}"
        approx.setdefault(FLOOR, []).append(note)
        if spec.unit == "yuan" and len(raws) == 1:
            approx[LOWER_BOUND + name] = [str(inputs[name]), note, raws[0]]
        del inputs[name]
        approx.pop(name)


def _rounding_reach(value: Decimal) -> Decimal:
    """Half a unit of the last significant digit of a round figure: 大约400万 → 50万,
    大约1050万 → 5万 — how far the figure said about may stand from the exact one."""
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        return Decimal(0)
    return Decimal(5) * Decimal(10) ** (exponent - 1)


def hold_near_steps(
    rule: Rule,
    inputs: dict[str, Any],
    approx: dict[str, list[str]],
    today: date,
    book: RuleBook,
) -> None:
    """ "新增标识注册量大约400万条" on "每超过200万条给予10万元": a round figure of the base of a
    stepped rule gives the step count only when every figure it may round is in one step; near a
    step boundary the count is in doubt, so the exact figure is asked for. (A proportional rule
    computes the round figure with a caveat, see _approx_notes.)"""
    if rule.kind != "per_step_with_cap":
        return
    name = getattr(rule.formula, "base", None)
    raws = approx.get(name) if isinstance(name, str) else None
    if not raws or name not in inputs:
        return
    try:
        value = to_decimal(inputs[name])
        reach = _rounding_reach(value)
        ends = [
            evaluate(rule.id, {**inputs, name: v}, today=today, stated=set(inputs), rulebook=book)
            for v in (max(value - reach, Decimal(0)), value + reach)
        ]
    except (AwardInputError, NumberError):
        return
    if ends[0].amount_yuan == ends[1].amount_yuan and ends[0].eligible == ends[1].eligible:
        return
    spec = rule.input(name)
    said = "、".join(f"“{r}”" for r in raws)
    approx.setdefault(FLOOR, []).append(
        f"您说的{said}是约数，接近本项分档的界限，按约数不能确定档数，{spec.label}未据此计算；"
        f"请提供准确的{spec.label}"
    )
    del inputs[name]
    approx.pop(name)


def settle_lower_bounds(
    rule: Rule,
    inputs: dict[str, Any],
    approx: dict[str, list[str]],
    today: date,
    book: RuleBook,
) -> None:
    """ "场地费和布展费加起来超过200万": if the award at the lower bound already reaches the
    rule's cap, every larger figure does too (the formulas grow with their base), so the bound
    settles the amount; otherwise the figure stays missing and is asked for."""
    cap = rule.cap
    for key in [k for k in approx if k.startswith(LOWER_BOUND)]:
        value, note, said = approx.pop(key)
        name = key[len(LOWER_BOUND) :]
        if cap is None or name in inputs:
            continue
        trial = {**inputs, name: to_decimal(value)}
        try:
            result = evaluate(rule.id, trial, today=today, stated=set(trial), rulebook=book)
        except (AwardInputError, NumberError):
            continue
        if result.amount_yuan is None or result.missing or result.amount_yuan < cap:
            continue
        inputs[name] = trial[name]
        for kept in (NOT_EXACT, FLOOR):
            if note in approx.get(kept, []):
                approx[kept].remove(note)
        approx.setdefault(BOUND_SETTLES, []).append(said)


def _bound_range(op: str, value: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """The whole counts a bound allows, as (lowest, highest); None is open."""
    if op == ">":
        return Decimal(math.floor(value)) + 1, None
    if op == ">=":
        return Decimal(math.ceil(value)), None
    if op == "<":
        return None, Decimal(math.ceil(value)) - 1
    if op == "<=":
        return None, Decimal(math.floor(value))
    return None, None


def bound_meets(op: str, value: Decimal, cond_op: str, threshold: Any) -> bool:
    """Does every whole count the bound allows ("超过200家": 201 and up) meet the condition
    (服务企业数 > 200)? Only then is the condition met without the exact count."""
    low, high = _bound_range(op, value)
    try:
        t = Decimal(str(threshold))
    except ArithmeticError:
        return False
    if cond_op == ">":
        return low is not None and low > t
    if cond_op == ">=":
        return low is not None and low >= t
    if cond_op == "<":
        return high is not None and high < t
    if cond_op == "<=":
        return high is not None and high <= t
    return False


def settle_count_bounds(
    rule: Rule, result: AwardResult, inputs: dict[str, Any], approx: dict[str, list[Any]]
) -> None:
    """ "服务企业超过200家": a count said as a bound meets a condition on it when every count the
    bound allows does (the condition "超过200家" itself); then the answer says so instead of
    assuming it. Any other comparison needs the exact count, so it is asked for — a bound never
    decides that a condition fails."""
    unsettled = []
    for name, op, value, words in approx.pop(COUNT_BOUND, []):
        said = words.strip(" ，,、；;。和及与跟")
        if name in inputs:
            continue  # the exact count was said too
        conds = [c for c in rule.conditions if c.input == name and c.threshold is not None]
        if not conds:
            continue
        spec = rule.input(name)
        number = Decimal(value)
        if all(bound_meets(op, number, c.op, c.threshold) for c in conds):
            for c in conds:
                result.assumptions = [
                    a for a in result.assumptions if not a.startswith(c.assumption)
                ]
                result.assumptions.append(f"您说的“{said}”满足“{c.phrase}”的条件")
            continue
        for c in conds:
            result.assumptions = [a for a in result.assumptions if not a.startswith(c.assumption)]
        unsettled.append((spec, said, conds))
    if not unsettled or result.eligible is False:
        return
    result.amount_yuan, result.eligible, result.upper_bound = None, None, False
    result.steps = []
    asks = []
    for spec, said, conds in unsettled:
        if spec.label not in result.missing:
            result.missing.append(spec.label)
        phrases = "、".join(f"“{c.phrase}”" for c in conds)
        asks.append(f"您说的“{said}”不是确切数，无法判断是否符合{phrases}的条件，{spec.ask()}")
    result.follow_up = "".join(asks) + (result.follow_up or "")


# The key under which ``approx`` keeps lower bounds that settled the amount at the cap.
BOUND_SETTLES = "__bound_settles__"


def _derived_steps(
    result: AwardResult, inputs: dict[str, Any], approx: dict[str, list[str]]
) -> None:
    """A figure derived from a base and a rise ("比去年的1000万增长了20%") shows how, first."""
    steps = [
        step
        for key, said in approx.items()
        if key.startswith(DERIVED) and key[len(DERIVED) :] in inputs
        for step in said
    ]
    if steps and result.steps is not None:
        result.steps[:0] = steps


def _approx_notes(rule: Rule, inputs: dict[str, Any], approx: dict[str, list[str]]) -> list[str]:
    """ "三千来万" was computed as 3000万元: say so, and that the exact figure decides."""
    notes = []
    for said in approx.get(LEFT_OUT, []):
        notes.append(f"您提到的“{said}”未说明属于本项的计算基数，未计入；如属于，请告诉我")
    for said, costs in approx.get(OTHER_COST, []):
        basis = "、".join(
            s.label for s in rule.inputs if s.unit == "yuan" and rule.formula_needs(s.name)
        )
        notes.append(
            f"您提到的“{said}”是{costs}的费用，不属于本项的计算基数"
            + (f"（{basis}）" if basis else "")
            + "，未计入"
        )
    for said in approx.get(NOT_EXACT, []):
        notes.append(f"您提到的{said}，不是确切金额，未据此计算，请告诉我确切的金额")
    notes.extend(n for n in approx.get(FLOOR, []) if n not in notes)
    notes.extend(n for n in approx.get(SEVERAL, []) if n not in notes)
    for said in approx.get(EARLIER_RECEIVED, []):
        notes.append(f"您提到的“{said}”是往年获得的资金，不占本年度额度，未计入")
    for yes, no, label in approx.get(MIXED, []):
        notes.append(
            f"您说的金额既含{yes}也含{no}，本项只按{yes}的部分计算，未据合计数计算；"
            f"请告诉我其中{yes}部分的{label}"
        )
    notes.extend(n for n in approx.get(OTHER_YEAR, []) if n not in notes)
    notes.extend(n for n in approx.get(OTHER_TITLE, []) if n not in notes)
    notes.extend(n for n in approx.get(WHICH_FIGURE, []) if n not in notes)
    for said in approx.get(BOUND_SETTLES, []):
        notes.append(
            f"您说的“{said}”是一个下限，按下限计算已达到本项上限，更高的金额也按上限计，"
            "故按上限测算；实际金额以审核为准"
        )
    for name, raws in approx.items():
        if name in (
            LEFT_OUT,
            NOT_EXACT,
            FLOOR,
            SEVERAL,
            OTHER_COST,
            BOUND_SETTLES,
            EARLIER_RECEIVED,
            UNDATED_RECEIVED,
            OTHER_YEAR,
            OTHER_TITLE,
            MIXED,
            WHICH_FIGURE,
        ):
            continue
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


def _after_award_question(history: Sequence[str], book: RuleBook) -> bool:
    return any(asks_about_awards(t, [book]) for t in list(history)[-3:])


def _is_follow_up(question: str, history: Sequence[str], book: RuleBook) -> bool:
    if not _after_award_question(history, book):
        return False
    return bool(quantities_in(question)) or any(m in question for m in _FOLLOW_MARKERS)


def _asks_something(text: str) -> bool:
    return any(w in text for w in _OWN_QUESTION)


def _states_facts_for(rule: Rule, question: str) -> bool:
    """After an award question, a turn that only states facts of the rule ("我们是规上企业，
    拿到了三级证书") carries the calculation on."""
    try:
        return bool(extract_turn(rule, question))
    except NumberError:
        return True  # a bad number is still meant for the calculation: answer with the error


def _states_a_figure_of_a_named_topic(book: RuleBook, question: str) -> bool:
    """ "去年参加了服博会，展位费和布展费共60万": a figure for a clause the message names is
    stated to be computed, even without a question word."""
    has_money = any(q.kind == "money" for q in quantities_in(question))
    return has_money and bool(book.named_clauses(question))


def _names_fixed_award(rule: Rule, question: str) -> bool:
    """The question's own words name a rule whose amount the clause fixes (no input needed),
    outside a statement of who the enterprise is ("我们是全国电子信息百强，想把总部搬到郑州"
    names 百强 as a premise, not as the award asked about)."""
    if not rule.formula.amount_is_fixed:
        return _states_obtained_level(rule, question)
    parts = [p for p in re.split(r"[，,。；;！!？?]", question) if p.strip()]
    asked = [p for p in parts if not states_identity(p)]
    return any(keyword_score(rule, p) > 0 for p in asked)


def _states_obtained_level(rule: Rule, question: str) -> bool:
    """A title stated as obtained ("获得了省级智能工厂称号，有什么奖励"): the amount is set by
    a title or level alone and the question says which one was obtained, so the clause fixes
    it as surely as a fixed award. Without a word of obtaining ("智能工厂有什么奖励") it stays
    an overview of the clause."""
    upgrade = rule.formula.upgrade
    names = [n for n in rule.formula.amount_inputs if upgrade is None or n != upgrade.previous]
    specs = [rule.input(n) for n in names]
    if not specs or any(s.type not in ("enum", "enum_list") for s in specs):
        return False
    if not any(w in question for w in general_words("obtained_markers")):
        return False
    return all(option_mentions(s, question) for s in specs)


def _error_result(book: RuleBook, rule: Rule, message: str) -> AwardResult:
    needed = [s.label for s in rule.inputs if rule.formula_needs(s.name)]
    return AwardResult(
        rule=book.ref(rule.id),
        clause=book.ref(rule.clause),
        policy=book.policy,
        title=rule.title,
        kind=rule.kind,
        eligible=None,
        amount_yuan=None,
        missing=needed,
        error=message,
        follow_up=f"{message}。请核对后重新告诉我具体数额。",
    )


def _ask_received_year(
    book: RuleBook, rule: Rule, result: AwardResult, inputs: dict, approx: dict, today: date
) -> None:
    """An award said received without a year ("已经领了流片补助300万"): counted as this year's
    it lowers the amount, so which year it was is asked, with what each answer gives."""
    said = approx.get(UNDATED_RECEIVED)
    received = rule.received_input
    if not said or received is None or result.amount_yuan is None:
        return
    alone = {k: v for k, v in inputs.items() if k != received}
    other = evaluate(rule.id, alone, today=today, stated=set(alone), rulebook=book)
    if other.amount_yuan is None or other.amount_yuan == result.amount_yuan:
        return
    words = "、".join(f"“{w}”" for w in said)
    result.follow_up = (
        f"请问您说的{words}是本年度获得的吗？本款同一年度合计有上限："
        f"如是本年度获得，可获{format_money(result.amount_yuan)}；"
        f"如是往年获得，可获{format_money(other.amount_yuan)}。"
    )
    result.amount_yuan, result.eligible, result.steps = None, None, []
    result.missing = [rule.input(received).label]


def _ask_earlier_level(rule: Rule, result: AwardResult, text: str, inputs: dict) -> None:
    """An earlier award of the ladder without its level: the amount waits for that level."""
    if result.amount_yuan is None or not earlier_level_unsaid(rule, text, inputs):
        return
    upgrade = rule.formula.upgrade
    assert upgrade is not None
    spec = rule.input(upgrade.previous)
    result.amount_yuan, result.eligible = None, None
    result.steps = []
    result.missing = [spec.label]
    result.follow_up = (
        f"请问此前获得的是哪一个（{'、'.join(spec.option_values())}）？"
        "同一企业获得不同等级的，按两者标准之差奖励。"
    )


def _needs_money(rule: Rule) -> bool:
    return any(s.unit == "yuan" and rule.formula_needs(s.name) for s in rule.inputs)


def _foreign_result(book: RuleBook, rule: Rule, text: str) -> AwardResult | None:
    """A figure in another currency is never converted: the award asks for it in yuan."""
    said = foreign_amounts(text)
    if not said or not _needs_money(rule):
        return None
    shown = "、".join(f"“{s}”" for s in dict.fromkeys(said))
    return _error_result(
        book,
        rule,
        f"您说的{shown}是外币金额，本政策按人民币计算，不作汇率换算，"
        "请提供折合人民币的金额（以实际支付或入账的人民币金额为准）",
    )


def answer_award(
    question: str,
    history: list[str],
    ranked_clause_ids: list[str],
    today: date,
    *,
    rulebook: RuleBook,
) -> AwardResult | None:
    """The award for this turn of the conversation, or None when no amount is asked about."""
    if not isinstance(question, str):
        return None
    book = rulebook
    history = [h for h in history or [] if isinstance(h, str)]
    asked = (
        is_award_question(question, [book])
        or _is_follow_up(question, history, book)
        or _states_a_figure_of_a_named_topic(book, question)
    )
    topic_ask = not asked and asks_about_awards(question, [book])
    if not asked and not topic_ask and not _after_award_question(history, book):
        return None
    rule = select_rule(question, history, ranked_clause_ids, rulebook=book)
    if rule is None:
        return None
    if topic_ask and (_names_fixed_award(rule, question) or foreign_amounts(question)):
        # … or it states a figure in another currency: say so and ask for it in yuan
        # "我们是双跨平台，总部落户郑州，有什么奖励": the clause fixes the amount, so the
        # question asked in words is answered with it
        asked = True
    elif topic_ask and not _after_award_question(history, book):
        return None
    if not asked and not _states_facts_for(rule, question):
        return None
    # a turn that only states facts and names none of the rule's words ("其实是第二次了，上次
    # 已经领过") carries the calculation on; if it also asks something else ("我们是规上企业，
    # 这个政策有效期多久？") it is that other question — unless its facts rule the award out,
    # which must be said rather than ignored
    bare_facts = not asked and not keyword_score(rule, question)
    foreign = _foreign_result(book, rule, question)
    if foreign is not None:
        return foreign
    relevant = relevant_turns(rule, history, book)
    turns = [*relevant, question]
    try:
        inputs, approx = _extract_all(rule, turns, book, history[: len(history) - len(relevant)])
    except NumberError as exc:
        return _error_result(book, rule, str(exc))
    hold_floors(rule, inputs, approx)
    hold_near_steps(rule, inputs, approx, today, book)
    settle_lower_bounds(rule, inputs, approx, today, book)
    try:
        result = evaluate(rule.id, inputs, today=today, stated=set(inputs), rulebook=book)
    except AwardInputError as exc:
        return _error_result(book, rule, str(exc))
    if bare_facts and result.eligible is not False and _asks_something(question):
        return None
    settle_count_bounds(rule, result, inputs, approx)
    _ask_earlier_level(rule, result, "。".join(turns), inputs)
    _ask_received_year(book, rule, result, inputs, approx, today)
    _derived_steps(result, inputs, approx)
    result.assumptions.extend(_approx_notes(rule, inputs, approx))
    return result


def answer_awards(
    question: str,
    history: list[str],
    ranked_clause_ids: list[str],
    today: date,
    *,
    rulebook: RuleBook,
) -> list[AwardResult]:
    """Every award this turn asks about, in the order the message names them.

    A message whose quantities belong to two or more rules (see
    :mod:`assistant.understand.frames`) gets one result per rule, each computed only from its
    own part of the message; otherwise the single award of :func:`answer_award`.
    """
    if not isinstance(question, str):
        return []
    book = rulebook
    history = [h for h in history or [] if isinstance(h, str)]
    asked = (
        is_award_question(question, [book])
        or _is_follow_up(question, history, book)
        or asks_about_awards(question, [book])
        or any(w in question for w in general_words("compound_asks"))
    )
    found = frames(book, question) if asked else []
    if not found and _asks_total_of_earlier(question, history, book):
        earlier = _earlier_awards(history, today, book)
        if len(earlier) >= 2:
            return earlier
    if not found:
        single = answer_award(question, history, ranked_clause_ids, today, rulebook=book)
        if single is None:
            return []
        return [single, *_negotiated_asked_besides(book, question, single, today)]
    results: list[AwardResult] = []
    for frame in found:
        foreign = _foreign_result(book, frame.rule, frame.text)
        if foreign is not None:
            results.append(foreign)
            continue
        try:
            inputs, approx = _extract_all(frame.rule, [frame.text], book)
        except NumberError as exc:
            results.append(_error_result(book, frame.rule, str(exc)))
            continue
        hold_floors(frame.rule, inputs, approx)
        hold_near_steps(frame.rule, inputs, approx, today, book)
        settle_lower_bounds(frame.rule, inputs, approx, today, book)
        try:
            result = evaluate(frame.rule.id, inputs, today=today, stated=set(inputs), rulebook=book)
        except AwardInputError as exc:
            results.append(_error_result(book, frame.rule, str(exc)))
            continue
        settle_count_bounds(frame.rule, result, inputs, approx)
        _ask_earlier_level(frame.rule, result, frame.text, inputs)
        _ask_received_year(book, frame.rule, result, inputs, approx, today)
        _derived_steps(result, inputs, approx)
        result.assumptions.extend(_approx_notes(frame.rule, inputs, approx))
        results.append(result)
    if len(results) > 1:
        # "去年营收3个亿……首轮流片……智能化改造……这两块各能拿多少": a figure of the story that
        # leaves its award uncomputable, an award the message neither names by its topic nor
        # asks about in words of its own, is background beside the awards computed …
        computed = [r for r in results if r.amount_yuan is not None]
        kept = [
            r
            for r, frame in zip(results, found, strict=True)
            if r.amount_yuan is not None or r.error or _asked_for(book, frame, question)
        ]
        # only beside two or more awards computed: with one, the other may be the award asked
        # (its figure not understood), and a question back is safer than dropping it
        results = kept if len(computed) >= 2 else results
    if not any(w in question for w in general_words("compound_asks")):
        # not asked for several ("各多少", "分别"): a figure told in passing ("我们去年营收1.5亿，
        # 今年首轮流片花了350万，能补多少") that leaves its award uncomputable is background
        main = select_rule(question, history, ranked_clause_ids, rulebook=book)
        main_ref = book.ref(main.id) if main is not None else None
        kept = [r for r in results if r.amount_yuan is not None or r.error or r.rule == main_ref]
        results = kept or results
    return results


def _negotiated_asked_besides(
    book: RuleBook, question: str, award: AwardResult, today: date
) -> list[AwardResult]:
    """ "新建项目奖励能拿多少？另外重大产业链项目的一事一议怎么申请？": a sentence asking how to
    apply for another rule whose clause sets no amount (一事一议) gets that rule's answer beside
    the award computed — never a second amount."""
    procedure = general_words("procedure_asks")
    sentences = [s for s in re.split(r"(?<=[。！!？?])", question) if s.strip()]
    if len(sentences) < 2:
        return []
    out: list[AwardResult] = []
    for sentence in sentences:
        if not any(w in sentence for w in procedure):
            continue
        rule = select_rule(sentence, [], [], rulebook=book)
        if rule is None or book.ref(rule.id) == award.rule or not rule.formula.negotiated:
            continue
        try:
            result = evaluate(rule.id, {}, today=today, stated=set(), rulebook=book)
        except AwardInputError:
            continue
        if result.negotiated and all(r.rule != result.rule for r in out):
            out.append(result)
    return out


def _asks_total_of_earlier(question: str, history: list[str], book: RuleBook) -> bool:
    """ "两项加起来一共多少？" after turns that each asked one award: a total of those, asked
    with no figure and no award of its own."""
    if not history or any(q.kind != "count" for q in quantities_in(question)):
        return False  # a count ("两项") is how many awards are added, not a figure
    words = (*general_words("total_markers"), *general_words("compound_asks"))
    if not any(w in question for w in words):
        return False
    return not any(keyword_score(r, question) for r in book.rules.values())


def _earlier_awards(history: list[str], today: date, book: RuleBook) -> list[AwardResult]:
    """The awards each earlier turn was answered with (one per rule, last one wins), when
    every one of them was computed — all the awards of a turn that told several ("流片费用
    280万；另外参加展会，场地租赁费20万" is two)."""
    by_rule: dict[str, AwardResult] = {}
    for n, turn in enumerate(history):
        try:
            results = answer_awards(turn, history[:n], [], today, rulebook=book)
        except (NumberError, AwardInputError):
            continue
        for result in results:
            # a later turn's answer replaces an earlier one of the rule ("怎么算的？" asked
            # before its figures were told)
            by_rule.pop(result.rule, None)
            by_rule[result.rule] = result
    if any(r.amount_yuan is None for r in by_rule.values()):
        return []  # a total of part of them would be no total
    return list(by_rule.values())


def _asked_for(book: RuleBook, frame: Frame, question: str) -> bool:
    """The message names the frame's clause by its topic, or asks about its award in a part
    that holds the rule's own words ("另外营收增长的奖励怎么算")."""
    if frame.rule.clause in book.named_clauses(question):
        return True
    return any(part_asks(s.text) and keyword_score(frame.rule, s.text) for s in frame.segments)
