"""Retrieval benchmark: the naive LangChain recipe vs dense, BM25 and the fused retriever.

``python -m evals.bench_retrieval [--dev evals/dev/retrieval.jsonl] [--json] [--repeat 3]
[--builds 3]``

For the same embedding model and the same dev questions (``{"id", "question",
"relevant": [clause ids]}``, written in people's words rather than the clause's), prints
hit@1, hit@3, MRR@10, warm query latency p50/p95 and index build time:

(a)  naive: RecursiveCharacterTextSplitter 500/50 over the raw text + Chroma (cosine),
     scored per chunk: a chunk hits when it overlaps a relevant clause (generous to the
     naive recipe: one 500-character chunk spans three or four clauses);
(a') the same, scored per clause id as the eval runner cites them (ids of the top chunks
     in order, first three);
(b)  ``KnowledgeBase.search(mode="dense")``, (c) ``mode="bm25"``, (d) ``mode="fused"``.

Latency is per query with the model loaded and every code path warmed up; the knowledge
base's query-vector cache is emptied before each timed pass so every timed query really
embeds its question. Figures are medians over ``--repeat`` passes and ``--builds`` builds.
Build times: (a) split + embed + add to an in-memory Chroma; (b) chunk + embed + add to an
in-memory Chroma; (c) chunk + tokenise + BM25; (d) the project's full index build into a
scratch folder (both, plus its files), each with a cold embedding cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.scoring import first_rank, percentile

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_DEV = EVALS_DIR / "dev" / "retrieval.jsonl"
MRR_DEPTH = 10


class DevSetError(ValueError):
    pass


def load_dev(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DevSetError(f"{path}: cannot read: {e}") from None
    items = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise DevSetError(f"{path}:{n}: not valid JSON ({e.msg})") from None
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("question"), str)
            and item["question"].strip()
            and isinstance(item.get("relevant"), list)
            and item["relevant"]
            and all(isinstance(r, str) and r for r in item["relevant"])
        )
        if not ok:
            raise DevSetError(f"{path}:{n}: need 'question' and a non-empty 'relevant' id list")
        item.setdefault("id", f"line-{n}")
        items.append(item)
    if not items:
        raise DevSetError(f"{path}: no questions")
    return items


def _median_time(fn: Callable[[], Any], times: int) -> float:
    spent = []
    for _ in range(max(times, 1)):
        started = time.perf_counter()
        fn()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def _figures(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks)
    return {
        "hit_at_1": round(sum(r is not None and r <= 1 for r in ranks) / n, 4),
        "hit_at_3": round(sum(r is not None and r <= 3 for r in ranks) / n, 4),
        "mrr": round(sum(1 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n, 4),
    }


def _interleaved(
    items: Sequence[dict],
    searches: dict[str, Callable[[str], Any]],
    repeat: int,
    before_each: Callable[[], None],
) -> tuple[dict[str, list[Any]], dict[str, list[float]]]:
    """Every question through every retriever, ``repeat`` times, retrievers interleaved per
    question (in rotating order) so a busy machine slows them all alike. Returns, per
    retriever, its results and each question's median latency (ms)."""
    names = list(searches)
    results: dict[str, list[Any]] = {n: [None] * len(items) for n in names}
    times: dict[str, list[list[float]]] = {n: [[] for _ in items] for n in names}
    for p in range(max(repeat, 1)):
        for i, item in enumerate(items):
            shift = (i + p) % len(names)
            for name in names[shift:] + names[:shift]:
                before_each()
                started = time.perf_counter()
                results[name][i] = searches[name](item["question"])
                times[name][i].append((time.perf_counter() - started) * 1000)
    return results, {n: [statistics.median(t) for t in times[n]] for n in names}


