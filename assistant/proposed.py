"""Amounts the user proposes to have checked: "是不是能拿300万？", "奖励是三百万元吗？".

Only money the question puts up for confirmation counts (followed by 吗/对吧, or after
是不是/能拿/奖励…); the costs people state ("流片花了800万") are inputs, not proposals.
"""

from __future__ import annotations

import re

from assistant.numbers import NumberError, extract_quantities

_AFTER = re.compile(r"^(元|块钱?|人民币)?\s*(吗|么|嘛|对吧|对不对|是吧|没错吧?)")
_BEFORE = re.compile(
    r"(是不是|是否|能不能拿|能拿到?|可以拿到?|拿得到|能获得?|可获得?|能领|补到"
    r"|奖励是|补助是|补贴是|有没有)\s*$"
)


_NOT_A_PROPOSAL_AFTER = re.compile(r"^(元|块钱?)?\s*(以上|以下|以内|之内|左右|上下)")


def proposal_spans(question: str) -> list[tuple[int, int]]:
    """Where the question puts an amount up for confirmation ("是不是能拿500万？"): the
    award the user guesses, never one of the award's inputs."""
    try:
        quantities = extract_quantities(question)
    except NumberError:
        return []
    out: list[tuple[int, int]] = []
    for q in quantities:
        if q.kind != "money":
            continue
        start, end = q.span
        before, after = question[max(0, start - 6) : start], question[end:]
        if _NOT_A_PROPOSAL_AFTER.match(after):
            continue  # "是不是2000万以上": a condition asked of a figure, not an award
        if _AFTER.search(after) or _BEFORE.search(before):
            out.append(q.span)
    return out


def proposed_amounts(question: str) -> list[int]:
    """Whole-yuan amounts the question asks to confirm, in order (empty when none)."""
    try:
        quantities = extract_quantities(question)
    except NumberError:
        return []
    out: list[int] = []
    for q in quantities:
        if q.kind != "money":
            continue
        start, end = q.span
        before, after = question[max(0, start - 6) : start], question[end:]
        if _AFTER.search(after) or _BEFORE.search(before):
            out.append(int(q.value))
    return out
