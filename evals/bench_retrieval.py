# Long for a reason: one benchmark story (dev sets, a build per engine, interleaved timing).
"""Retrieval benchmark: torch fp32 vs ONNX fp32 vs ONNX int8, dense and fused, with the naive
LangChain recipe and BM25 alone beside them.

``python -m evals.bench_retrieval [--dev FILE …] [--engines torch,onnx-fp32,onnx-int8]
[--json] [--repeat 3] [--builds 3]``

For the same embedding model on each engine and the same dev questions (``{"id",
"question", "relevant": [clause ids]}``, written in people's words rather than the clause's;
by default ``evals/dev/retrieval.jsonl`` and ``retrieval_hard.jsonl``), prints per dev set
hit@1, hit@3, MRR@10, and over all questions the warm query latency p50/p95 and index
build time:

(a)  naive: RecursiveCharacterTextSplitter 500/50 over the raw text + Chroma (cosine),
     scored per chunk: a chunk hits when it overlaps a relevant clause (generous to the
     naive recipe: one 500-character chunk spans three or four clauses); on the first engine;
(a') the same, scored per clause id as the eval runner cites them (ids of the top chunks
     in order, first three);
(b)  ``KnowledgeBase.search(mode="dense")`` per engine, (c) ``mode="bm25"`` (no model),
(d)  ``mode="fused"`` per engine.

Each engine gets a knowledge base over a scratch data folder (the model folder shared), so
its index holds its own vectors. Latency is per query with every code path warmed up, the
engines and modes interleaved question by question (a busy machine slows them all alike);
the query-vector cache is emptied before each timed query so every one embeds its question.
Figures are medians over ``--repeat`` passes and ``--builds`` builds. Build times: (a) split
+ embed + add to an in-memory Chroma; (b) chunk + embed + add to an in-memory Chroma; (c)
chunk + tokenise + BM25; (d) the project's full index build into a scratch folder (both,
plus its files), each with a cold embedding cache.

Checks printed at the end: fused hit@3 = 1 on every set; each ONNX engine's dense hit@1, and
its fused hit@1, hit@3 and MRR (the retrieval the product runs; MRR × questions counted as
questions), within one question of torch fp32 on every set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.scoring import first_rank
from evals.stats import percentile

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_DEV = EVALS_DIR / "dev" / "retrieval.jsonl"
HARD_DEV = EVALS_DIR / "dev" / "retrieval_hard.jsonl"
DEFAULT_ENGINES = ("torch", "onnx-fp32", "onnx-int8")
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


@contextlib.contextmanager
def engine_settings(settings: Any, engine: str) -> Iterator[Any]:
    """Settings over a scratch data folder for ``engine``; the model folder is shared (a
    symlink), so the default model keeps its id and nothing is rebuilt but the index."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{engine}-") as tmp:
        root = Path(tmp)
        if not settings.embedding_model:
            (root / "models").symlink_to(settings.models_dir.resolve(), target_is_directory=True)
        yield settings.model_copy(
            update={"data_dir": root, "embedding_engine": engine, "chroma_host": ""}
        )


def _ranks(items: Sequence[dict], found: Sequence[Any], default_slug: str) -> list[int | None]:
    return [
        first_rank(item["relevant"], [h.ref for h in hits], default_slug)
        for item, hits in zip(items, found, strict=True)
    ]


def _per_set(
    sets: dict[str, list[dict]], ranks: list[int | None], items: list[dict]
) -> dict[str, Any]:
    """Figures per dev set (ranks are over all sets' questions in order)."""
    out: dict[str, Any] = {}
    start = 0
    for name, set_items in sets.items():
        part = ranks[start : start + len(set_items)]
        out[name] = {
            **_figures(part),
            "misses_at_1": [
                i["id"]
                for i, r in zip(items[start : start + len(set_items)], part, strict=True)
                if r != 1
            ],
        }
        start += len(set_items)
    return out


