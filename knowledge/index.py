"""The clause index: a Chroma collection (dense) and BM25 (keywords) over the same chunks.

On disk, under ``settings.index_dir``::

    .lock                      one writer at a time (fcntl)
    CURRENT                    names the build readers use; replaced atomically, last
    builds/<build id>/         manifest.json, chunks.json, chroma/ (embedded mode)
    embedding-cache.sqlite3    passage vectors by (model, text hash): unchanged text is
                               never embedded twice

A build is written into a fresh folder and only then named in CURRENT, so readers never
see a half-built index, and a build killed half-way leaves CURRENT on the previous one.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.types import EmbeddingFunction
from chromadb.utils.embedding_functions import register_embedding_function

from knowledge.bm25 import KeywordIndex
from knowledge.chunking import Chunk, chunk_clauses
from knowledge.clause import ParsedPolicy
from knowledge.embedding import Embedder
from knowledge.embedding_cache import EmbeddingCache, embed_with_cache
from knowledge.index_locks import (
    LOCK_TIMEOUT_S,
    IndexError_,
    hold_in_use,
    in_use,
    writer_lock,
)
from knowledge.index_manifest import (
    INDEX_FORMAT,
    IndexManifest,
    expected_manifest,
    policy_hash,
    store_name,
)
from knowledge.settings import Settings
from knowledge.tokenize import add_terms, clause_reference_tokens, tokenize

log = logging.getLogger(__name__)

__all__ = [
    "INDEX_FORMAT",
    "LOCK_TIMEOUT_S",
    "ClauseEmbeddingFunction",
    "ClauseIndex",
    "EmbeddingCache",
    "IndexError_",
    "IndexManifest",
    "embed_with_cache",
    "expected_manifest",
    "policy_hash",
    "store_name",
    "writer_lock",
]


@register_embedding_function
class ClauseEmbeddingFunction(EmbeddingFunction[list[str]]):
    """Our own embedder as Chroma's embedding function — never Chroma's default, which
    downloads a model on first use."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: list[str]) -> list[np.ndarray]:
        return list(self._embedder.embed_passages(list(input)))

    def embed_query(self, input: list[str]) -> list[np.ndarray]:
        return list(self._embedder.embed_queries(list(input)))

    @staticmethod
    def name() -> str:
        return "policy-assistant-embedder"

    def get_config(self) -> dict[str, Any]:
        return {"model_id": self._embedder.model_id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ClauseEmbeddingFunction:
        raise IndexError_(f"embedding model {config.get('model_id')} must be passed in explicitly")

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]


def _chroma_client(settings: Settings, build_dir: Path) -> chromadb.ClientAPI:
    chroma_settings = chromadb.config.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    chroma_dir = build_dir / "chroma"
    complete = (build_dir / "manifest.json").is_file()  # opening a build, not writing one
    if complete and not os.access(chroma_dir, os.W_OK):
        chroma_dir = _writable_copy(chroma_dir)
    try:
        return chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings)
    except Exception as exc:
        if not complete or not any(w in str(exc) for w in ("disk is full", "readonly")):
            raise
        return chromadb.PersistentClient(
            path=str(_writable_copy(build_dir / "chroma")), settings=chroma_settings
        )


def _writable_copy(chroma_dir: Path) -> Path:
    """Chroma writes even to read: a complete build on a read-only or full disk is opened
    from a private copy (removed at exit) instead of being taken for a damaged one."""
    copy = Path(tempfile.mkdtemp(prefix="policy-index-"))
    atexit.register(shutil.rmtree, copy, ignore_errors=True)
    shutil.copytree(chroma_dir, copy / "chroma")
    log.warning("索引目录只读：从临时副本打开索引（%s）", chroma_dir.parent.name)
    return copy / "chroma"


def _collection_name(build_id: str) -> str:
    return f"clauses-{build_id}"


