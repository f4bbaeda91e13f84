"""The general question vocabulary (general_lexicon.yaml), loaded once and compiled."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

GENERAL_LEXICON = Path(__file__).with_name("general_lexicon.yaml")


@lru_cache(maxsize=1)
def _general() -> dict[str, Any]:
    data = yaml.safe_load(GENERAL_LEXICON.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{GENERAL_LEXICON}: expected a mapping")
    return data


def general_words(name: str) -> tuple[str, ...]:
    """A word list of the general lexicon (a missing entry is an error, not silence)."""
    value = _general().get(name)
    if value is None:
        raise KeyError(f"{GENERAL_LEXICON.name}: no entry {name}")
    if isinstance(value, str):
        return tuple(value)  # a string of single characters
    return tuple(str(v) for v in value)


@lru_cache(maxsize=64)
def general_pattern(name: str) -> re.Pattern[str]:
    """A regular expression of the general lexicon (entries named ``<name>_pattern``)."""
    value = _general().get(f"{name}_pattern")
    if not isinstance(value, str):
        raise KeyError(f"{GENERAL_LEXICON.name}: no entry {name}_pattern")
    return re.compile(value)
