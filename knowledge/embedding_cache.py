"""Passage vectors by (model, text hash) in SQLite: unchanged text is never embedded twice."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge.embedding import Embedder
from knowledge.settings import Settings

log = logging.getLogger("knowledge.index")


class EmbeddingCache:
    """Passage vectors keyed by model and text hash, in SQLite."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model_id TEXT, text_hash TEXT, vec BLOB,"
            " PRIMARY KEY (model_id, text_hash))"
        )

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model_id: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list({self.key(t) for t in texts})
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT text_hash, vec FROM vectors WHERE model_id=? AND text_hash IN ({marks})",
                [model_id, *batch],
            )
            for text_hash, blob in rows:
                found[text_hash] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model_id, k, v.astype(np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


def embed_with_cache(
    settings: Settings, embedder: Embedder, texts: list[str], progress: bool
) -> list[np.ndarray]:
    cache, known = _open_cache(settings.index_dir / "embedding-cache.sqlite3", embedder, texts)
    try:
        todo = [t for t in dict.fromkeys(texts) if EmbeddingCache.key(t) not in known]
        batch = 32
        bar = tqdm(
            total=len(todo), desc="嵌入条款片段", unit="段", disable=not progress or not todo
        )
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            vectors = embedder.embed_passages(part)
            fresh = {EmbeddingCache.key(t): v for t, v in zip(part, vectors, strict=True)}
            cache.put_many(embedder.model_id, fresh)
            known.update(fresh)
            bar.update(len(part))
        bar.close()
        return [known[EmbeddingCache.key(t)] for t in texts]
    finally:
        cache.close()


def _open_cache(
    path: Path, embedder: Embedder, texts: list[str]
) -> tuple[EmbeddingCache, dict[str, np.ndarray]]:
    """The cache and what it already knows. It is derived data: a file SQLite cannot read
    (truncated, overwritten, not a database) is discarded and started afresh."""
    try:
        cache = EmbeddingCache(path)
        try:
            return cache, cache.get_many(embedder.model_id, texts)
        except BaseException:
            cache.close()
            raise
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):  # locked, disk full, I/O: not damage
            raise
        log.warning("嵌入缓存已损坏（%s），已丢弃并重建", exc)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        cache = EmbeddingCache(path)
        return cache, {}