def run_bench(
    settings: Any,
    sets: dict[str, list[dict]],
    *,
    engines: Sequence[str] = DEFAULT_ENGINES,
    repeat: int = 3,
    builds: int = 3,
    progress: bool = True,
) -> dict[str, Any]:
    import chromadb

    from evals.baseline import NaiveRag
    from knowledge.base import KnowledgeBase
    from knowledge.bm25 import KeywordIndex
    from knowledge.catalog import load_policies
    from knowledge.chunking import chunk_clauses
    from knowledge.index import ClauseIndex, expected_manifest
    from knowledge.tokenize import clause_reference_tokens, tokenize

    items = [item for set_items in sets.values() for item in set_items]
    default_slug = settings.default_policy
    steps = tqdm(
        total=len(engines) + max(builds, 1) + 1, desc="bench", file=sys.stderr,
        disable=not progress,
    )  # fmt: skip
    with contextlib.ExitStack() as stack:
        kbs: dict[str, Any] = {}
        for engine in engines:
            scratch = stack.enter_context(engine_settings(settings, engine))
            kbs[engine] = KnowledgeBase.open(scratch, progress=False)
            steps.update()
        first = kbs[engines[0]]
        policies = load_policies(settings)
        clauses = [c for p in policies for c in p.clauses]
        naive_holder: list[NaiveRag] = []

        def build_naive() -> None:
            naive_holder[:] = [NaiveRag.build(settings, embedder=first.embedder)]

        def build_dense(kb: Any) -> None:
            chunks = chunk_clauses(clauses)
            vectors = kb.embedder.embed_passages([c.text for c in chunks])
            client = chromadb.EphemeralClient(
                settings=chromadb.config.Settings(anonymized_telemetry=False)
            )
            col = client.create_collection(
                f"bench-{uuid.uuid4().hex[:10]}", configuration={"hnsw": {"space": "cosine"}}
            )
            col.add(ids=[c.id for c in chunks], embeddings=list(vectors))

        def build_bm25() -> None:
            chunks = chunk_clauses(clauses)
            KeywordIndex([tokenize(c.text) + clause_reference_tokens(c.clause_id) for c in chunks])

        def build_fused(kb: Any) -> None:
            with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
                scratch = kb.settings.model_copy(update={"data_dir": Path(tmp)})
                wanted = expected_manifest(scratch, kb.embedder, policies)
                ClauseIndex.build(scratch, kb.embedder, policies, wanted, progress=False)

        # Interleaved like the queries: build 1 of each, then build 2 of each, …
        build_fns: dict[str, Callable[[], None]] = {"naive": build_naive, "bm25": build_bm25}
        for engine, kb in kbs.items():
            build_fns[f"dense/{engine}"] = lambda kb=kb: build_dense(kb)
            build_fns[f"fused/{engine}"] = lambda kb=kb: build_fused(kb)
        spent: dict[str, list[float]] = {n: [] for n in build_fns}
        for _ in range(max(builds, 1)):
            for name, fn in build_fns.items():
                spent[name].append(_median_time(fn, 1))
            # the recipe's own work (split, embed, add), not parsing clauses for the mapping
            spent["naive"][-1] = naive_holder[0].build_seconds
            steps.update()
        build_s = {n: statistics.median(v) for n, v in spent.items()}
        naive = naive_holder[0]

        # -- warm-up: every code path once, on questions that are not timed ------------------
        for q in ("支持政策有哪些", "工业互联网平台奖励", "四.10"):
            naive.search(q, MRR_DEPTH)
            for kb in kbs.values():
                for mode in ("dense", "bm25", "fused"):
                    kb.search(q, k=MRR_DEPTH, mode=mode)

        def reset_caches() -> None:
            for kb in kbs.values():  # empty them so timed queries embed their question
                kb._query_cache = type(kb._query_cache)()

        searches: dict[str, Callable[[str], Any]] = {
            "naive": lambda q: naive.search(q, MRR_DEPTH),
            "bm25": lambda q: first.search(q, k=MRR_DEPTH, mode="bm25"),
        }
        for engine, kb in kbs.items():
            for mode in ("dense", "fused"):
                searches[f"{mode}/{engine}"] = lambda q, kb=kb, m=mode: kb.search(
                    q, k=MRR_DEPTH, mode=m
                )
        found_all, latency_all = _interleaved(items, searches, repeat, reset_caches)
        steps.update()
        model_id = first.embedder.model_id.split("+onnx")[0]

    rows: list[dict[str, Any]] = []
    found = found_all["naive"]
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

    def timing(name: str, build: str) -> dict[str, float]:
        return {
            "p50_ms": round(percentile(latency_all[name], 50), 2),
            "p95_ms": round(percentile(latency_all[name], 95), 2),
            "build_s": round(build_s[build], 2),
        }

    naive_engine = engines[0]
    rows.append(
        {
            "name": "(a) naive LangChain 500/50 + Chroma, per chunk",
            "engine": naive_engine,
            "sets": _per_set(sets, chunk_ranks, items),
            **timing("naive", "naive"),
        }
    )
    rows.append(
        {
            "name": "(a') naive, per clause id (as cited)",
            "engine": naive_engine,
            "sets": _per_set(sets, clause_ranks, items),
            **timing("naive", "naive"),
        }
    )
    for engine in engines:
        rows.append(
            {
                "name": "(b) dense only",
                "engine": engine,
                "sets": _per_set(
                    sets, _ranks(items, found_all[f"dense/{engine}"], default_slug), items
                ),
                **timing(f"dense/{engine}", f"dense/{engine}"),
            }
        )
    rows.append(
        {
            "name": "(c) BM25 only",
            "engine": "-",
            "sets": _per_set(sets, _ranks(items, found_all["bm25"], default_slug), items),
            **timing("bm25", "bm25"),
        }
    )
    for engine in engines:
        rows.append(
            {
                "name": "(d) fused (project)",
                "engine": engine,
                "sets": _per_set(
                    sets, _ranks(items, found_all[f"fused/{engine}"], default_slug), items
                ),
                **timing(f"fused/{engine}", f"fused/{engine}"),
            }
        )
    steps.close()
    return {
        "model": model_id,
        "engines": list(engines),
        "questions": {name: len(v) for name, v in sets.items()},
        "repeat": repeat,
        "builds": builds,
        "rows": rows,
        "checks": quality_checks(rows, sets),
    }


