"""What text may go into the log: encodable (no lone surrogates), bounded, tokens as digests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# What one exchange may bring into the log from its history: the last items, each clipped.
HISTORY_LOG_ITEMS = 10
HISTORY_LOG_CHARS = 300


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot store) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def token_digest(token: str) -> str:
    return hashlib.sha256(clean_text(token).encode("utf-8")).hexdigest()


def bounded_history(history: Sequence[str]) -> list[str]:
    """The part of a history worth logging: the last items, each clipped, all encodable."""
    out = []
    for item in list(history)[-HISTORY_LOG_ITEMS:]:
        text = clean_text(str(item))
        out.append(text if len(text) <= HISTORY_LOG_CHARS else text[:HISTORY_LOG_CHARS] + "…")
    return out
