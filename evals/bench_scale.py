"""How cost grows with the corpus: index build, size, memory and query latency at 1×, 10×, 100×.

``python -m evals.bench_scale [--factors 1,10,100] [--modes embedded,server] [--queries 60]
[--engine onnx-int8|onnx-fp32|torch] [--json] [--keep DIR]``

Factor F means a corpus of about F times the real policy's clauses: the real policy plus
synthetic policies of the same shape — 序, 一、…五、 chapters, （一） sections, numbered
items with 责任单位 lines, 尾 — whose clauses are *generated*, not copied: industries ×
support measures × amounts × districts × departments recombined through templates in the
policy's own official style, every clause text distinct. Each synthetic document goes
through ``knowledge.parse.parse_policy`` and the whole corpus through the real
``ClauseIndex`` (chunking, embedding cache, Chroma, BM25, manifest) in a scratch data
folder, then is queried through ``KnowledgeBase.search`` (fused), warm, with the
query-vector cache emptied so every timed query embeds its question.

Per factor and mode it prints: clauses and chunks, build time split into embedding and the
rest (chunk + BM25 + Chroma add + files), index size on disk, peak memory of this process
(and of the Chroma server in server mode), and query p50/p95 with the share of embedding,
Chroma (dense) and BM25 in it.

On torch, passages embed at roughly 25/s on this CPU, so the 100× corpus (about 6,000
clauses) took minutes to embed once; the ONNX int8 engine (default) runs a batch per core.
The embedding cache is keyed by content hash: the embedded build of
a factor starts from an empty cache and embeds everything; the server-mode build of the
same factor starts from the embedded build's cache and re-embeds nothing (the output says
how many passages each build embedded). ``chroma run`` is started on a free loopback port
for server mode and stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.bench_output import emit
from evals.stats import percentile
from evals.synthetic_corpus import synthetic_policies
from knowledge.settings import PROJECT_ROOT, Settings

GOLD_DIR = PROJECT_ROOT / "evals" / "gold"
TARGET_P50_MS_AT_100 = 10.0
TARGET_BUILD_S_AT_100 = 60.0

# -- measuring ----------------------------------------------------------------------------------


def _status_kb(pid: int | str, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak(pid: int | str = "self") -> None:
    with contextlib.suppress(OSError):  # older kernels: the peak is since process start
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_mb(pid: int | str = "self") -> float | None:
    kb = _status_kb(pid, "VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


def du_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 1e6, 2)


def gold_questions(limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                q = case.get("question") or (case.get("turns") or [""])[-1]
                if q and q not in out:
                    out.append(q)
    rng = random.Random(7)  # a fixed mix of categories, not the first file only
    rng.shuffle(out)
    return out[:limit]


@dataclass
class Run:
    factor: int
    mode: str
    policies: int
    clauses: int
    chunks: int
    embedded_now: int
    embed_s: float
    index_s: float
    index_mb: float
    cache_mb: float
    peak_mb: float | None
    chroma_peak_mb: float | None
    p50_ms: float
    p95_ms: float
    embed_p50_ms: float
    dense_p50_ms: float
    bm25_p50_ms: float

    def row(self) -> dict[str, Any]:
        return self.__dict__.copy()


def measure(
    factor: int,
    mode: str,
    policies: list[Any],
    data_dir: Path,
    embedder: Any,
    chroma: Any | None,
    questions: list[str],
) -> Run:
    from knowledge.base import KnowledgeBase
    from knowledge.chunking import chunk_clauses
    from knowledge.index import ClauseIndex, EmbeddingCache, embed_with_cache
    from knowledge.tokenize import query_tokens

    model_dir = Settings().embedding_model or str(Settings().default_model_dir)
    extra = {"chroma_host": chroma.host, "chroma_port": chroma.port} if chroma else {}
    settings = Settings(
        data_dir=data_dir, embedding_model=model_dir, embedding_engine=embedder.engine, **extra
    )
    chunks = chunk_clauses([c for p in policies for c in p.clauses])
    texts = [c.text for c in chunks]

    reset_peak()
    server_mb_before = du_mb(chroma.path) if chroma else 0.0
    if chroma:
        reset_peak(chroma.pid)
    cache = EmbeddingCache(settings.index_dir / "embedding-cache.sqlite3")
    cached = len(cache.get_many(embedder.model_id, texts))
    cache.close()
    unique_texts = len(set(texts))
    started = time.perf_counter()
    embed_with_cache(settings, embedder, texts, progress=sys.stderr.isatty())  # fills the cache
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    index = ClauseIndex.open(settings, embedder, policies, progress=False)  # cache hits only
    index_s = time.perf_counter() - started

    kb = KnowledgeBase(settings, embedder, policies, index)
    for q in questions[:5]:  # warm code paths
        kb.search(q)
    kb._query_cache._items.clear()  # every timed query embeds its question (bench only)
    total, emb, dense, bm25 = [], [], [], []
    for q in questions:
        t0 = time.perf_counter()
        kb.search(q, k=5)
        total.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        vector = embedder.embed_queries([q])[0]
        t1 = time.perf_counter()
        index.dense_search(vector, 40)
        t2 = time.perf_counter()
        index.keyword_search(query_tokens(q), 40)
        t3 = time.perf_counter()
        emb.append((t1 - t0) * 1000)
        dense.append((t2 - t1) * 1000)
        bm25.append((t3 - t2) * 1000)

    build_dir = index.build_dir
    index_mb = du_mb(build_dir)
    if chroma:
        # what this build added to the server's folder
        index_mb = round(index_mb + du_mb(chroma.path) - server_mb_before, 2)
    return Run(
        factor=factor,
        mode=mode,
        policies=len(policies),
        clauses=sum(len(p.clauses) for p in policies),
        chunks=len(chunks),
        embedded_now=unique_texts - cached,
        embed_s=round(embed_s, 1),
        index_s=round(index_s, 1),
        index_mb=index_mb,
        cache_mb=du_mb(settings.index_dir / "embedding-cache.sqlite3"),
        peak_mb=peak_mb(),
        chroma_peak_mb=peak_mb(chroma.pid) if chroma else None,
        p50_ms=round(statistics.median(total), 1),
        p95_ms=round(percentile(total, 95), 1),
        embed_p50_ms=round(statistics.median(emb), 1),
        dense_p50_ms=round(statistics.median(dense), 1),
        bm25_p50_ms=round(statistics.median(bm25), 2),
    )


@contextlib.contextmanager
def maybe_chroma(wanted: bool, root: Path) -> Iterator[Any]:
    if not wanted:
        yield None
        return
    from knowledge.chroma_server import chroma_server

    with chroma_server(root / "chroma-server") as server:
        yield server


def run(
    factors: list[int],
    modes: list[str],
    n_queries: int,
    keep: Path | None,
    engine: str = "onnx-int8",
    threads: int = 1,
) -> dict[str, Any]:
    from knowledge.catalog import load_policies
    from knowledge.embedding import load_embedder

    base_settings = Settings()
    real = [p for p in load_policies(base_settings) if p.meta.slug == base_settings.default_policy]
    real_clauses = len(real[0].clauses)
    embedder = load_embedder(
        Settings(
            embedding_model=base_settings.embedding_model or str(base_settings.default_model_dir),
            embedding_engine=engine,
            torch_threads=threads,
        )
    )
    questions = gold_questions(n_queries)
    root = keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    try:
        with maybe_chroma("server" in modes, root) as chroma:
            for factor in factors:
                synth = synthetic_policies(real_clauses * (factor - 1))
                policies = real + synth
                previous: Path | None = None
                for mode in modes:
                    data_dir = root / f"x{factor}-{mode}"
                    shutil.rmtree(data_dir, ignore_errors=True)
                    (data_dir / "index").mkdir(parents=True)
                    if previous is not None:  # the later mode reuses the vectors by content hash
                        shutil.copy2(
                            previous / "index" / "embedding-cache.sqlite3",
                            data_dir / "index" / "embedding-cache.sqlite3",
                        )
                    r = measure(
                        factor,
                        mode,
                        policies,
                        data_dir,
                        embedder,
                        chroma if mode == "server" else None,
                        questions,
                    )
                    runs.append(r)
                    print(_line(r), file=sys.stderr, flush=True)
                    previous = data_dir
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    hundred = [r for r in runs if r.factor == 100]
    built = [r for r in hundred if r.mode == "embedded"]
    return {
        "engine": embedder.engine,
        "threads": threads,
        "real_policy_clauses": real_clauses,
        "queries": len(questions),
        "cores": os.cpu_count(),
        "runs": [r.row() for r in runs],
        "target_100x_p50_le_10ms": (
            all(r.p50_ms <= TARGET_P50_MS_AT_100 for r in hundred) if hundred else None
        ),
        "target_100x_build_le_60s": (
            all(r.embed_s + r.index_s <= TARGET_BUILD_S_AT_100 for r in built) if built else None
        ),
    }


HEADER = (
    f"{'factor':>6} {'mode':>8} {'clauses':>7} {'chunks':>6} {'embedded':>8} {'embed s':>7} "
    f"{'index s':>7} {'size MB':>7} {'peak MB':>7} {'chroma MB':>9} {'p50 ms':>6} "
    f"{'p95 ms':>6} {'emb ms':>6} {'dense ms':>8} {'bm25 ms':>7}"
)


def _line(r: Run) -> str:
    chroma = "-" if r.chroma_peak_mb is None else r.chroma_peak_mb
    return (
        f"{str(r.factor) + '×':>6} {r.mode:>8} {r.clauses:>7} {r.chunks:>6} {r.embedded_now:>8} "
        f"{r.embed_s:>7} {r.index_s:>7} {r.index_mb:>7} {r.peak_mb or '-':>7} {chroma:>9} "
        f"{r.p50_ms:>6} {r.p95_ms:>6} {r.embed_p50_ms:>6} {r.dense_p50_ms:>8} {r.bm25_p50_ms:>7}"
    )


def print_report(report: dict[str, Any]) -> None:
    print(
        f"Corpus scaling: factor × the real policy's {report['real_policy_clauses']} clauses "
        f"(real policy + distinct synthetic clauses); {report['queries']} warm queries each; "
        f"{report['cores']} cores; engine {report['engine']}, {report['threads']} thread(s) "
        "per query, a batch per core when building"
    )
    print(HEADER)
    for r in report["runs"]:
        print(_line(Run(**r)))
    print(
        "embedded = passages embedded by this build (the rest came from the embedding cache by "
        "content hash: the server build reuses the embedded build's vectors); embed s = "
        "embedding time; index s = chunk + BM25 + Chroma add + files; size = build folder "
        "(+ the Chroma server's folder in server mode); peak = this process's VmHWM "
        "(model included); p50/p95 = KnowledgeBase.search (fused, query embedded each time); "
        "emb/dense/bm25 = median of each part alone."
    )
    for key, label in (
        ("target_100x_p50_le_10ms", "100× query p50 ≤ 10 ms"),
        ("target_100x_build_le_60s", "100× build (embed + index) ≤ 60 s"),
    ):
        if report[key] is not None:
            print(f"target: {label} {'met' if report[key] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--factors", default="1,10,100", help="corpus sizes, comma-separated")
    parser.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    parser.add_argument("--queries", type=int, default=60, help="timed queries per run (≥ 10)")
    parser.add_argument("--keep", type=Path, help="keep the scratch data folders here")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="intra-op threads per query, torch or onnxruntime (default 1: two threads on a "
        "busy 2-core machine made each query embedding 10× slower); 0 = the engine's default",
    )
    parser.add_argument(
        "--engine",
        default=Settings().embedding_engine,
        choices=["onnx-int8", "onnx-fp32", "torch"],
        help="embedding engine (default: ASSISTANT_EMBEDDING_ENGINE, else onnx-int8)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        factors = [int(x) for x in args.factors.split(",") if x.strip()]
    except ValueError:
        parser.error("--factors takes integers, e.g. 1,10,100")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not factors or any(f < 1 or f > 1000 for f in factors):
        parser.error("--factors: each between 1 and 1000")
    if not modes or any(m not in ("embedded", "server") for m in modes):
        parser.error("--modes: embedded, server or both")
    if args.queries < 10:
        parser.error("--queries must be at least 10")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.torch_threads > 0 and args.engine == "torch":
        import torch

        torch.set_num_threads(args.torch_threads)
    print(HEADER, file=sys.stderr)
    report = run(factors, modes, args.queries, args.keep, args.engine, args.torch_threads)
    return emit(report, args.json, print_report)


if __name__ == "__main__":
    sys.exit(main())