def quality_checks(rows: list[dict[str, Any]], sets: dict[str, list[dict]]) -> dict[str, bool]:
    """Fused hit@3 = 1 per set; each ONNX engine's dense hit@1 and fused figures within one
    question of torch."""
    checks: dict[str, bool] = {}
    dense = {r["engine"]: r for r in rows if r["name"].startswith("(b)")}
    for r in rows:
        if r["name"].startswith("(d)"):
            for name in sets:
                checks[f"fused hit@3 = 1 ({r['engine']}, {name})"] = (
                    r["sets"][name]["hit_at_3"] == 1
                )
    fused = {r["engine"]: r for r in rows if r["name"].startswith("(d)")}
    for kind, by_engine in (("dense", dense), ("fused", fused)):  # fused: what the product runs
        if "torch" not in by_engine:
            continue
        for engine, r in by_engine.items():
            if engine == "torch":
                continue
            for name, items in sets.items():
                torch = by_engine["torch"]["sets"][name]
                for figure in ("hit_at_1", "hit_at_3", "mrr") if kind == "fused" else ("hit_at_1",):
                    if figure not in torch:
                        continue
                    lost = torch[figure] - r["sets"][name][figure]
                    label = figure.replace("_at_", "@").replace("mrr", "MRR")
                    checks[f"{kind} {label} within one question of torch ({engine}, {name})"] = (
                        round(lost * len(items), 6) <= 1
                    )
    return checks


def format_table(bench: dict[str, Any]) -> str:
    names = list(bench["questions"])
    head = ["retriever", "engine"]
    for name in names:
        head += [f"{name} hit@1", "hit@3", f"MRR@{MRR_DEPTH}"]
    head += ["p50 ms", "p95 ms", "build s"]
    sizes = ", ".join(f"{n} {k}" for n, k in bench["questions"].items())
    lines = [
        f"model {bench['model']} · dev questions: {sizes} · medians of "
        f"{bench['repeat']} query passes and {bench['builds']} builds",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|" + "---:|" * (len(head) - 2),
    ]
    for r in bench["rows"]:
        cells = [r["name"], r["engine"]]
        for name in names:
            f = r["sets"][name]
            cells += [f"{f['hit_at_1']:.3f}", f"{f['hit_at_3']:.3f}", f"{f['mrr']:.3f}"]
        cells += [f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['build_s']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for check, ok in bench["checks"].items():
        lines.append(f"{'met' if ok else 'MISSED'}: {check}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench_retrieval", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--dev", action="append", help="dev set (JSON Lines); repeatable; default: both sets"
    )
    parser.add_argument(
        "--engines", default=",".join(DEFAULT_ENGINES), help="embedding engines, comma-separated"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--builds", type=int, default=3, help="index builds to time")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in DEFAULT_ENGINES for e in engines):
        parser.error(f"--engines: any of {', '.join(DEFAULT_ENGINES)}")
    try:
        sets = {Path(p).stem: load_dev(Path(p)) for p in args.dev or [DEFAULT_DEV, HARD_DEV]}
    except DevSetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from knowledge.settings import Settings

    bench = run_bench(
        Settings(),
        sets,
        engines=engines,
        repeat=args.repeat,
        builds=args.builds,
        progress=not args.no_progress,
    )
    if args.json:
        print(json.dumps(bench, ensure_ascii=False, indent=2))
    else:
        print(format_table(bench))
    return 0


if __name__ == "__main__":
    sys.exit(main())
