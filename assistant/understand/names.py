"""Numbers that are parts of names (5G, 4K, 12英寸, 北斗三号, 第二轮, 500强, 二级节点, 2022年).

``digit_names`` finds them so that the stage that reads quantities can leave them alone;
``mask_digit_names`` replaces their digits and numerals by ``#`` (same length, so offsets
stay) for a reader such as ``assistant.numbers.extract_quantities``. The words are data
(``digit_names`` in general_lexicon.yaml); the policy's own terms that contain a numeral
(二级节点, 中央一级媒体) are names too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.understand.lexicon import general_data

_NUMERAL = "零〇一二两三四五六七八九十百千"
_NUMBER = rf"(?:\d+(?:\.\d+)?|[{_NUMERAL}]+)"
# Before a measure word a number may carry a multiplier: 1.2万平方米, 一万二千人 are no money.
_MEASURED = rf"(?:\d+(?:\.\d+)?(?:万|亿|千)?|[{_NUMERAL}万亿]+)"
_DIGITS = re.compile(rf"[0-9{_NUMERAL}万亿]")
_HAS_NUMBER = re.compile(rf"[0-9{_NUMERAL}]")


# Kinds whose number measures something other than money (area, length, people): a figure
# with 万 before such a word ("厂房1.2万平方米", "员工1.2万人") is never an amount of yuan.
MEASURE_KINDS = ("size", "measure")


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    text: str
    kind: str  # size, ordinal, rank, level, date, code, name


_CODE = re.compile(  # digits glued to Latin letters: 5G, 4K, 3D, 28nm, A100, LPDDR5, 100M
    r"(?<![A-Za-z0-9.])(?:[A-Za-z]+-?\d+(?:\.\d+)?[A-Za-z0-9]*|\d+(?:\.\d+)?[A-Za-z]+[A-Za-z0-9]*)"
    r"(?![A-Za-z0-9])"
)
_DATE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d{2}年(?:度|(?:\d{1,2}月(?:\d{1,2}[日号])?))?"
    r"|(?:19|20)\d{2}[-/.]\d{1,2}(?:[-/.]\d{1,2})?"
    r"|\d{1,2}月\d{1,2}[日号])(?!\d)"
)
_VERSION = re.compile(r"(?:工业|[Vv])\d+\.\d+|\d+\.\d+版")


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[tuple[re.Pattern[str], str]], tuple[tuple[str, str], ...]]:
    data = general_data().get("digit_names") or {}
    found: list[tuple[re.Pattern[str], str]] = []
    for kind, words in (data.get("after") or {}).items():
        alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        number = _MEASURED if kind in MEASURE_KINDS else _NUMBER
        # "40万人民币" is money: 人 there begins 人民币, not a count of people
        found.append((re.compile(rf"(?<![\d.{_NUMERAL}]){number}(?:{alt})(?!民币)"), kind))
    for kind, words in (data.get("before") or {}).items():
        alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        found.append((re.compile(rf"(?:{alt})\s?{_NUMBER}(?![\d.])"), kind))
    fixed = [(w, "name") for w in data.get("fixed") or ()]
    fixed += [(w, "measure") for w in data.get("fixed_measures") or ()]
    return found, tuple(fixed)


def digit_names(text: str, terms: Sequence[str] = ()) -> tuple[NameSpan, ...]:
    """Spans of ``text`` that are names or measures with a number in them, in order.

    Overlaps are resolved by the longest span (中央一级媒体 over 一级).
    """
    if not _HAS_NUMBER.search(text):
        return ()
    patterns, fixed = _patterns()
    spans: list[NameSpan] = []
    named = [*fixed, *((t, "name") for t in terms if _HAS_NUMBER.search(t))]
    for name, kind in named:
        start = text.find(name)
        while start >= 0:
            spans.append(NameSpan(start, start + len(name), name, kind))
            start = text.find(name, start + 1)
    for pattern, kind in [(_DATE, "date"), (_VERSION, "code"), (_CODE, "code"), *patterns]:
        for m in pattern.finditer(text):
            spans.append(NameSpan(m.start(), m.end(), m.group(0), kind))
    chosen: list[NameSpan] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return tuple(sorted(chosen, key=lambda s: s.start))


def mask_digit_names(
    text: str, terms: Sequence[str] = (), kinds: Collection[str] | None = None
) -> str:
    """``text`` with the digits and numerals of its names replaced by ``#`` (same length).

    ``kinds`` limits the masking (e.g. everything but ``level`` where a certificate level is
    an input); ``None`` masks every kind.
    """
    chars = list(text)
    for span in digit_names(text, terms):
        if kinds is not None and span.kind not in kinds:
            continue
        for i in range(span.start, span.end):
            if _DIGITS.match(chars[i]):
                chars[i] = "#"
    return "".join(chars)


@lru_cache(maxsize=512)  # asked of the same texts as extract_quantities, as often
def mask_measures(text: str) -> str:
    """``text`` with the numbers of non-money measures (面积, 人数, 尺寸) masked, so that a
    reader of amounts does not take "1.2万平方米" for 1.2万元. Same length: offsets hold."""
    return mask_digit_names(text, kinds=MEASURE_KINDS)
