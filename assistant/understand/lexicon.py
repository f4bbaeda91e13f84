"""The general vocabulary file (``general_lexicon.yaml``), loaded once and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.yaml_load import safe_load

LEXICON_PATH = Path(__file__).with_name("general_lexicon.yaml")


@dataclass(frozen=True)
class GeneralLexicon:
    regional: dict[str, str]  # Taiwan/HK phrase (simplified characters) → mainland word
    english: dict[str, str]  # English phrase, lower case → the policy's Chinese term
    unnoted: frozenset[str]  # English phrases (lower case) whose translation goes unmentioned


def parse_lexicon(data: object) -> GeneralLexicon:
    """Validate the YAML structure; an English phrase may map to only one term."""
    if not isinstance(data, dict):
        raise ValueError("general_lexicon.yaml: expected a mapping at the top")
    regional = data.get("regional") or {}
    english_by_term = data.get("english") or {}
    unnoted_by_term = data.get("english_unnoted") or {}
    if not all(isinstance(x, dict) for x in (regional, english_by_term, unnoted_by_term)):
        raise ValueError("general_lexicon.yaml: regional and english* must be mappings")
    for key, value in regional.items():
        if not (isinstance(key, str) and isinstance(value, str) and key and value):
            raise ValueError(f"general_lexicon.yaml: bad regional entry {key!r}: {value!r}")
    english: dict[str, str] = {}
    unnoted: set[str] = set()
    sections = [(t, p, False) for t, p in english_by_term.items()]
    sections += [(t, p, True) for t, p in unnoted_by_term.items()]
    for term, phrases, quiet in sections:
        if not isinstance(term, str) or not isinstance(phrases, list) or not phrases:
            raise ValueError(f"general_lexicon.yaml: bad english entry {term!r}")
        for phrase in phrases:
            key = str(phrase).strip().lower()
            if not key:
                raise ValueError(f"general_lexicon.yaml: empty phrase under {term!r}")
            if key in english and english[key] != term:
                raise ValueError(
                    f"general_lexicon.yaml: {phrase!r} maps to both {english[key]!r} and {term!r}"
                )
            english[key] = term
            if quiet:
                unnoted.add(key)
    return GeneralLexicon(regional=dict(regional), english=english, unnoted=frozenset(unnoted))


@lru_cache(maxsize=1)
def general_lexicon() -> GeneralLexicon:
    return parse_lexicon(general_data())


@lru_cache(maxsize=1)
def general_data() -> dict[str, Any]:
    """The file's entries, read once (through libyaml: ~8 ms instead of ~90 ms in pure Python;
    every stage of the front door asks for its entries from here)."""
    data = safe_load(LEXICON_PATH.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{LEXICON_PATH.name}: expected a mapping")
    return data


def general_words(name: str) -> tuple[str, ...]:
    """A word list of the general lexicon (a missing entry is an error, not silence)."""
    value = general_data().get(name)
    if value is None:
        raise KeyError(f"{LEXICON_PATH.name}: no entry {name}")
    if isinstance(value, str):
        return tuple(value)  # a string of single characters
    return tuple(str(v) for v in value)


def general_mapping(name: str) -> dict[str, str]:
    """A word → word mapping of the general lexicon (a missing entry is an error)."""
    value = general_data().get(name)
    if not isinstance(value, dict):
        raise KeyError(f"{LEXICON_PATH.name}: no mapping {name}")
    return {str(k): str(v) for k, v in value.items()}


@lru_cache(maxsize=64)
def general_pattern(name: str) -> re.Pattern[str]:
    """A regular expression of the general lexicon (entries named ``<name>_pattern``)."""
    value = general_data().get(f"{name}_pattern")
    if not isinstance(value, str):
        raise KeyError(f"{LEXICON_PATH.name}: no entry {name}_pattern")
    return re.compile(value)
