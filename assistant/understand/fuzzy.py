"""Policy terms found by how they sound: 首论流片 → 首轮流片, 双夸平台 → 双跨平台.

A span of the text is replaced by a term only when all of this holds (a false correction is
worse than none):
- the span has the term's length (≥ 3 characters), is all Chinese characters, and differs
  from the term in one character (two for terms of six or more);
- every character sounds like the term's (toneless pinyin, any reading of a polyphonic
  character: 识 is shi or zhi, so 标志解析 sounds like 标识解析); for terms of four or more
  characters one position may differ by a flat/retroflex (z/zh, c/ch, s/sh) or front/back
  nasal (en/eng, in/ing) confusion;
- a Chinese numeral is never changed (二级 stays 二级), digits are never part of a span, and a
  term's numeral replaces only a character of exactly its sound (电子信息企业白强 → 百强);
- the span is not itself a dictionary word, no other term sounds the same, and no word of
  the text that reaches outside the span contains a changed character (集中式平台 keeps
  中式, it is not 中试平台); a change of the span's last (first) character only where the
  rest is a whole word of the text is none (比上一年多了: 上一年 and 多, not 上一年度).
The pinyin index of the terms is built once per terms tuple.

A term may also be written in pinyin (``pinyin_terms``: zhineng chejian, zhinengchejian,
zhì néng chē jiān → 智能车间): Latin words in a row, their letters toneless pinyin of exactly
one term's reading, the words parting only where its syllables part.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice, pairwise, product
from typing import Any

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_TERM_OK = re.compile(r"[\u4e00-\u9fff]{3,}")
_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿")
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=20000)
def syllables(char: str) -> frozenset[str]:
    """Toneless pinyin readings of one Chinese character (empty if pypinyin has none)."""
    from pypinyin import Style, pinyin  # imported on first use: the import takes a second

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(r for r in (readings[0] if readings else []) if r.isascii() and r.isalpha())


def _loose(syllable: str) -> str:
    for retroflex, flat in _FUZZY:
        if syllable.startswith(retroflex):
            syllable = flat + syllable[len(retroflex) :]
            break
    for back, front in _FUZZY_FINALS:
        if syllable.endswith(back):
            return syllable[: -len(back)] + front
    return syllable


@lru_cache(maxsize=20000)
def loose_syllables(char: str) -> frozenset[str]:
    return frozenset(_loose(s) for s in syllables(char))


@dataclass(frozen=True)
class _Term:
    text: str
    exact: tuple[frozenset[str], ...]
    loose: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class TermIndex:
    by_first: dict[str, tuple[_Term, ...]]  # loose syllable of the first character → terms
    terms: frozenset[str]
    said: str = ""  # every term, one a line: where a word of the text is looked up


@lru_cache(maxsize=32)
def term_index(terms: tuple[str, ...]) -> TermIndex:
    entries = []
    for term in dict.fromkeys(terms):
        if not _TERM_OK.fullmatch(term):
            continue  # 工业APP, 贯标: mixed or too short to match by sound safely
        exact = tuple(syllables(c) for c in term)
        if not all(exact):
            continue
        entries.append(_Term(term, exact, tuple(loose_syllables(c) for c in term)))
    by_first: dict[str, list[_Term]] = {}
    for entry in entries:
        for s in entry.loose[0]:
            by_first.setdefault(s, []).append(entry)
    return TermIndex(
        {k: tuple(v) for k, v in by_first.items()},
        frozenset(t.text for t in entries),
        "\n".join(dict.fromkeys(terms)),
    )


def _max_changes(length: int) -> int:
    return 2 if length >= 6 else 1


@lru_cache(maxsize=1)
def _look_alike() -> frozenset[frozenset[str]]:
    """Pairs of characters one is typed or read for the other by their shape (车问 for 车间):
    data in ``general_lexicon.yaml`` (``look_alike_chars``), each entry two characters."""
    from assistant.understand.lexicon import general_words

    return frozenset(frozenset(p) for p in general_words("look_alike_chars") if len(set(p)) == 2)


def _sounds_like(span: str, term: _Term) -> bool:
    """Does the span sound like the term — or, at one position of a term of four or more
    characters, hold a character that only looks like the term's (间 written 问)?"""
    changed = loose_only = 0
    for ch, want, exact, loose in zip(span, term.text, term.exact, term.loose, strict=True):
        if ch == want:
            continue
        if ch in _NUMERALS:
            return False  # a numeral the user wrote is meant (二级 is not 三级)
        changed += 1
        if syllables(ch) & exact:
            continue
        if want in _NUMERALS:
            return False  # a term's numeral only for a character of exactly its sound (白强)
        if loose_syllables(ch) & loose or frozenset((ch, want)) in _look_alike():
            loose_only += 1
            continue
        return False
    if changed == 0 or changed > _max_changes(len(span)):
        return False
    return loose_only == 0 or (len(span) >= 4 and loose_only == 1)


