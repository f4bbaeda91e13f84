"""Index faults on the real Chroma store and model: a corrupt embedding cache, build
clean-up around orphans, failed builds and builds a reader still has open."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge import index as index_module
from knowledge.base import KnowledgeBase
from knowledge.catalog import load_policies
from knowledge.embedding import is_valid_model_dir, load_embedder
from knowledge.index import ClauseIndex, expected_manifest, writer_lock
from knowledge.settings import Settings

pytestmark = pytest.mark.slow
MODEL_DIR = Settings().default_model_dir


def make_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, embedding_model=str(MODEL_DIR))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one complete build and a filled embedding cache."""
    if not is_valid_model_dir(MODEL_DIR):
        pytest.fail(f"embedding model missing at {MODEL_DIR}: run `make setup` first")
    data_dir = tmp_path_factory.mktemp("built")
    KnowledgeBase.open(make_settings(data_dir), progress=False)
    return data_dir


@pytest.fixture(scope="module")
def embedder(built: Path) -> Any:
    return load_embedder(make_settings(built))


@pytest.fixture
def settings(built: Path, tmp_path: Path) -> Iterator[Settings]:
    shutil.copytree(built / "index", tmp_path / "index")
    yield make_settings(tmp_path)


def rebuild(settings: Settings, embedder: Any) -> str:
    policies = load_policies(settings)
    with writer_lock(settings.index_dir):
        manifest = ClauseIndex.build(
            settings,
            embedder,
            policies,
            expected_manifest(settings, embedder, policies),
            progress=False,
        )
    return manifest.build_id


def builds(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / "builds").iterdir())


def test_corrupt_embedding_cache_is_discarded_and_rebuilt(
    settings: Settings, embedder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cache = settings.index_dir / "embedding-cache.sqlite3"
    cache.write_bytes(b"this is not a database" * 200)  # the fault
    before = builds(settings)
    new_id = rebuild(settings, embedder)
    assert "嵌入缓存已损坏" in caplog.text
    assert builds(settings) == sorted([*before, new_id])  # no empty build folder left
    conn = sqlite3.connect(cache)
    try:
        assert conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] >= 57  # refilled
    finally:
        conn.close()
    kb = KnowledgeBase.open(settings, progress=False)
    assert kb.index.manifest.build_id == new_id


def test_clean_up_removes_orphans_and_keeps_the_previous_complete_build(
    settings: Settings, embedder: Any
) -> None:
    [first] = builds(settings)
    orphan = settings.index_dir / "builds" / "29991231T235959-orphan"  # sorts newest
    orphan.mkdir()
    second = rebuild(settings, embedder)
    assert builds(settings) == sorted([first, second])  # orphan gone, previous kept


def test_a_failed_build_leaves_no_folder(
    settings: Settings, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = builds(settings)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_module, "embed_with_cache", broken)
    with pytest.raises(OSError):
        rebuild(settings, embedder)
    assert builds(settings) == before


def test_clean_up_never_removes_the_build_a_reader_uses(settings: Settings, embedder: Any) -> None:
    reader = KnowledgeBase.open(settings, progress=False)  # e.g. a running server
    in_use = reader.index.manifest.build_id
    for _ in range(3):
        rebuild(settings, embedder)
    assert in_use in builds(settings)
    assert len(builds(settings)) == 3  # the two newest, and the one in use
    hits = reader.search("首轮流片补贴", k=3)
    assert any(h.clause.id == "四.10" for h in hits)
