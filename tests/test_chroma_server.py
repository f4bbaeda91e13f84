"""Scale-out: the store on a real Chroma server (``chroma run``) instead of embedded Chroma.

A module fixture starts ``chroma run`` on a free loopback port (tests/chroma_server.py) and
stops it at the end, so ``make test`` needs no manual step.

(a) ``KnowledgeBase`` built and searched with ``Settings(chroma_host=…, chroma_port=…)``
    finds the same top clauses as the embedded store.
(b) Two ``python -m ui`` processes sharing that server and one data folder both answer
    ``POST /api/ask``, identically.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from knowledge.base import KnowledgeBase
from knowledge.chroma_server import ChromaServer, chroma_server
from knowledge.settings import Settings
from tests.test_faults import answers, start_server, stop, wait_ok

pytestmark = [pytest.mark.chroma_server, pytest.mark.slow]

QUESTIONS = {
    "我们首轮流片花了800万元，能补多少？": "四.10",
    "软件企业首次进入中国软件百强有什么奖励？": "四.1",
    "智能工厂认定后能拿多少钱？": "四.15",
    "哪个部门负责数字经济统计？": None,
}


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    with chroma_server(tmp_path_factory.mktemp("chroma") / "db") as server:
        yield server


def data_dir_with_cache(root: Path) -> Path:
    """A fresh data folder whose embedding cache is the default one (no re-embedding)."""
    data_dir = root / "data"
    cache = Settings().index_dir / "embedding-cache.sqlite3"
    (data_dir / "index").mkdir(parents=True)
    if cache.is_file():
        shutil.copy2(cache, data_dir / "index" / cache.name)
    return data_dir


def settings_for(data_dir: Path, server: ChromaServer | None = None) -> Settings:
    extra = {"chroma_host": server.host, "chroma_port": server.port} if server else {}
    return Settings(data_dir=data_dir, embedding_model=str(Settings().default_model_dir), **extra)


def test_server_mode_search_matches_embedded(chroma: ChromaServer, tmp_path: Path) -> None:
    served = KnowledgeBase.open(
        settings_for(data_dir_with_cache(tmp_path / "s"), chroma), progress=False
    )
    embedded = KnowledgeBase.open(settings_for(data_dir_with_cache(tmp_path / "e")), progress=False)
    assert served.index.manifest.store == f"server:{chroma.host}:{chroma.port}"
    assert embedded.index.manifest.store == "embedded"
    # The vectors really live on the server: its collection holds every chunk.
    client = chromadb.HttpClient(host=chroma.host, port=chroma.port)
    names = [c.name for c in client.list_collections()]
    wanted = f"clauses-{served.index.manifest.build_id}"
    assert wanted in names
    assert client.get_collection(wanted).count() == served.index.manifest.chunk_count
    assert not (served.index.build_dir / "chroma").exists()  # nothing embedded on disk

    for question, clause in QUESTIONS.items():
        s_hits = served.search(question, k=5)
        e_hits = embedded.search(question, k=5)
        assert [h.ref for h in s_hits[:3]] == [h.ref for h in e_hits[:3]], question
        for s, e in zip(s_hits, e_hits, strict=True):
            assert s.dense_score == pytest.approx(e.dense_score, abs=1e-4)
        if clause:
            assert clause in [h.ref for h in s_hits[:3]], (question, s_hits)
        # Dense-only search goes through the server alone.
        assert [h.ref for h in served.search(question, k=3, mode="dense")] == [
            h.ref for h in embedded.search(question, k=3, mode="dense")
        ]


def test_two_ui_processes_share_one_chroma_server(chroma: ChromaServer, tmp_path: Path) -> None:
    data_dir = data_dir_with_cache(tmp_path)
    env = {"ASSISTANT_CHROMA_HOST": chroma.host, "ASSISTANT_CHROMA_PORT": str(chroma.port)}
    first = start_server(data_dir, "ui-a", env)
    try:
        wait_ok(first)  # builds the index into the server
        second = start_server(data_dir, "ui-b", env)
        try:
            wait_ok(second)
            log = second.server_output()
            assert "索引已构建" not in log, log  # the second reuses the first one's collection
            a, b = answers(first), answers(second)
            assert a == b
            assert a[0]["award"]["amount_yuan"] == 3_200_000
            assert "四.10" in [c["id"] for c in a[0]["citations"][:3]]
        finally:
            stop(second)
    finally:
        stop(first)
    builds = list((data_dir / "index" / "builds").iterdir())
    assert len(builds) == 1  # one build, shared by both processes