def _candidates(text: str, index: TermIndex) -> Iterator[tuple[int, str]]:
    """(start, term) for every span that sounds like exactly one term (longest first)."""
    by_first = index.by_first
    for run in _HAN_RUN.finditer(text):
        start, end = run.span()
        for i in range(start, end - 2):
            found: dict[int, set[str]] | None = None
            for s in loose_syllables(text[i]):
                for term in by_first.get(s, ()):
                    length = len(term.text)
                    if i + length <= end and _sounds_like(text[i : i + length], term):
                        found = found or {}
                        found.setdefault(length, set()).add(term.text)
            if found:
                for length in sorted(found, reverse=True):
                    if len(found[length]) == 1:  # two terms that sound alike: leave it
                        yield i, next(iter(found[length]))
                        break


@lru_cache(maxsize=1)
def jieba_loaded() -> Any:
    import jieba

    from knowledge.tokenize import add_terms

    add_terms(())  # the project's jieba set-up (cache folder, policy terms) before first use
    jieba.dt.check_initialized()
    return jieba


_CONTEXT = 6  # characters either side of a span that the segmenter sees


class _Words:
    """Dictionary words around a span, with offsets in the text (jieba on a window: the whole
    of a long message would cost milliseconds)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def around(self, start: int, end: int) -> list[tuple[int, int]]:
        left = max(0, start - _CONTEXT)
        spans, pos = [], left
        for word in jieba_loaded().lcut(self.text[left : end + _CONTEXT], HMM=False):
            if len(word) >= 2:
                spans.append((pos, pos + len(word)))
            pos += len(word)
        return spans


def _word_blocks(words: _Words, start: int, span: str, term: str, said: str = "") -> bool:
    """Whether the text's own words say the span is meant as written; ``said``: the policy's
    terms, one a line (a word of them holding a changed character is the policy's own: 评上省级
    is not 评上星级, though 省 may be read xing)."""
    if jieba_loaded().dt.FREQ.get(span):
        return True
    end = start + len(span)
    changed = [start + k for k, (a, b) in enumerate(zip(span, term, strict=True)) if a != b]
    around = words.around(start, end)
    for w_start, w_end in around:
        word = words.text[w_start:w_end]
        if any(w_start <= c < w_end for c in changed) and word in said and word not in term:
            return True
    if changed == [end - 1] and (start, end - 1) in around:
        return True  # "比上一年多了": 上一年 is a whole word, 多 begins the next (not 上一年度)
    if changed == [start] and (start + 1, end) in around:
        return True
    for w_start, w_end in around:
        if w_end <= start or w_start >= end or (w_start >= start and w_end <= end):
            continue  # outside the span, or a word inside it (标志 in 标志解析)
        if any(w_start <= c < w_end for c in changed):
            return True  # 集中式 reaches outside 中式平台 and holds the changed 式
    return False


def correct_terms(text: str, terms: tuple[str, ...]) -> tuple[str, list[tuple[str, str]]]:
    """Replace spans that sound like a policy term; returns the text and (span, term) pairs."""
    if not terms or not _HAN_RUN.search(text):
        return text, []
    index = term_index(terms)
    if not index.by_first:
        return text, []
    words = _Words(text)
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    pos = 0
    for start, term in _candidates(text, index):
        if start < pos:
            continue  # overlaps a replacement already made
        span = text[start : start + len(term)]
        if span in index.terms or _word_blocks(words, start, span, term, index.said):
            continue
        out.append(text[pos:start])
        out.append(term)
        changes.append((span, term))
        pos = start + len(term)
    out.append(text[pos:])
    return "".join(out), changes


# -- policy terms written in pinyin (zhineng chejian → 智能车间) ---------------------------------

# a Latin word as pinyin may be typed: letters (tone marks and ü allowed), a tone digit after
_PINYIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:[1-5](?![\d.%]))?")
_PINYIN_JOINER = re.compile(r"[\s\-'’]*")  # what may stand between the words of one term
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_MAX_READINGS = 64  # combinations of a term's polyphonic characters kept in the index


def _plain(word: str) -> str:
    """A word as toneless pinyin letters: tone digits and marks dropped, ü written v."""
    word = word.lower().replace("ü", "v").replace("u\u0308", "v")
    decomposed = unicodedata.normalize("NFD", word)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("ü", "v").rstrip("12345")


@dataclass(frozen=True)
class PinyinIndex:
    # toneless pinyin letters → (term, where its syllables end) for every reading of the term
    by_letters: dict[str, tuple[tuple[str, frozenset[int]], ...]]
    longest: int  # the most syllables of a term


@lru_cache(maxsize=32)
def pinyin_index(terms: tuple[str, ...]) -> PinyinIndex:
    by_letters: dict[str, list[tuple[str, frozenset[int]]]] = {}
    longest = 0
    for term in dict.fromkeys(terms):
        if not _TERM_OK.fullmatch(term):
            continue
        readings = [sorted(syllables(c)) for c in term]
        if not all(readings):
            continue
        longest = max(longest, len(term))
        for combo in islice(product(*readings), _MAX_READINGS):
            ends, at = set(), 0
            for syllable in combo:
                at += len(syllable)
                ends.add(at)
            joined = "".join(combo)
            for letters in dict.fromkeys((joined, joined.replace("v", "u"))):  # lv also lu
                entries = by_letters.setdefault(letters, [])
                if all(t != term for t, _ in entries):
                    entries.append((term, frozenset(ends)))
    return PinyinIndex({k: tuple(v) for k, v in by_letters.items()}, longest)


def pinyin_terms(text: str, terms: tuple[str, ...]) -> tuple[str, list[tuple[str, str]]]:
    """Policy terms written in toneless pinyin, with or without spaces (zhineng chejian,
    zhinengchejian, zhi4neng2 che1jian1 → 智能车间): Latin words in a row whose letters are
    the pinyin of exactly one term, the words parting where its syllables part (zhin engchejian
    is none). Returns the text and (span, term) pairs."""
    if not terms or not _LATIN_LETTER.search(text):
        return text, []
    words = list(_PINYIN_WORD.finditer(text))
    if not words:
        return text, []
    index = pinyin_index(terms)
    if not index.by_letters:
        return text, []
    # runs of words joined only by spaces, hyphens or apostrophes
    runs: list[list[re.Match[str]]] = [[words[0]]]
    for before, word in pairwise(words):
        if _PINYIN_JOINER.fullmatch(text, before.end(), word.start()):
            runs[-1].append(word)
        else:
            runs.append([word])
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    pos = 0
    for run in runs:
        plain = [_plain(w.group(0)) for w in run]
        i = 0
        while i < len(run):
            found = None
            # the most words first; no term has more syllables than characters
            for j in range(min(len(run), i + index.longest), i, -1):
                letters = "".join(plain[i:j])
                entries = index.by_letters.get(letters, ())
                cuts, at = set(), 0
                for p in plain[i : j - 1]:
                    at += len(p)
                    cuts.add(at)
                fits = {t for t, ends in entries if cuts <= ends}
                if len(fits) == 1:
                    found = (j, next(iter(fits)))
                    break
            if found is None:
                i += 1
                continue
            j, term = found
            start, end = run[i].start(), run[j - 1].end()
            out.append(text[pos:start])
            out.append(term)
            changes.append((text[start:end], term))
            pos = end
            i = j
    out.append(text[pos:])
    return "".join(out), changes