def run_bench(
    settings: Any, items: Sequence[dict], *, repeat: int = 3, builds: int = 3, progress: bool = True
) -> dict[str, Any]:
    import chromadb
    from rank_bm25 import BM25Okapi

    from evals.baseline import NaiveRag
    from knowledge.base import KnowledgeBase
    from knowledge.catalog import load_policies
    from knowledge.chunking import chunk_clauses
    from knowledge.index import ClauseIndex, expected_manifest
    from knowledge.tokenize import clause_reference_tokens, tokenize

    steps = tqdm(total=2 + max(builds, 1), desc="bench", file=sys.stderr, disable=not progress)
    kb = KnowledgeBase.open(settings, progress=progress)
    default_slug = settings.default_policy
    embedder = kb.embedder
    steps.update()

    def reset_cache() -> None:
        cache = getattr(kb, "_query_cache", None)
        if cache is not None:  # empty it so timed queries embed their question
            kb._query_cache = type(cache)()

    # -- build times --------------------------------------------------------------------------
    policies = load_policies(settings)  # the same ones the knowledge base loaded
    clauses = [c for p in policies for c in p.clauses]
    naive_holder: list[NaiveRag] = []

    def build_naive() -> None:
        naive_holder[:] = [NaiveRag.build(settings, embedder=embedder)]

    def build_dense() -> None:
        chunks = chunk_clauses(clauses)
        vectors = embedder.embed_passages([c.text for c in chunks])
        client = chromadb.EphemeralClient(
            settings=chromadb.config.Settings(anonymized_telemetry=False)
        )
        col = client.create_collection(
            f"bench-{uuid.uuid4().hex[:10]}", configuration={"hnsw": {"space": "cosine"}}
        )
        col.add(ids=[c.id for c in chunks], embeddings=list(vectors))

    def build_bm25() -> None:
        chunks = chunk_clauses(clauses)
        BM25Okapi([tokenize(c.text) + clause_reference_tokens(c.clause_id) for c in chunks])

    def build_fused() -> None:
        with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
            scratch = settings.model_copy(update={"data_dir": Path(tmp), "chroma_host": ""})
            wanted = expected_manifest(scratch, embedder, policies)
            ClauseIndex.build(scratch, embedder, policies, wanted, progress=False)

    # Interleaved like the queries: build 1 of each, then build 2 of each, …
    build_fns = {
        "naive": build_naive,
        "dense": build_dense,
        "bm25": build_bm25,
        "fused": build_fused,
    }
    spent: dict[str, list[float]] = {n: [] for n in build_fns}
    for _ in range(max(builds, 1)):
        for name, fn in build_fns.items():
            spent[name].append(_median_time(fn, 1))
        # the recipe's own work (split, embed, add), not parsing clauses for the mapping
        spent["naive"][-1] = naive_holder[0].build_seconds
        steps.update()
    build_s = {n: statistics.median(v) for n, v in spent.items()}
    naive = naive_holder[0]

    # -- warm-up: every code path once, on questions that are not timed ----------------------
    for q in ("支持政策有哪些", "工业互联网平台奖励", "四.10"):
        naive.search(q, MRR_DEPTH)
        for mode in ("dense", "bm25", "fused"):
            kb.search(q, k=MRR_DEPTH, mode=mode)

    rows: list[dict[str, Any]] = []

    searches: dict[str, Callable[[str], Any]] = {"naive": lambda q: naive.search(q, MRR_DEPTH)}
    for mode in ("dense", "bm25", "fused"):
        searches[mode] = lambda q, m=mode: kb.search(q, k=MRR_DEPTH, mode=m)
    found_all, latency_all = _interleaved(items, searches, repeat, reset_cache)
    steps.update()
    found, latency = found_all["naive"], latency_all["naive"]
    chunk_ranks, clause_ranks = [], []
    for item, hits in zip(items, found, strict=True):
        want = set(item["relevant"])
        chunk_ranks.append(
            next((i for i, h in enumerate(hits, 1) if want & set(h.chunk.refs)), None)
        )
        refs: dict[str, None] = {}
        for h in hits[:3]:  # the recipe's top-3 chunks, as the runner cites them
            refs.update(dict.fromkeys(h.chunk.refs))
        clause_ranks.append(first_rank(want, list(refs), default_slug))
    common = {
        "p50_ms": round(percentile(latency, 50), 2),
        "p95_ms": round(percentile(latency, 95), 2),
        "build_s": round(build_s["naive"], 2),
    }
    rows.append(
        {
            "name": "(a) naive LangChain 500/50 + Chroma, per chunk",
            **_figures(chunk_ranks),
            **common,
            "misses_at_1": [i["id"] for i, r in zip(items, chunk_ranks, strict=True) if r != 1],
        }
    )
    rows.append(
        {
            "name": "(a') naive, per clause id (as cited)",
            **_figures(clause_ranks),
            **common,
            "misses_at_1": [i["id"] for i, r in zip(items, clause_ranks, strict=True) if r != 1],
        }
    )

    # (b)-(d) the project's retriever in each mode
    for label, mode in (
        ("(b) dense only", "dense"),
        ("(c) BM25 only", "bm25"),
        ("(d) fused (project)", "fused"),
    ):
        found, latency = found_all[mode], latency_all[mode]
        ranks = [
            first_rank(item["relevant"], [h.ref for h in hits], default_slug)
            for item, hits in zip(items, found, strict=True)
        ]
        rows.append(
            {
                "name": label,
                **_figures(ranks),
                "p50_ms": round(percentile(latency, 50), 2),
                "p95_ms": round(percentile(latency, 95), 2),
                "build_s": round(build_s[mode], 2),
                "misses_at_1": [i["id"] for i, r in zip(items, ranks, strict=True) if r != 1],
            }
        )
    steps.close()
    return {
        "model": embedder.model_id,
        "questions": len(items),
        "repeat": repeat,
        "builds": builds,
        "rows": rows,
    }


def format_table(bench: dict[str, Any]) -> str:
    head = ["retriever", "hit@1", "hit@3", f"MRR@{MRR_DEPTH}", "p50 ms", "p95 ms", "build s"]
    lines = [
        f"model {bench['model']} · {bench['questions']} dev questions · medians of "
        f"{bench['repeat']} query passes and {bench['builds']} builds",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * (len(head) - 1),
    ]
    for r in bench["rows"]:
        lines.append(
            f"| {r['name']} | {r['hit_at_1']:.3f} | {r['hit_at_3']:.3f} | {r['mrr']:.3f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['build_s']:.2f} |"
        )
    fused = bench["rows"][-1]
    if fused["misses_at_1"]:
        lines += ["", f"fused misses at rank 1: {', '.join(fused['misses_at_1'])}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench_retrieval", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--dev", default=str(DEFAULT_DEV), help="dev set (JSON Lines)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--builds", type=int, default=3, help="index builds to time")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        items = load_dev(Path(args.dev))
    except DevSetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from knowledge.settings import Settings

    bench = run_bench(
        Settings(), items, repeat=args.repeat, builds=args.builds, progress=not args.no_progress
    )
    if args.json:
        print(json.dumps(bench, ensure_ascii=False, indent=2))
    else:
        print(format_table(bench))
    return 0


if __name__ == "__main__":
    sys.exit(main())
