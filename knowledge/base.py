"""The knowledge base: policies, their clauses and the fused search over them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from knowledge.catalog import load_policies
from knowledge.clause import Clause, ParsedPolicy, PolicyMeta, split_ref
from knowledge.embedding import Embedder, load_embedder
from knowledge.index import ClauseIndex
from knowledge.settings import Settings
from knowledge.tokenize import (
    REF_PREFIX,
    add_terms,
    query_tokens,
    reference_tokens,
    use_cache_dir,
)

SearchMode = Literal["fused", "rrf", "dense", "bm25"]

# "fused": min-max normalised scores, DENSE_SHARE × dense + (1 − DENSE_SHARE) × BM25.
# Measured against reciprocal-rank fusion on evals/dev/retrieval.jsonl (98 questions,
# `python -m evals.bench_retrieval`): score fusion keeps how *much* better the best
# clause is, which ranks alone throw away (hit@1 0.939 vs 0.908 for RRF k=60). Shares
# 0.5 and 0.6 tie on that set; 0.5 was better on the gold questions' citations.
DENSE_SHARE = 0.5
RRF_K = 60
CANDIDATES = 40


@dataclass(frozen=True)
class ClauseHit:
    clause: Clause
    ref: str  # qualified id (bare for the default policy)
    score: float  # fused relevance in (0, 1]; 1.0 = first in both rankings
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    bm25_score: float | None = None


Ranked = dict[tuple[str, str], tuple[int, float]]  # clause key -> (rank, raw score)


def _score_fusion(
    dense: Ranked, keyword: Ranked, dense_share: float
) -> dict[tuple[str, str], float]:
    """Each list's scores scaled to [0, 1] over its candidates, then mixed."""
    fused: dict[tuple[str, str], float] = {}
    d_scores = [s for _, s in dense.values()]
    d_low, d_high = (min(d_scores), max(d_scores)) if d_scores else (0.0, 1.0)
    b_high = max((s for _, s in keyword.values()), default=0.0) or 1.0
    for key in dense.keys() | keyword.keys():
        d = (dense[key][1] - d_low) / ((d_high - d_low) or 1.0) if key in dense else 0.0
        b = keyword[key][1] / b_high if key in keyword else 0.0
        fused[key] = dense_share * d + (1 - dense_share) * b
    return fused


def _rrf(dense: Ranked, keyword: Ranked) -> dict[tuple[str, str], float]:
    """Reciprocal-rank fusion, scaled so first in both lists scores 1."""
    best = 2 / (RRF_K + 1)
    return {
        key: sum(1 / (RRF_K + r[key][0]) for r in (dense, keyword) if key in r) / best
        for key in dense.keys() | keyword.keys()
    }


class _QueryCache:
    """Recent query vectors: evaluators and hotline staff repeat questions."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, text: str) -> np.ndarray:
        with self._lock:
            if text in self._items:
                self._items.move_to_end(text)
                return self._items[text]
        vector = embedder.embed_queries([text])[0]
        with self._lock:
            self._items[text] = vector
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return vector


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        policies: Sequence[ParsedPolicy],
        index: ClauseIndex,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self._policies = list(policies)
        self._clauses: dict[tuple[str, str], Clause] = {
            (c.slug, c.id): c for p in policies for c in p.clauses
        }
        self._query_cache = _QueryCache()

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        rebuild_if_stale: bool = True,
        progress: bool = True,
        embedder: Embedder | Future[Embedder] | None = None,
    ) -> KnowledgeBase:
        """``embedder``: the model if the caller has it, or is already loading it (a server
        starts that first, beside its imports); loaded here otherwise."""
        # The model loads in C++ (onnxruntime or torch, the GIL released) while this thread
        # reads the policies and loads jieba's dictionary (Python): start-up pays the longer
        # of the two, not their sum.
        use_cache_dir(settings.data_dir / "cache")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-loader") as pool:
            loading = pool.submit(load_embedder, settings) if embedder is None else embedder
            policies = load_policies(settings)
            for policy in policies:
                add_terms(policy.meta.terms)
            embedder = loading.result() if isinstance(loading, Future) else loading
        index = ClauseIndex.open(
            settings, embedder, policies, rebuild_if_stale=rebuild_if_stale, progress=progress
        )
        return cls(settings, embedder, policies, index)

    # -- clauses ------------------------------------------------------------------------------

    def policies(self) -> list[PolicyMeta]:
        return [p.meta for p in self._policies]

    def policy(self, slug: str) -> PolicyMeta | None:
        return next((p.meta for p in self._policies if p.meta.slug == slug), None)

    def clauses(self, slug: str | None = None) -> list[Clause]:
        return [c for p in self._policies for c in p.clauses if slug in (None, p.meta.slug)]

    def closing_clause(self, slug: str) -> Clause | None:
        """The clause that states when the policy runs (尾)."""
        return next((c for c in self.clauses(slug) if c.kind == "closing"), None)

    def qualified_id(self, clause: Clause) -> str:
        return clause.qualified_id(self.settings.default_policy)

    def clause(self, ref: str) -> Clause | None:
        """``四.10`` (default policy) or ``slug:四.10``; full-width brackets accepted."""
        return self._clauses.get(split_ref(ref, self.settings.default_policy))

    # -- search -------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, mode: SearchMode = "fused") -> list[ClauseHit]:
        dense: Ranked = {}
        keyword: Ranked = {}
        if mode in ("fused", "rrf", "dense"):
            vector = self._query_cache.get(self.embedder, query)
            for chunk, sim in self.index.dense_search(vector, CANDIDATES):
                key = (chunk.slug, chunk.clause_id)
                if key not in dense:
                    dense[key] = (len(dense) + 1, sim)
        if mode in ("fused", "rrf", "bm25"):
            for chunk, score in self.index.keyword_search(query_tokens(query), CANDIDATES):
                key = (chunk.slug, chunk.clause_id)
                if key not in keyword:
                    keyword[key] = (len(keyword) + 1, score)

        fused = (
            _rrf(dense, keyword)
            if mode == "rrf"
            else _score_fusion(
                dense, keyword, {"fused": DENSE_SHARE, "dense": 1.0, "bm25": 0.0}[mode]
            )
        )
        # A clause the question names outright ("第四部分第12条", "四.12") comes first.
        named = [t.removeprefix(REF_PREFIX) for t in reference_tokens(query)]
        for clause_id in named:
            key = (self.settings.default_policy, clause_id)
            if key in self._clauses:
                fused[key] = 1.0 + 1e-3 * (len(named) - named.index(clause_id))
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], self._clauses[kv[0]].order))
        hits = []
        for key, score in ranked[:k]:
            clause = self._clauses[key]
            d, b = dense.get(key), keyword.get(key)
            hits.append(
                ClauseHit(
                    clause=clause,
                    ref=self.qualified_id(clause),
                    score=round(min(score, 1.0), 4),
                    dense_rank=d[0] if d else None,
                    bm25_rank=b[0] if b else None,
                    dense_score=d[1] if d else None,
                    bm25_score=b[1] if b else None,
                )
            )
        return hits
