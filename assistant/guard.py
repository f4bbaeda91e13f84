"""The numeric guard: every number a language model writes must come from its sources.

A chat model may paraphrase, but it must not produce a figure (an amount, a rate, a date,
a count) that is not in the clauses it cited, the award tool results, the validity
calculation or the user's own question. ``check_numbers`` extracts the numbers of the
model's answer, normalises them to values (320万元 == 3200000元 == 三百二十万 == 3,200,000元,
百分之四十 == 40%) and looks each value up among the values found in the sources.

Deliberately asymmetric:
- the answer is read strictly but without noise — clause ids (四.10, 【四.10】, 二.(二)),
  ordinals (第10条, 第四部分), list markers at a line start and words such as 一般/统一 are
  not numbers;
- the sources are read permissively — every numeral in them counts (有效期三年 gives 3),
  because an extra source value can only make the guard accept, never invent.

Values carry a coarse dimension: money (元 written), percent (%/百分之/百分点) or "any".
Two values match when they are equal and their dimensions agree or one side is "any"
(the tool result's bare 3200000 matches the answer's 320万元; 40% never matches 40万元).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from assistant.numbers import MULTIPLIERS, chinese_numeral_or_none

Dimension = Literal["money", "percent", "any"]

_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_MULTS = "十百千万亿拾佰仟"
_ARABIC = r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_NUM = rf"[{_CN_DIGITS}{_CN_MULTS}]+(?:点[{_CN_DIGITS}]+[十百千万亿]*)?"
_MULT_RE = "万亿|千万|百万|十万|亿|万|千"
_MONEY_UNITS = ("元", "块钱", "块")
_PERCENT_UNITS = ("%", "个百分点", "百分点")
# Units that make a bare Chinese digit a quantity (三家, 五年); longest first.
_UNITS = (
    "个百分点",
    "百分点",
    "%",
    "块钱",
    "元",
    "台(套)",
    "台套",
    "台",
    "套",
    "家",
    "条",
    "项",
    "个月",
    "个",
    "户",
    "次",
    "倍",
    "年",
    "月",
    "日",
    "天",
    "岁",
    "人",
    "名",
    "款",
    "期",
)
# A unit glued to these characters is part of a word: 一次性, 个人, 项目, 条款, 年度 …
_NOT_AFTER_UNIT = {
    "次": "性数级",
    "个": "人体别",
    "项": "目",
    "条": "款件例",
    "家": "庭乡",
    "套": "餐",
    "年": "度级轻",
    "月": "份",
    "日": "常",
    "天": "然",
    "人": "才员民",
    "名": "单称义",
    "款": "项",
    "期": "间限",
}
_TOKEN_RE = re.compile(
    rf"(?P<pct>百分之)(?P<pnum>{_ARABIC}|{_CN_NUM})"
    rf"|(?P<num>{_ARABIC})\s*(?P<mult>{_MULT_RE})?"
    rf"|(?P<cnum>{_CN_NUM})"
)
_UNIT_RE = re.compile(r"\s*(" + "|".join(re.escape(u) for u in _UNITS) + ")")

# What is numbering, not a number (applied to the answer only, after NFKC).
_CN_ORD = "一二三四五六七八九十"
_NUMBERING_RES = [
    re.compile(r"【[^】]{0,60}】"),  # citation marks 【四.10】, 【slug:三.(一)】
    # clause ids 四.10, 二.(二), slug:四.12
    re.compile(rf"(?:[a-z0-9][a-z0-9-]*:)?[{_CN_ORD}]+\.(?:\d+|\([{_CN_ORD}]+\))"),
    re.compile(rf"\([{_CN_ORD}]+\)"),  # section labels (二)
    re.compile(rf"第\s*(?:\d+|[{_CN_DIGITS}{_CN_MULTS}]+)"),  # ordinals: 第10条, 第四部分, 第一
    re.compile(rf"(?m)^\s*(?:[-*•]\s*)?(?:\d{{1,2}}|[{_CN_ORD}]{{1,3}})\s*[.、)](?!\d)"),
    re.compile(r"(?m)^\s*\(\d{1,2}\)"),  # list marker (1)
]
# Circled and parenthesised list numbers (① ⑴ ⒈); NFKC would turn them into digits.
_ENCLOSED_RE = re.compile(r"[\u2460-\u249b\u24ea\u2776-\u2793]")


@dataclass(frozen=True)
class Number:
    """One number as written and the value it stands for."""

    raw: str
    value: Decimal
    dimension: Dimension

    def matches(self, other: Number) -> bool:
        if self.value != other.value:
            return False
        return "any" in (self.dimension, other.dimension) or self.dimension == other.dimension


@dataclass
class GuardReport:
    """The guard's verdict; ``as_dict`` is what goes into ``Answer.guard``."""

    ok: bool
    offending: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "offending": list(self.offending),
            "checked": list(self.checked),
            "reason": self.reason,
        }


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, ％, （） and ． to ASCII; strip thin spaces inside numbers.
    return unicodedata.normalize("NFKC", text).replace("\u2009", "").replace("\u202f", "")


