"""Clause ids compared across qualified and bare forms, and the rank of the first hit."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

CITATION_TOP = 3  # CONTRACT §3: one of citations_any among the first 3 citations


def normalise_ref(ref: str, default_slug: str | None = None) -> str:
    """Width-insensitive ids: ``二.（二）`` == ``二.(二)``; ``<default slug>:四.1`` == ``四.1``."""
    ref = unicodedata.normalize("NFKC", ref).strip().replace(" ", "")
    if default_slug and ref.startswith(default_slug + ":"):
        ref = ref[len(default_slug) + 1 :]
    return ref


def first_rank(
    expected: Iterable[str], cited: Sequence[str], default_slug: str | None = None
) -> int | None:
    """1-based position of the first citation that is one of ``expected``; None if absent."""
    want = {normalise_ref(e, default_slug) for e in expected}
    for i, ref in enumerate(cited, start=1):
        if normalise_ref(ref, default_slug) in want:
            return i
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank
