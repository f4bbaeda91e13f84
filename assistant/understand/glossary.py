"""English words and abbreviations → the policy's own Chinese terms (general_lexicon.yaml).

Case-insensitive, on word boundaries (a letter or digit may not touch either end), longest
phrase first. In a phrase a space or hyphen also matches a hyphen, a space or nothing
(tape out ~ tapeout ~ tape-out), an apostrophe matches ' or ’ or nothing, and a plural
s/es may follow the last word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.understand.lexicon import general_lexicon

_LATIN = re.compile(r"[A-Za-z]")


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for ch in phrase:
        if ch in " -":
            parts.append(r"[\s\-]*")
        elif ch in "'’":
            parts.append(r"['’]?")
        else:
            parts.append(re.escape(ch))
    tail = "(?:e?s)?" if phrase[-1].isalpha() else ""
    return "".join(parts) + tail


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], dict[str, str]]:
    table = general_lexicon().english
    phrases = sorted(table, key=lambda p: (-len(p), p))
    body = "|".join(f"(?P<g{i}>{_phrase_pattern(p)})" for i, p in enumerate(phrases))
    pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", re.IGNORECASE)
    return pattern, {f"g{i}": table[p] for i, p in enumerate(phrases)}


def translate_english(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with glossary phrases replaced; returns (as written, term) pairs."""
    if not _LATIN.search(text):
        return text, []
    pattern, terms = _compiled()
    changes: list[tuple[str, str]] = []

    def swap(m: re.Match[str]) -> str:
        term = terms[m.lastgroup or ""]
        changes.append((m.group(0), term))
        return term

    return pattern.sub(swap, text), changes
