"""The figures in a text (320万元 == 3200000元, 40% ≠ 40万元) and whether sources hold them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.numbers import chinese_numeral_or_none

# A number is compared by value and kind, so "320万元", "320万" and "3200000元" are the same
# figure and "40%" equals "百分之四十", while "40%" never equals "40万元". Clause numbering
# (四.10, 第10条, （二）, list markers "1."), the policy slug, product names (5G, 4K) and the
# 12345 hotline are not figures and are skipped. Chinese numerals count only where they
# quantify (followed by a unit such as 元/年/家/个, or after 百分之): "一批", "新一代",
# "万企上云", "两化融合" and "百强" are words, not figures, and a lone 一 is never a figure.

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "".join(_CN_BIG)

# Units after a Chinese numeral that make it a quantity.
_CN_UNITS = "元年个家项倍次台套名月日天岁位户条件人%％"

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MULT = r"[十百千]?[万亿]*"  # 3千万, 2.5亿, 8000亿, 320万
_PERCENT = r"%|％|个百分点"

_TOKEN = re.compile(
    rf"(?P<pctcn>百分之(?P<pctnum>[{_CN_CHARS}点]+))"
    rf"|(?P<arabic>{_ARABIC})(?P<amult>{_MULT})(?P<apct>{_PERCENT})?"
    rf"|(?P<cn>[{_CN_CHARS}]+(?:点[{''.join(_CN_DIGITS)}]+)?)"
    rf"(?P<cpct>{_PERCENT})?"
)

# Spans blanked out before extraction (replaced by spaces to keep offsets).
_NOT_FIGURES = [
    re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+:"),  # policy slug in qualified ids
    # clause ids: 四.10, 二.(二)
    re.compile(r"[一二三四五六七八九十]+[.．](?:\d+|[(（][一二三四五六七八九十]+[)）])"),
    re.compile(rf"第[\d{_CN_CHARS}]+(?:部分|条|项|款|章|节|点|批|次|届|个)?"),  # 第10条, 第四部分
    re.compile(r"[(（](?:\d+|[一二三四五六七八九十]+)[)）]"),  # (一), （2）
    re.compile(r"(?m)^\s*(?:\d+|[一二三四五六七八九十]+)[.．、)）](?!\d)"),  # list markers "1."
    re.compile(r"\[\d+\]"),  # footnote markers
    re.compile(r"[A-Za-z]+\d+[A-Za-z\d]*|\d+[A-Za-z]+[A-Za-z\d]*"),  # 5G, 4K, e5, MP3
    # the 12345 government-service hotline, a phone number rather than a figure
    re.compile(r"(?<![\d.,])12345(?![\d.,万亿千百十%元])"),
]


@dataclass(frozen=True)
class Figure:
    """One number as written, with its value normalised for comparison."""

    text: str
    value: Decimal
    kind: str  # "num" or "pct"


def _multiplier(mult: str) -> int:
    m = 1
    for ch in mult:
        m *= {**_CN_SMALL, **_CN_BIG}[ch]
    return m


_JOINERS = re.compile(r"\s*(?:[、，,/或和及与至到~～\-－—]|以及)\s*")


def _blank(text: str) -> str:
    for pattern in _NOT_FIGURES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order (see the comment above for what counts)."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text)  # full-width digits and ％ to ASCII
    blanked = _blank(text)
    # (figure text, mantissa, multiplier-or-None, kind, start, end)
    raw: list[tuple[str, Decimal, int | None, str, int, int]] = []
    for m in _TOKEN.finditer(blanked):
        start, end = m.span()
        if m.group("pctcn"):
            value = chinese_numeral_or_none(m.group("pctnum"))
            if value is not None:
                raw.append((m.group(0), value, 1, "pct", start, end))
            continue
        if m.group("arabic"):
            try:
                mantissa = Decimal(m.group("arabic").replace(",", ""))
            except InvalidOperation:
                continue
            mult = m.group("amult")
            kind = "pct" if m.group("apct") else "num"
            factor = _multiplier(mult) if mult else None
            raw.append((m.group(0), mantissa, factor, kind, start, end))
            continue
        cn = m.group("cn")
        value = chinese_numeral_or_none(cn)
        if value is None or cn == "一":
            continue
        # 万企, 百强, 千亿级: multipliers without a digit are words (十年 is still ten years).
        if not any(ch in _CN_DIGITS for ch in cn) and not cn.startswith("十"):
            continue
        after = blanked[end : end + 1]
        if m.group("cpct"):
            raw.append((m.group(0), value, 1, "pct", start, end))
        elif (after and after in _CN_UNITS) or (cn[-1] in _CN_BIG and len(cn) > 1):
            raw.append((m.group(0), value, 1, "num", start, end))
    # "30、50、100万元" and "10或20%": a bare number joined to the next one takes its unit
    # and kind (right to left, so a whole list inherits from its last member).
    effective: list[tuple[int | None, str]] = [(None, "num")] * len(raw)
    for i in range(len(raw) - 1, -1, -1):
        _, _, mult, kind, _, end = raw[i]
        if mult is None and kind == "num" and i + 1 < len(raw):
            next_mult, next_kind = effective[i + 1]
            joined = _JOINERS.fullmatch(blanked[end : raw[i + 1][4]]) is not None
            if joined and (next_mult is not None or next_kind == "pct"):
                mult, kind = next_mult, next_kind
        effective[i] = (mult, kind)
    return [
        Figure(text_i, (mantissa * (mult or 1)).normalize(), kind)
        for (text_i, mantissa, _, _, _, _), (mult, kind) in zip(raw, effective, strict=True)
    ]


def figure_values(texts: Iterable[str]) -> set[tuple[Decimal, str]]:
    values: set[tuple[Decimal, str]] = set()
    for t in texts:
        for f in extract_figures(t):
            values.add((f.value, f.kind))
    return values


def ungrounded_figures(
    answer: str, sources: Iterable[str], extra: Iterable[Decimal] = ()
) -> tuple[list[Figure], list[Figure]]:
    """(all figures in the answer, those found in no source); ``extra`` = known plain values."""
    allowed = figure_values(sources)
    allowed |= {(Decimal(v).normalize(), "num") for v in extra}
    found = extract_figures(answer)
    return found, [f for f in found if (f.value, f.kind) not in allowed]
