"""English words and abbreviations → the policy's own Chinese terms (general_lexicon.yaml).

Case-insensitive and on word boundaries, longest phrase first. Words are runs of letters,
digits, & and apostrophes; a phrase matches its words in order with spaces, hyphens or
nothing between them (tape out ~ tapeout ~ tape-out), an apostrophe may be ' or ’ or left
out, and a plural s/es may follow a last word of three letters or more. A phrase written
with a comma in the lexicon ("cross-industry, cross-domain platform") also matches with one
there; a Chinese gloss in brackets inside a phrase ("cross-domain (双跨) platform": the
user's own translation) is read through and left out. Lookup is by words (a dictionary),
not one regular expression of every phrase: that was 4 ms on "MEMS".
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from assistant.understand.lexicon import general_lexicon

_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Za-z0-9&'’_]+")  # _ joins: amount_yuan is one word
_JOINER = re.compile(r"[\s\-]*")  # what may stand between the words of one phrase
_COMMA_JOINER = re.compile(r"[\s\-]*,[\s\-]*")  # ... of a phrase written with a comma
# the user's own Chinese for the English around it ("cross-domain (双跨) platform")
_GLOSS = re.compile(r"\s*[(（][\u4e00-\u9fff]{1,12}[)）]\s*")


def _key(words: list[str] | str) -> str:
    joined = "".join(words) if isinstance(words, list) else words
    return re.sub(r"['’\s\-,]", "", joined).lower()


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], frozenset[str], int, frozenset[str]]:
    lexicon = general_lexicon()
    table: dict[str, str] = {}
    longest = 1
    for phrase, term in lexicon.english.items():
        table[_key(phrase)] = term
        longest = max(longest, len(_WORD.findall(phrase)))
    commas = frozenset(_key(p) for p in lexicon.english if "," in p)
    return table, frozenset(_key(p) for p in lexicon.unnoted), longest, commas


def _joined(text: str, start: int, end: int) -> str | None:
    """How two words of one phrase are joined: "" (spaces, hyphens, a gloss), "," or None."""
    between = text[start:end]
    if _JOINER.fullmatch(between) or _GLOSS.fullmatch(between):
        return ""
    if _COMMA_JOINER.fullmatch(between):
        return ","
    return None


def _lookup(key: str, table: dict[str, str]) -> str | None:
    """The phrase key that matches (the key itself or its singular), if any."""
    if key in table:
        return key
    for plural in ("es", "s"):
        stem = key[: -len(plural)]
        if key.endswith(plural) and len(stem) >= 3 and stem in table:
            return stem
    return None


def translate_english(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with glossary phrases replaced; returns (as written, term) pairs to note."""
    if not _LATIN.search(text):
        return text, []
    table, unnoted, longest, commas = _table()
    words = list(_WORD.finditer(text))
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    pos = i = 0
    while i < len(words):
        found = None
        for j in range(min(len(words), i + longest), i, -1):
            run = words[i:j]
            joins = [_joined(text, a.end(), b.start()) for a, b in pairwise(run)]
            if None in joins:
                continue  # words of one phrase are separated only by spaces or hyphens
            key = _lookup(_key([w.group(0) for w in run]), table)
            if key is not None and ("," not in joins or key in commas):
                found = (j, key)
                break
        if found is None:
            i += 1
            continue
        j, key = found
        start, end = words[i].start(), words[j - 1].end()
        out.append(text[pos:start])
        out.append(table[key])
        if key not in unnoted:
            changes.append((text[start:end], table[key]))
        pos, i = end, j
    out.append(text[pos:])
    return "".join(out), changes
