"""Where the time of one question goes, stage by stage, on unseen dev questions.

``python -m evals.bench_stages [--limit N] [--http] [--json]``

In one process on the default engine: every distinct single-turn question of evals/dev is
asked once (so the query-vector cache cannot answer it), the assistant's steps called one
after another as its pipeline calls them, each timed — front door, condense, retrieve (and,
again on the same question, its parts: the query embedding, the Chroma search, BM25 with
its tokens), route, compute, compose, the Answer object — then what the server adds: the
conversation log's SQLite write and the response's JSON. The same question is then run
once more through the LCEL pipeline and once more step by step (its vector now cached),
interleaved: their difference is what the pipeline itself costs. With ``--http`` a server
(``python -m ui`` on loopback, the index copied) answers the questions again (cached
vectors) and the HTTP share is the median of its ``/api/ask`` minus the in-process ask of
the same questions. Medians and p95 in ms; no targets, figures to trim by.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.bench_output import emit
from knowledge.settings import PROJECT_ROOT, Settings

DEV_DIR = PROJECT_ROOT / "evals" / "dev"


def dev_questions(limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for path in sorted(DEV_DIR.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            if isinstance(case.get("question"), str) and not case.get("history"):
                seen.setdefault(case["question"], None)
    return list(seen)[:limit]


def _ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(questions: list[str], http: bool) -> dict[str, Any]:
    from assistant.chain import Assistant
    from knowledge.tokenize import query_tokens
    from ui.api import AskResponse
    from ui.service import ServerLog

    settings = Settings()
    assistant = Assistant.from_settings(settings, progress=False)
    assistant.warm_up()
    kb = assistant.knowledge
    scratch = Path(tempfile.mkdtemp(prefix="bench-stages-"))
    log = ServerLog(scratch / "log.sqlite3")
    stages: dict[str, list[float]] = {}

    def add(name: str, ms: float) -> None:
        stages.setdefault(name, []).append(ms)

    assistant.ask("预热：首轮流片补贴多少")  # the first call's imports are not a stage
    try:
        for question in questions:
            turn, ms = _ms(lambda q=question: assistant._prepare(q, []))
            add("front door (normalise, references)", ms)
            for name, step in (
                ("condense", assistant._condense),
                ("retrieve (unseen: embed + Chroma + BM25 + fuse)", assistant._retrieve),
                ("route", assistant._route),
                ("compute (frames, rule module)", assistant._compute),
                ("compose", assistant._compose),
            ):
                turn, ms = _ms(lambda s=step, t=turn: s(t))
                add(name, ms)
            answer, ms = _ms(lambda t=turn: assistant._answer(t))
            add("Answer object", ms)
            standalone = turn.condensed.standalone
            vector, ms = _ms(lambda s=standalone: kb.embedder.embed_queries([s])[0])
            add("  retrieve: query embedding", ms)
            _, ms = _ms(lambda v=vector: kb.index.dense_search(v, 40))
            add("  retrieve: Chroma search", ms)
            _, ms = _ms(lambda s=standalone: kb.index.keyword_search(query_tokens(s), 40))
            add("  retrieve: BM25 (tokens + scores)", ms)
            _, ms = _ms(lambda a=answer: log.record(a, [], "api", feedback_token="x" * 24))
            add("log (SQLite write)", ms)
            _, ms = _ms(
                lambda a=answer: AskResponse(
                    **a.model_dump(), exchange_id=1, feedback_token="x", recorded=True
                ).model_dump_json()
            )
            add("response JSON", ms)
            # Cached vector from here on: the pipeline against the same steps called directly.
            _, piped = _ms(lambda q=question: assistant.pipeline.invoke(assistant._prepare(q, [])))

            def direct(q: str = question) -> Any:
                t = assistant._prepare(q, [])
                for step in (
                    assistant._condense,
                    assistant._retrieve,
                    assistant._route,
                    assistant._compute,
                    assistant._compose,
                ):
                    t = step(t)
                return t

            _, plain = _ms(direct)
            add("LCEL pipeline overhead (cached vector)", piped - plain)
            _, ms = _ms(lambda q=question: assistant.ask(q))
            add("(ask in process, cached vector)", ms)
        if http:
            for ms in _http_ms(questions, settings):
                add("(ask over HTTP, cached vector)", ms)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table = {
        name: {"p50_ms": round(statistics.median(v), 3), "p95_ms": round(_p95(v), 3)}
        for name, v in stages.items()
    }
    if http:
        table["HTTP + server (over HTTP − in process)"] = {
            "p50_ms": round(
                table["(ask over HTTP, cached vector)"]["p50_ms"]
                - table["(ask in process, cached vector)"]["p50_ms"],
                3,
            ),
            "p95_ms": None,
        }
    return {
        "questions": len(questions),
        "engine": kb.embedder.engine,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "stages": table,
    }


def _http_ms(questions: list[str], settings: Settings) -> list[float]:
    """Each question asked twice over loopback (the second timed: the server's vector cache
    then answers, as it does in process)."""
    import httpx

    from ui.launch import free_port, offline_env, spawn, stop

    data = Path(tempfile.mkdtemp(prefix="bench-stages-http-"))
    if settings.index_dir.is_dir():
        shutil.copytree(settings.index_dir, data / "index")
    port = free_port()
    process = spawn(port, offline_env(data), data / "server.log")
    out: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as c:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if c.get("/healthz").json().get("status") == "ok":
                        break
                except (httpx.TransportError, ValueError):
                    pass
                time.sleep(0.2)
            for q in questions:
                c.post("/api/ask", json={"question": q}).raise_for_status()
                _, ms = _ms(lambda q=q: c.post("/api/ask", json={"question": q}))
                out.append(ms)
    finally:
        stop(process)
        shutil.rmtree(data, ignore_errors=True)
    return out


def print_report(report: dict[str, Any]) -> None:
    print(
        f"Per-question stages, {report['questions']} unseen dev questions, engine "
        f"{report['engine']}, load average {report['load_average']} (medians, ms)"
    )
    print(f"{'stage':<52}{'p50 ms':>10}{'p95 ms':>10}")
    for name, row in report["stages"].items():
        p95 = "-" if row["p95_ms"] is None else f"{row['p95_ms']:.3f}"
        print(f"{name:<52}{row['p50_ms']:>10.3f}{p95:>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_stages", description=__doc__)
    parser.add_argument("--limit", type=int, default=400, help="at most this many questions")
    parser.add_argument("--http", action="store_true", help="also time /api/ask over loopback")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.limit <= 10_000:
        parser.error("--limit must be between 1 and 10000")
    report = measure(dev_questions(args.limit), args.http)
    return emit(report, args.json, print_report)


if __name__ == "__main__":
    sys.exit(main())