def _arabic(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _unit_after(text: str, end: int) -> str:
    m = _UNIT_RE.match(text, end)
    if not m:
        return ""
    unit = m.group(1)
    nxt = text[m.end() : m.end() + 1]
    if nxt and nxt in _NOT_AFTER_UNIT.get(unit, ""):
        return ""
    return unit


def _dimension(unit: str, percent: bool = False) -> Dimension:
    if percent or unit in _PERCENT_UNITS:
        return "percent"
    if unit in _MONEY_UNITS:
        return "money"
    return "any"


def _numbers(text: str, *, strict: bool) -> list[Number]:
    """Numbers of ``text``; ``strict`` (the answer) skips numerals that are words, not data."""
    out: list[Number] = []
    for m in _TOKEN_RE.finditer(text):
        raw_end = m.end()
        if m.group("pct"):
            body = m.group("pnum")
            value = _arabic(body) if body[0].isdigit() else chinese_numeral_or_none(body)
            if value is not None:
                out.append(Number(m.group(0), value, "percent"))
            continue
        if m.group("num") is not None:
            start, end = m.start("num"), m.end()
            # 5G, 4K, A股, MPW2: digits glued to Latin letters are names, not amounts
            before = text[start - 1 : start]
            after = text[end : end + 1]
            if strict and (
                (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
            ):
                continue
            value = _arabic(m.group("num"))
            if value is None:
                continue
            if m.group("mult"):
                value *= MULTIPLIERS[m.group("mult")]
            unit = _unit_after(text, end)
            if unit:
                raw_end = _UNIT_RE.match(text, end).end()  # type: ignore[union-attr]
            out.append(Number(text[m.start() : raw_end].strip(), value, _dimension(unit)))
            continue
        body = m.group("cnum")
        has_digit = any(c in _CN_DIGITS for c in body)
        has_mult = any(c in _CN_MULTS for c in body)
        unit = _unit_after(text, m.end())
        if strict:
            if not has_digit and not unit:
                continue  # 百强, 万企, 千方百计: magnitude words alone are not numbers
            if not has_mult and not unit:
                continue  # 一般, 统一, 两化: a bare digit character is a word
            if body == "一" and unit not in ("元", "%", "倍", "年", "个月"):
                continue  # 一个, 一项, 一次: too common to be a figure
        value = chinese_numeral_or_none(body)
        if value is None:
            continue
        if unit:
            raw_end = _UNIT_RE.match(text, m.end()).end()  # type: ignore[union-attr]
        out.append(Number(text[m.start() : raw_end].strip(), value, _dimension(unit)))
    return out


def strip_numbering(text: str) -> str:
    """The answer text with clause ids, ordinals and list markers blanked out."""
    text = _normalise(_ENCLOSED_RE.sub(" ", text))
    for pattern in _NUMBERING_RES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def answer_numbers(text: str) -> list[Number]:
    """The numbers a reader would take as figures in a model's answer."""
    return _numbers(strip_numbering(text), strict=True)


def source_numbers(sources: Iterable[str]) -> list[Number]:
    """Every number in the sources, clause numbering included (more values only accept more)."""
    out: list[Number] = []
    for text in sources:
        out.extend(_numbers(_normalise(text), strict=False))
    return out


def check_numbers(answer_text: str, sources: Sequence[str]) -> GuardReport:
    """Accept the answer only when each of its numbers has the same value in a source."""
    found = answer_numbers(answer_text)
    known = source_numbers(sources)
    by_value: dict[Decimal, list[Number]] = {}
    for number in known:
        by_value.setdefault(number.value, []).append(number)
    offending: list[str] = []
    for number in found:
        grounded = any(number.matches(k) for k in by_value.get(number.value, ()))
        if not grounded and number.raw not in offending:
            offending.append(number.raw)
    checked = list(dict.fromkeys(n.raw for n in found))
    if offending:
        return GuardReport(ok=False, offending=offending, checked=checked, reason="invented number")
    return GuardReport(ok=True, offending=[], checked=checked, reason="")
