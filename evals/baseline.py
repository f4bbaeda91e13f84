"""The naive baseline: LangChain's textbook RAG over the same policy and the same model.

RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) over the raw policy text,
an in-memory Chroma collection (cosine space) embedded with the project's model through
``knowledge.embedding.LangchainEmbeddings``, top-3 chunks, and the answer is simply the
top chunk's text: no award computation, never a refusal.

So that citation figures compare directly with the real system, every chunk is mapped back
to the clauses it overlaps (located by offset in the raw text); a chunk's citations are
those clauses in document order, and an answer's citations are those of its three chunks,
best chunk first, without repeats.
"""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.clause import Clause, ParsedPolicy

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 3


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFKC without whitespace, and for each kept character its offset in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch):
            if not out.isspace():
                chars.append(out)
                offsets.append(i)
    return "".join(chars), offsets


def clause_spans(raw: str, clauses: Sequence[Clause]) -> list[tuple[int, int, Clause]]:
    """Where each clause's text lies in the raw document: (start, end, clause), in order.

    Searched in document order from the end of the previous clause, so a heading-only
    section (四.(一) is just "支持企业做大做强") is found at its heading, not elsewhere.
    A clause whose text cannot be found (a parser that rewrites text) is left out.
    """
    norm, offsets = _normalised_with_offsets(raw)
    spans = []
    cursor = 0
    for clause in sorted(clauses, key=lambda c: c.order):
        needle, _ = _normalised_with_offsets(clause.text)
        if not needle:
            continue
        at = norm.find(needle, cursor)
        length = len(needle)
        if at < 0:  # fall back to the opening words
            length = min(len(needle), 30)
            at = norm.find(needle[:length], cursor)
        if at < 0:
            continue
        end = at + length
        spans.append((offsets[at], offsets[end - 1] + 1, clause))
        cursor = end
    return spans


@dataclass(frozen=True)
class NaiveChunk:
    text: str
    start: int
    slug: str
    refs: tuple[str, ...]  # the clauses it overlaps, document order


@dataclass(frozen=True)
class NaiveHit:
    chunk: NaiveChunk
    score: float  # cosine similarity (1 - distance)


def split_policy(
    raw: str, policy: ParsedPolicy, default_slug: str | None
) -> list[tuple[NaiveChunk, dict[str, Clause]]]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    spans = clause_spans(raw, policy.clauses)
    out = []
    for doc in splitter.create_documents([raw]):
        start = int(doc.metadata["start_index"])
        end = start + len(doc.page_content)
        overlapped = {}
        for s, e, clause in spans:
            if s < end and start < e:
                overlapped[clause.qualified_id(default_slug)] = clause
        chunk = NaiveChunk(doc.page_content, start, policy.meta.slug, tuple(overlapped))
        out.append((chunk, overlapped))
    return out


class NaiveRag:
    """Build with :meth:`build`; ``ask`` has the runner's signature, ``search`` the bench's."""

    def __init__(
        self, store: Any, chunks: list[NaiveChunk], clauses: dict[str, Clause], build_seconds: float
    ) -> None:
        self._store = store
        self.chunks = chunks
        self._clauses = clauses
        self.build_seconds = build_seconds

    @classmethod
    def build(cls, settings: Any, *, embedder: Any = None) -> NaiveRag:
        """Index every loaded policy's raw text. ``embedder`` reuses an already loaded model;
        loading it is not counted in ``build_seconds`` (splitting, embedding and adding are)."""
        import chromadb
        from langchain_chroma import Chroma

        from knowledge.catalog import load_policies, policy_dirs
        from knowledge.embedding import LangchainEmbeddings, load_embedder

        if embedder is None:
            embedder = load_embedder(settings)
        policies = load_policies(settings)
        folders = {d.name: d for d in policy_dirs(settings)}
        default_slug = settings.default_policy
        started = time.perf_counter()
        chunks: list[NaiveChunk] = []
        clauses: dict[str, Clause] = {}
        for policy in policies:
            folder = folders.get(policy.meta.slug)
            if folder is None:
                continue
            raw = (folder / policy.meta.source_file).read_text("utf-8")
            for chunk, overlapped in split_policy(raw, policy, default_slug):
                chunks.append(chunk)
                clauses.update(overlapped)
        client = chromadb.EphemeralClient(
            settings=chromadb.config.Settings(anonymized_telemetry=False)
        )
        store = Chroma(
            collection_name=f"naive-{uuid.uuid4().hex[:12]}",  # clients in one process share state
            embedding_function=LangchainEmbeddings(embedder),
            client=client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        store.add_texts(
            texts=[c.text for c in chunks],
            metadatas=[{"n": i, "slug": c.slug} for i, c in enumerate(chunks)],
            ids=[str(i) for i in range(len(chunks))],
        )
        return cls(store, chunks, clauses, time.perf_counter() - started)

    def search(self, question: str, k: int = TOP_K) -> list[NaiveHit]:
        found = self._store.similarity_search_with_score(question, k=k)
        return [
            NaiveHit(self.chunks[int(doc.metadata["n"])], round(1.0 - float(distance), 4))
            for doc, distance in found
        ]

    def ask(self, question: str, history: Sequence[str] = ()) -> dict[str, Any]:
        """The CONTRACT §2 object; the naive recipe ignores history (it has no memory)."""
        started = time.perf_counter()
        hits = self.search(question)
        citations: dict[str, dict[str, Any]] = {}
        for hit in hits:
            for ref in hit.chunk.refs:
                clause = self._clauses[ref]
                citations.setdefault(
                    ref,
                    {
                        "id": ref,
                        "policy": clause.slug,
                        "title": clause.title,
                        "text": clause.text,
                        "departments": list(clause.departments),
                        "score": hit.score,
                    },
                )
        return {
            "question": question,
            "answer": hits[0].chunk.text if hits else "",
            "refused": False,
            "citations": list(citations.values()),
            "award": None,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }
