"""English words and abbreviations → the policy's own Chinese terms (general_lexicon.yaml).

Case-insensitive and on word boundaries, longest phrase first. Words are runs of letters,
digits, & and apostrophes; a phrase matches its words in order with spaces, hyphens or
nothing between them (tape out ~ tapeout ~ tape-out), an apostrophe may be ' or ’ or left
out, and a plural s/es may follow a last word of three letters or more. Lookup is by words
(a dictionary), not one regular expression of every phrase: that was 4 ms on "MEMS".
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from assistant.understand.lexicon import general_lexicon

_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Za-z0-9&'’_]+")  # _ joins: amount_yuan is one word
_JOINER = re.compile(r"[\s\-]*")  # what may stand between the words of one phrase


def _key(words: list[str] | str) -> str:
    joined = "".join(words) if isinstance(words, list) else words
    return re.sub(r"['’\s\-]", "", joined).lower()


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], frozenset[str], int]:
    lexicon = general_lexicon()
    table: dict[str, str] = {}
    longest = 1
    for phrase, term in lexicon.english.items():
        table[_key(phrase)] = term
        longest = max(longest, len(_WORD.findall(phrase)))
    return table, frozenset(_key(p) for p in lexicon.unnoted), longest


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
    table, unnoted, longest = _table()
    words = list(_WORD.finditer(text))
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    pos = i = 0
    while i < len(words):
        found = None
        for j in range(min(len(words), i + longest), i, -1):
            run = words[i:j]
            if any(not _JOINER.fullmatch(text, a.end(), b.start()) for a, b in pairwise(run)):
                continue  # words of one phrase are separated only by spaces or hyphens
            key = _lookup(_key([w.group(0) for w in run]), table)
            if key is not None:
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
