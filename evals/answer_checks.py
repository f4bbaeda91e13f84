"""What an evaluator of a policy assistant checks in one answer, beyond its citations:
the text it must include, wrong amounts, the conclusion first, the validity noted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from assistant.awards.format import format_money
from evals.cases import GoldCase
from evals.figures import extract_figures
from evals.ranking import CITATION_TOP, normalise_ref

# -- answer text --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def strip_spaces(text: str) -> str:
    """CONTRACT §3 compares must_include after removing spaces (any Unicode whitespace)."""
    return _SPACES.sub("", text.replace("\u3000", ""))


def missing_includes(answer: str, must_include: Iterable[str]) -> list[str]:
    flat = strip_spaces(answer)
    return [s for s in must_include if strip_spaces(s) not in flat]


# -- the figures an evaluator of a policy assistant asks for ----------------------------------


def context_scores(
    expected: Iterable[str], cited: Sequence[str], default_slug: str | None = None
) -> tuple[float, float]:
    """ID-based context precision and recall, as ragas defines them over clause ids.

    The relevant set is the case's ``citations_any``. Precision is the share of the distinct
    ids among the first ``CITATION_TOP`` citations that are relevant (0 when nothing is cited);
    recall is 1 when any relevant id is cited at all, since the case asks for one of them.
    """
    want = {normalise_ref(e, default_slug) for e in expected}
    top = {normalise_ref(r, default_slug) for r in cited[:CITATION_TOP]}
    everything = {normalise_ref(r, default_slug) for r in cited}
    precision = len(top & want) / len(top) if top else 0.0
    recall = 1.0 if everything & want else 0.0
    return precision, recall


def answer_awards(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The answer's awards (CONTRACT §2 ``awards``); an old server sends only ``award``."""
    awards = answer.get("awards")
    if awards is None or (not awards and answer.get("award")):
        return [answer["award"]] if answer.get("award") else []
    return [a for a in awards if isinstance(a, Mapping)]


def stated_amount(award: Mapping[str, Any] | None) -> int | None:
    """The amount an award states: an integer (0 when ruled out), or None when it asks back."""
    if not award:
        return None
    value = award.get("amount_yuan")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def wrong_amounts(case: GoldCase, answer: Mapping[str, Any]) -> list[int]:
    """Amounts the answer states that differ from the expected ones (empty = none wrong).

    Only a stated number can be wrong: an award that asks back (amount null) or no award at
    all is a miss, counted by amount_exact, not here. With ``amount_yuan`` the first award
    (``award``) is compared; with ``amounts_yuan``, when an expected amount is missing from the
    awards, every stated amount outside the list is wrong (an extra award next to all the
    expected ones is not). A case that expects no number checks nothing here.
    """
    exp = case.expect
    wrong: list[int] = []
    if exp.no_amount:
        # any stated number is wrong where the case expects a question back
        for value in (stated_amount(a) for a in answer_awards(answer)):
            if value is not None and value not in wrong:
                wrong.append(value)
    if exp.amount_yuan is not None:
        first = answer.get("award") or (answer_awards(answer) or [None])[0]
        value = stated_amount(first)
        if value is not None and value != exp.amount_yuan:
            wrong.append(value)
    if exp.amounts_yuan:
        stated = [stated_amount(a) for a in answer_awards(answer)]
        allowed = set(exp.expected_amounts)
        # An extra award beside every expected amount passes (CONTRACT §3) and is not wrong;
        # a stated number is wrong when it stands where an expected amount is missing.
        if any(a not in stated for a in exp.amounts_yuan):
            for value in stated:
                if value is not None and value not in allowed and value not in wrong:
                    wrong.append(value)
    return wrong


def display_amount(yuan: int) -> str:
    """How an answer writes an amount: 320万 (from 1万 up), 3500元 below (gold README)."""
    return format_money(yuan).replace("万元", "万")


_SENTENCE_END = re.compile(r"[。！？!?\n]")


def first_sentence(text: str) -> str:
    for part in _SENTENCE_END.split(text or ""):
        if part.strip():
            return part
    return ""


def states_amount(sentence: str, yuan: int) -> bool:
    """The sentence contains the amount in display form (320万, 3500元) or its value."""
    if strip_spaces(display_amount(yuan)) in strip_spaces(sentence):
        return True
    return any(f.kind == "num" and f.value == Decimal(yuan) for f in extract_figures(sentence))


# Words that state a policy's validity status; the policy's own dates are added by the caller.
VALIDITY_WORDS = ("有效期", "失效", "过期", "到期", "废止")
# A question about applying or whom to ask (the validity matters to whoever means to apply).
_APPLYING = re.compile(r"申请|申报|申领|办理|兑现|部门|单位|找谁|哪里|怎么领|去哪")


def asks_about_applying(case: GoldCase) -> bool:
    """Awards, applying, departments: the answers that must say whether the policy is in force."""
    if case.expect.refuse:
        return False
    category = case.category.lower()
    return (
        case.checks_award
        or category.startswith("award")
        or category.startswith("department")
        or _APPLYING.search(case.last_question) is not None
    )


def notes_validity(answer_text: str, markers: Iterable[str] = ()) -> bool:
    flat = strip_spaces(answer_text)
    return any(strip_spaces(m) in flat for m in (*VALIDITY_WORDS, *markers) if m.strip())


def grounding_sources(case: GoldCase, answer: Mapping[str, Any]) -> tuple[list[str], list[Decimal]]:
    """What an answer's numbers may come from: the cited clauses, the award trace, and what
    the user said (echoing the user's own figure is not an invention)."""
    texts = [c.get("text", "") or "" for c in answer.get("citations") or []]
    texts += [c.get("title", "") or "" for c in answer.get("citations") or []]
    # every award of the answer (several in one question), and their total
    awards = [a for a in answer_awards(answer) if isinstance(a, Mapping)]
    extra: list[Decimal] = []
    for award in awards:
        for key in ("steps", "assumptions", "missing"):
            texts += [s for s in award.get(key) or [] if isinstance(s, str)]
        if isinstance(award.get("amount_yuan"), int):
            extra.append(Decimal(award["amount_yuan"]))
    if len(extra) > 1:
        extra.append(sum(extra, Decimal(0)))
    texts.append(case.last_question)
    texts += case.history
    return texts, extra
