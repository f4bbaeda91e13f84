"""BM25 over the chunks' tokens as a sparse matrix (bm25s): a query touches only the
postings of its own tokens, so keyword search stays sub-linear in the corpus.

Scores are exactly those of rank_bm25's ``BM25Okapi``, used before (k1 1.5, b 0.75,
``tf·(k1+1) / (tf + k1·(1−b+b·len/avglen))``, a query token counted as often as it occurs,
idf ``log((N−df+0.5)/(df+0.5))`` and, for a token in more than half of the chunks, 0.25 × the
mean idf instead of a negative one). bm25s has no such floor: its Robertson idf drops those
tokens to 0, which reordered 182 of 346 dev questions' candidate lists. So the matrix is built
with bm25s' always-positive Lucene idf and each token's column is rescaled to BM25Okapi's idf.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

K1 = 1.5
B = 0.75


class KeywordIndex:
    """Token lists in, ``search(tokens, n)`` → (document position, score), best first."""

    def __init__(self, corpus_tokens: Sequence[Sequence[str]]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own to DEBUG
        self.size = len(corpus_tokens)
        self._bm25: bm25s.BM25 | None = None
        if not any(corpus_tokens):  # bm25s cannot index an empty vocabulary
            return
        # "atire" term weight = tf·(k1+1)/(tf + k1·(…)), the Okapi one; idf replaced below.
        bm25 = bm25s.BM25(k1=K1, b=B, method="atire", idf_method="lucene", dtype="float64")
        bm25.index([list(t) for t in corpus_tokens], create_empty_token=False, show_progress=False)
        self._bm25 = bm25
        self._indices = np.asarray(bm25.scores["indices"])
        self._indptr = np.asarray(bm25.scores["indptr"])
        df = np.diff(self._indptr).astype(np.float64)  # one entry per (token, chunk)
        n = float(self.size)
        lucene = np.log1p((n - df + 0.5) / (df + 0.5))
        okapi = np.log(n - df + 0.5) - np.log(df + 0.5)
        okapi[okapi < 0] = 0.25 * okapi.mean()  # BM25Okapi's epsilon × average idf
        scale = np.repeat(okapi / lucene, np.diff(self._indptr))
        self._data = np.asarray(bm25.scores["data"], dtype=np.float64) * scale

    def search(self, tokens: Sequence[str], n: int) -> list[tuple[int, float]]:
        """Documents sharing a token with the query, by score (ties: corpus order)."""
        if self._bm25 is None or n <= 0:
            return []
        ids = self._bm25.get_tokens_ids(list(tokens))
        if not ids:
            return []
        spans = [(self._indptr[i], self._indptr[i + 1]) for i in ids]
        docs = np.concatenate([self._indices[a:b] for a, b in spans])
        weights = np.concatenate([self._data[a:b] for a, b in spans])
        if not docs.size:
            return []
        found, inverse = np.unique(docs, return_inverse=True)
        scores = np.bincount(inverse, weights=weights)
        order = np.lexsort((found, -scores))[:n]  # best score first, then corpus order
        return [(int(found[i]), float(scores[i])) for i in order if scores[i] > 0]