class ClauseIndex:
    """An opened, complete build: chunks, their Chroma collection and a BM25 model."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        manifest: IndexManifest,
        chunks: list[Chunk],
        tokens: list[list[str]],
        build_dir: Path,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.manifest = manifest
        self.chunks = chunks
        self.build_dir = build_dir
        self._bm25 = KeywordIndex(tokens)
        client = _chroma_client(settings, build_dir)
        self._collection = client.get_collection(
            _collection_name(manifest.build_id),
            embedding_function=ClauseEmbeddingFunction(embedder),  # type: ignore[arg-type]
        )
        count = self._collection.count()
        if count != manifest.chunk_count or len(chunks) != manifest.chunk_count:
            raise IndexError_(f"索引不完整：集合有 {count} 条，清单记录 {manifest.chunk_count} 条")
        self._position = {chunk.id: i for i, chunk in enumerate(chunks)}
        self._in_use = hold_in_use(build_dir)  # clean-up never removes a build in use

    # -- opening and building -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder,
        policies: Sequence[ParsedPolicy],
        *,
        rebuild_if_stale: bool = True,
        progress: bool = True,
    ) -> ClauseIndex:
        for policy in policies:
            add_terms(policy.meta.terms)
        wanted = expected_manifest(settings, embedder, policies)
        index = cls._try_open_current(settings, embedder, wanted)
        if index is not None:
            return index
        if not rebuild_if_stale:
            raise IndexError_("索引缺失或已过期：请运行 `python -m knowledge rebuild`")
        with writer_lock(settings.index_dir):
            # Another process may have finished the same build while we waited.
            index = cls._try_open_current(settings, embedder, wanted, quiet=True)
            if index is not None:
                return index
            cls.build(settings, embedder, policies, wanted, progress=progress)
        index = cls._try_open_current(settings, embedder, wanted)
        if index is None:
            raise IndexError_("索引构建后仍无法打开")
        return index

    @classmethod
    def _try_open_current(
        cls, settings: Settings, embedder: Embedder, wanted: IndexManifest, quiet: bool = False
    ) -> ClauseIndex | None:
        current = settings.index_dir / "CURRENT"
        if not current.exists():
            if not quiet:
                log.warning("未找到索引（%s），将构建索引", settings.index_dir)
            return None
        try:
            build_id = json.loads(current.read_text("utf-8"))["build_id"]
            build_dir = settings.index_dir / "builds" / build_id
            manifest = IndexManifest.model_validate_json(
                (build_dir / "manifest.json").read_text("utf-8")
            )
            if not manifest.same_content(wanted):
                if not quiet:
                    log.warning("索引已过期（模型、解析器或政策文本有变化），将重建索引")
                return None
            stored = json.loads((build_dir / "chunks.json").read_text("utf-8"))
            chunks = [Chunk.model_validate(c) for c in stored["chunks"]]
            return cls(settings, embedder, manifest, chunks, stored["tokens"], build_dir)
        except Exception as exc:
            # A deleted or corrupted index is rebuilt, never trusted — whatever the damage
            # (missing files, bad JSON, a Chroma folder that will not open, a short count).
            if not quiet:
                log.warning("索引已损坏或不完整（%s: %s），将重建索引", type(exc).__name__, exc)
            return None

    @classmethod
    def build(
        cls,
        settings: Settings,
        embedder: Embedder,
        policies: Sequence[ParsedPolicy],
        manifest: IndexManifest,
        *,
        progress: bool = True,
    ) -> IndexManifest:
        """Write a complete new build, then point CURRENT at it. Call under writer_lock."""
        builds = settings.index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        build_dir = builds / build_id
        build_dir.mkdir()
        try:
            return cls._build_into(settings, embedder, policies, manifest, build_id, progress)
        except BaseException:
            if _current_build(settings) == build_id:  # failed after it went live: keep it
                raise
            # A failed build leaves nothing behind: no empty or half folder, no collection.
            shutil.rmtree(build_dir, ignore_errors=True)
            if settings.chroma_host:
                with contextlib.suppress(Exception):
                    _chroma_client(settings, build_dir).delete_collection(
                        _collection_name(build_id)
                    )
            raise

    @classmethod
    def _build_into(
        cls,
        settings: Settings,
        embedder: Embedder,
        policies: Sequence[ParsedPolicy],
        manifest: IndexManifest,
        build_id: str,
        progress: bool,
    ) -> IndexManifest:
        started = time.perf_counter()
        build_dir = settings.index_dir / "builds" / build_id
        chunks = chunk_clauses([c for p in policies for c in p.clauses])
        tokens = [
            tokenize(chunk.text) + clause_reference_tokens(chunk.clause_id) for chunk in chunks
        ]
        vectors = embed_with_cache(settings, embedder, [c.text for c in chunks], progress)

        client = _chroma_client(settings, build_dir)
        collection = client.create_collection(
            _collection_name(build_id),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=ClauseEmbeddingFunction(embedder),  # type: ignore[arg-type]
        )
        batch = max(1, min(client.get_max_batch_size(), 1000))
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            collection.add(
                ids=[c.id for c in part],
                embeddings=[vectors[i] for i in range(start, start + len(part))],
                documents=[c.text for c in part],
                metadatas=[
                    {
                        "slug": c.slug,
                        "clause_id": c.clause_id,
                        "order": c.order,
                        "path": c.path,
                        "departments": c.departments,
                    }
                    for c in part
                ],
            )
        (build_dir / "chunks.json").write_text(
            json.dumps(
                {"chunks": [c.model_dump() for c in chunks], "tokens": tokens}, ensure_ascii=False
            ),
            "utf-8",
        )
        final = manifest.model_copy(
            update={
                "build_id": build_id,
                "chunk_count": len(chunks),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        (build_dir / "manifest.json").write_text(final.model_dump_json(indent=2), "utf-8")
        _atomic_write(settings.index_dir / "CURRENT", json.dumps({"build_id": build_id}))
        cls._remove_old_builds(settings, keep={build_id}, client=client)
        log.info(
            "索引已构建：%d 个片段，%.1f 秒（%s）",
            len(chunks),
            time.perf_counter() - started,
            build_id,
        )
        return final

    @staticmethod
    def _remove_old_builds(settings: Settings, keep: set[str], client: chromadb.ClientAPI) -> None:
        """Keep the newest two complete builds and every build a reader has open; remove
        the rest, and any folder without a manifest (a build that died half-way: only one
        writer runs, under the lock, so no such folder is still being written)."""
        builds = sorted((settings.index_dir / "builds").iterdir(), key=lambda p: p.name)
        # newest by when the manifest was written: ids made within one second (the id's
        # timestamp) sort by their random suffix, not by age
        complete = sorted(
            (p for p in builds if (p / "manifest.json").is_file()),
            key=lambda p: ((p / "manifest.json").stat().st_mtime_ns, p.name),
        )
        keep |= {p.name for p in complete[-2:]}
        for folder in builds:
            if folder.name in keep or (folder in complete and in_use(folder)):
                continue
            shutil.rmtree(folder, ignore_errors=True)
            if settings.chroma_host:
                with contextlib.suppress(Exception):  # already gone on the server
                    client.delete_collection(_collection_name(folder.name))

    # -- queries ----------------------------------------------------------------------------

    def dense_search(self, query_vector: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        """Chunks by cosine similarity, best first."""
        n = min(n, len(self.chunks))
        result = self._collection.query(
            query_embeddings=[query_vector], n_results=n, include=["distances"]
        )
        ids = result["ids"][0]
        distances = result["distances"][0] if result["distances"] else [1.0] * len(ids)
        return [
            (self.chunks[self._position[i]], 1.0 - float(d))
            for i, d in zip(ids, distances, strict=True)
            if i in self._position
        ]

    def keyword_search(self, tokens: list[str], n: int) -> list[tuple[Chunk, float]]:
        """Chunks by BM25 score, best first; chunks sharing no token are left out."""
        return [(self.chunks[i], score) for i, score in self._bm25.search(tokens, n)]


def _current_build(settings: Settings) -> str | None:
    try:
        return json.loads((settings.index_dir / "CURRENT").read_text("utf-8"))["build_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
