"""The front door: every question goes through ``normalise`` before it is understood.

The steps, in order (each one small and in its own module):
1. ``clean.typed``: drop invisible and unencodable characters → ``Normalised.asked``;
2. ``clean.folded``: NFKC and width folding, spaces collapsed;
3. ``script``: traditional → simplified (OpenCC), Taiwan/HK words → mainland words;
4. ``amounts.rewrite_english``: 800k RMB → 80万元, 5 million yuan → 500万元 (before the
   glossary, which would otherwise take "yuan" alone);
5. ``glossary``: English and abbreviations → the policy's Chinese terms, then ``fuzzy``'s
   policy terms written in pinyin (zhineng chejian → 智能车间); ``word_order``
   then writes an English "figure, then what it measures" term-first (1.2亿元 营业收入 →
   营业收入1.2亿元, 2 解决方案 → 2个解决方案); spaces between Chinese characters are then
   dropped (展会 展位 → 展会展位);
6. ``amounts.rewrite_chinese``: capital numerals, 八千万 → 8000万, 三成 → 30%, 翻番 → 增长100%;
7. ``fuzzy``: policy terms by sound (首论流片 → 首轮流片).
Every step leaves its own output unchanged, so ``normalise`` is idempotent on ``text``.
Numbers inside names (5G, 12英寸, 二级节点) are left as written; ``names.digit_names`` finds
them for the stage that reads quantities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.understand import amounts, clean, fuzzy, glossary, script, word_order

_LATIN = re.compile(r"[A-Za-z]")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# left by translated English ("贷了 2000万", "服务了 300个企业"): a figure belongs to its words
_SPACE_CJK_DIGIT = re.compile(rf"(?<=[{_CJK}]) (?=\d)|(?<=[\d%]) (?=[{_CJK}])")
# After NFKC, punctuation is ASCII; a space beside it next to Chinese text is noise.
_SPACE_BY_PUNCT = re.compile(
    rf" ?([，。、；：？！“”‘’（）《》]) ?|(?<=[{_CJK}]) (?=[,.;:?!])|(?<=[,;:?!]) (?=[{_CJK}])"
)


@dataclass(frozen=True)
class Normalised:
    asked: str  # what the user typed, less control/zero-width/bidi chars and lone surrogates
    text: str  # the processing form
    notes: tuple[str, ...]  # what was changed, in Chinese


def _understood(old: str, new: str) -> str:
    return f"“{old}”按“{new}”理解"


def normalise(text: str, terms: Sequence[str] = ()) -> Normalised:
    """The question in its processing form, with what the user typed and what was changed.

    ``terms`` are the policy's own terms; a span that sounds like one (首论流片) becomes it.
    Never raises on a string; anything else raises ``TypeError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise() needs a str, got {type(text).__name__}")
    asked = clean.typed(text)
    notes: list[str] = []
    out = clean.folded(asked)

    out, converted = script.to_simplified(out)
    if converted:
        notes.append("繁体已转为简体")
    out, regional = script.mainland_words(out)
    notes.extend(_understood(old, new) for old, new in dict.fromkeys(regional))

    changes: list[tuple[str, str]] = []
    out = amounts.rewrite_english(out, changes)
    out, english = glossary.translate_english(out)
    changes.extend(english)
    out, spelled = fuzzy.pinyin_terms(out, tuple(terms))  # zhineng chejian → 智能车间
    changes.extend(spelled)
    if english or _LATIN.search(out):
        out = word_order.english_order(out)
    out = _SPACE_BETWEEN_CJK.sub("", out)
    if english:
        out = _SPACE_CJK_DIGIT.sub("", out)
    out = _SPACE_BY_PUNCT.sub(lambda m: m.group(1) or "", out)
    out = amounts.rewrite_chinese(out, changes)
    out, sounded = fuzzy.correct_terms(out, tuple(terms))
    changes.extend(sounded)
    notes.extend(_understood(old, new) for old, new in dict.fromkeys(changes) if old != new)
    return Normalised(asked=asked, text=out, notes=tuple(dict.fromkeys(notes)))


def warm_up(terms: Sequence[str] = ()) -> None:
    """Load what the first call would (OpenCC, pypinyin, jieba, the terms' pinyin index) —
    about two seconds once — so that a server's first question is not the slow one."""
    normalise("我們首論流片花了800k RMB", terms)
    fuzzy.term_index(tuple(terms))
    fuzzy.pinyin_index(tuple(terms))
    fuzzy.syllables("轮")
    fuzzy.jieba_loaded()
