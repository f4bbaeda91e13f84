"""The clause index on a real Chroma store and the real embedding model.

Covers staleness, the embedding cache, recovery from a deleted or corrupted index,
a build killed half-way, and the single-writer lock across processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.catalog import add_policy
from knowledge.embedding import is_valid_model_dir
from knowledge.index import writer_lock
from knowledge.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow
MODEL_DIR = Settings().default_model_dir
POLICY_TEXT = PROJECT_ROOT / "knowledge/policies/zhengzhou-ngit-2022/policy.txt"


@pytest.fixture(scope="module", autouse=True)
def _model_ready() -> None:
    if not is_valid_model_dir(MODEL_DIR):
        pytest.fail(f"embedding model missing at {MODEL_DIR}: run `make setup` first")


def make_settings(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, embedding_model=str(MODEL_DIR), **kw)


def current_build(settings: Settings) -> str:
    return json.loads((settings.index_dir / "CURRENT").read_text())["build_id"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    return KnowledgeBase.open(make_settings(tmp_path_factory.mktemp("kb")), progress=False)


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("我们首轮流片花了800万元，能补多少？", "四.10"),
        ("第四部分第12条讲的是什么", "四.12"),
        ("四.5说的什么", "四.5"),
        ("头一回挤进全国电子信息前一百名有奖励吗", "四.1"),
        ("参加展会的展位费能补贴吗", "四.17"),
    ],
)
def test_fused_search_finds_the_clause(kb: KnowledgeBase, question: str, clause: str) -> None:
    hits = kb.search(question, k=3)
    assert hits[0].ref == clause, [h.ref for h in hits]
    assert 0 < hits[-1].score <= hits[0].score <= 1.0


def test_each_mode_returns_ranked_hits(kb: KnowledgeBase) -> None:
    for mode in ("dense", "bm25", "fused"):
        hits = kb.search("标识解析二级节点建设补助", k=5, mode=mode)
        assert "四.5" in [h.ref for h in hits[:3]], mode
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_clause_lookup_by_reference(kb: KnowledgeBase) -> None:
    assert kb.clause("四.(三)").title == "鼓励产业创新发展"
    assert kb.clause("四.（三）").id == "四.(三)"
    assert kb.clause("zhengzhou-ngit-2022:四.10").id == "四.10"
    assert kb.clause("四.99") is None and kb.clause("nope:四.1") is None


def test_current_index_is_reused_not_rebuilt(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    KnowledgeBase.open(settings, progress=False)
    first = current_build(settings)
    KnowledgeBase.open(settings, progress=False)
    assert current_build(settings) == first


def manifest(settings: Settings) -> dict:
    build = settings.index_dir / "builds" / current_build(settings)
    return json.loads((build / "manifest.json").read_text("utf-8"))


def test_changing_the_engine_rebuilds_the_index(tmp_path: Path) -> None:
    assert make_settings(tmp_path).embedding_engine == "onnx-int8"  # the default
    fp32 = make_settings(tmp_path, embedding_engine="onnx-fp32")
    KnowledgeBase.open(fp32, progress=False)
    first = current_build(fp32)
    assert manifest(fp32)["embedding_engine"] == "onnx-fp32"
    assert manifest(fp32)["model_id"].endswith("+onnx-fp32")

    int8 = make_settings(tmp_path, embedding_engine="onnx-int8")
    kb = KnowledgeBase.open(int8, progress=False)
    assert current_build(int8) != first  # other vectors: a new build, not the fp32 one
    assert manifest(int8)["embedding_engine"] == "onnx-int8"
    assert "+onnx-int8-" in manifest(int8)["model_id"]
    assert kb.embedder.engine == "onnx-int8"
    assert kb.search("我们首轮流片花了800万元，能补多少？", k=1)[0].ref == "四.10"
    # Back to fp32: its vectors come from the embedding cache, the index is rebuilt again.
    KnowledgeBase.open(fp32, progress=False)
    assert manifest(fp32)["embedding_engine"] == "onnx-fp32"


def test_second_policy_rebuilds_and_reuses_cached_embeddings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    kb1 = KnowledgeBase.open(settings, progress=False)
    first = current_build(settings)
    calls: list[int] = []
    original = kb1.embedder.embed_passages

    def counting(texts):
        calls.append(len(texts))
        return original(texts)

    # A second policy in the same official style, with new wording in one item.
    text = POLICY_TEXT.read_text("utf-8").replace("首轮流片费用40%", "首轮流片费用45%")
    source = tmp_path / "second.md"
    source.write_text(text, "utf-8")
    add_policy(settings, source, "zz-second", title="第二份政策")
    kb1.embedder.embed_passages = counting  # type: ignore[method-assign]
    try:
        from knowledge.catalog import load_policies
        from knowledge.index import ClauseIndex

        index = ClauseIndex.open(settings, kb1.embedder, load_policies(settings), progress=False)
    finally:
        kb1.embedder.embed_passages = original  # type: ignore[method-assign]
    assert current_build(settings) != first
    # Only chunk texts not embedded before reach the model; the rest come from the cache.
    from knowledge.chunking import chunk_clauses

    policies = load_policies(settings)
    seen = {c.text for c in chunk_clauses(policies[0].clauses)}
    new = {c.text for c in chunk_clauses(policies[1].clauses)} - seen
    assert any("45%" in text for text in new)
    assert sum(calls) == len(new), (calls, len(new))
    kb2 = KnowledgeBase(settings, kb1.embedder, load_policies(settings), index)
    assert kb2.clause("zz-second:四.10").text.count("45%") == 1
    refs = [h.ref for h in kb2.search("首轮流片费用45%的补助", k=4)]
    assert "zz-second:四.10" in refs


@pytest.mark.parametrize(
    "damage", ["delete_chroma", "garbage_manifest", "truncate_chunks", "no_current"]
)
def test_damaged_index_is_detected_and_rebuilt(tmp_path: Path, damage: str, caplog) -> None:
    settings = make_settings(tmp_path)
    KnowledgeBase.open(settings, progress=False)
    build = settings.index_dir / "builds" / current_build(settings)
    if damage == "delete_chroma":
        shutil.rmtree(build / "chroma")
    elif damage == "garbage_manifest":
        (build / "manifest.json").write_text("{not json")
    elif damage == "truncate_chunks":
        (build / "chunks.json").write_text('{"chunks": [')
    else:
        (settings.index_dir / "CURRENT").unlink()
    with caplog.at_level("WARNING"):
        kb = KnowledgeBase.open(settings, progress=False)
    assert "重建索引" in caplog.text or "构建索引" in caplog.text
    assert kb.search("首轮流片", k=1)[0].ref == "四.10"


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_EMBEDDING_MODEL": str(MODEL_DIR),
        "HF_HUB_OFFLINE": "1",
    }


def test_build_killed_half_way_recovers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "knowledge", "rebuild"],
        env=_env(settings),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    builds = settings.index_dir / "builds"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (builds.exists() and any(builds.iterdir())):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (settings.index_dir / "CURRENT").exists(), "killed before the build completed"
    kb = KnowledgeBase.open(settings, progress=False)
    assert kb.search("首轮流片", k=1)[0].ref == "四.10"
    # The half-written build folder is cleaned away once a later build completes.
    assert len(list(builds.iterdir())) <= 2


def test_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    err_lines: list[str] = []
    with writer_lock(settings.index_dir):
        proc = subprocess.Popen(
            [sys.executable, "-m", "knowledge", "rebuild", "--if-stale"],
            env=_env(settings),
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reader = threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)
        reader.start()
        # However long the model takes to load, the writer must reach the lock and wait there.
        deadline = time.monotonic() + 240
        while not any("等待" in line for line in err_lines) and time.monotonic() < deadline:
            assert proc.poll() is None, "".join(err_lines)
            time.sleep(0.1)
        assert any("等待" in line for line in err_lines), "".join(err_lines)
        time.sleep(1)
        assert proc.poll() is None, "the second writer must wait, not build alongside"
        assert not (settings.index_dir / "CURRENT").exists()
    out = proc.stdout.read()
    proc.wait(timeout=240)
    reader.join(timeout=10)
    assert proc.returncode == 0, "".join(err_lines)
    assert "索引就绪" in out
    kb = KnowledgeBase.open(settings, progress=False)
    assert kb.search("首轮流片", k=1)[0].ref == "四.10"


def test_chroma_metadata_carries_clause_id_slug_path_departments(kb: KnowledgeBase) -> None:
    stored = kb.index._collection.get(where={"clause_id": "四.8"}, include=["metadatas"])
    (meta,) = stored["metadatas"]
    assert meta["slug"] == "zhengzhou-ngit-2022"
    assert meta["path"] == "四、支持政策 > (三)鼓励产业创新发展"
    assert meta["departments"] == "市工信局、市财政局、市科技局、郑州高新区管委会"
