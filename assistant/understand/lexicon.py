"""The general vocabulary file (``general_lexicon.yaml``), loaded once and checked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("general_lexicon.yaml")


@dataclass(frozen=True)
class GeneralLexicon:
    regional: dict[str, str]  # Taiwan/HK phrase (simplified characters) → mainland word
    english: dict[str, str]  # English phrase, lower case → the policy's Chinese term


def parse_lexicon(data: object) -> GeneralLexicon:
    """Validate the YAML structure; an English phrase may map to only one term."""
    if not isinstance(data, dict):
        raise ValueError("general_lexicon.yaml: expected a mapping at the top")
    regional = data.get("regional") or {}
    english_by_term = data.get("english") or {}
    if not isinstance(regional, dict) or not isinstance(english_by_term, dict):
        raise ValueError("general_lexicon.yaml: regional and english must be mappings")
    for key, value in regional.items():
        if not (isinstance(key, str) and isinstance(value, str) and key and value):
            raise ValueError(f"general_lexicon.yaml: bad regional entry {key!r}: {value!r}")
    english: dict[str, str] = {}
    for term, phrases in english_by_term.items():
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
    return GeneralLexicon(regional=dict(regional), english=english)


@lru_cache(maxsize=1)
def general_lexicon() -> GeneralLexicon:
    with LEXICON_PATH.open(encoding="utf-8") as fh:
        return parse_lexicon(yaml.safe_load(fh))
