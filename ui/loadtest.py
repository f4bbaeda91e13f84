"""Measure N simultaneous users against a running server (REST API and the Gradio queue).

    python -m ui.loadtest --url http://127.0.0.1:7860 [--users 8] [--rounds 2] [--json]

For each channel it first asks the questions one after another (the serial baseline), then
lets ``--users`` threads ask at the same moment. If requests were served one at a time the
parallel wall time would equal the serial sum; the ratio shows how much runs side by side.
Questions carry distinct amounts so no cache can answer them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from evals.stats import percentile

TEMPLATES = [
    "我们首轮流片花了{n}万元，能补多少？",
    "智能制造改造项目投资{n}万元，补助多少？",
    "新建项目投资{n}万元，项目完成后奖励多少？",
    "参加展会场地租赁和布展花了{n}万元，能补贴多少？",
]


def questions(count: int, offset: int = 0) -> list[str]:
    return [TEMPLATES[i % len(TEMPLATES)].format(n=137 + 11 * (i + offset)) for i in range(count)]


def _max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    best = current = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


def run_parallel(fn: Callable[[str], None], items: list[str]) -> dict[str, Any]:
    """Call ``fn`` on every item, all threads released at once; timings in ms."""
    barrier = threading.Barrier(len(items))
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(items)
    errors: list[str] = []

    def worker(i: int) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            fn(items[i])
        except Exception as exc:  # reported, not raised: one failure must not hide the rest
            errors.append(f"{type(exc).__name__}: {exc}")
        spans[i] = (start, time.perf_counter())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies = [(e - s) * 1000 for s, e in spans]
    wall = (max(e for _, e in spans) - min(s for s, _ in spans)) * 1000
    return {
        "requests": len(items),
        "errors": errors,
        "wall_ms": round(wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95) or 0.0, 1),
        "max_ms": round(max(latencies), 1),
        "in_flight_max": _max_overlap(spans),
    }


def run_serial(fn: Callable[[str], None], items: list[str]) -> dict[str, Any]:
    latencies = []
    for q in items:
        start = time.perf_counter()
        fn(q)
        latencies.append((time.perf_counter() - start) * 1000)
    return {
        "requests": len(items),
        "sum_ms": round(sum(latencies), 1),
        "p50_ms": round(statistics.median(latencies), 1),
    }


def measure(url: str, users: int = 8, rounds: int = 2) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    url = url.rstrip("/")
    report: dict[str, Any] = {"url": url, "users": users, "cores": os.cpu_count()}

    with httpx.Client(base_url=url, timeout=120, trust_env=False) as warm:
        warm.post("/api/ask", json={"question": "流片补贴是多少？"}).raise_for_status()

    def api_ask(q: str) -> None:
        with httpx.Client(base_url=url, timeout=120, trust_env=False) as c:
            r = c.post("/api/ask", json={"question": q})
            r.raise_for_status()
            if not r.json().get("answer"):
                raise RuntimeError("empty answer")

    from gradio_client import Client

    gradio = Client(url, verbose=False, analytics_enabled=False, download_files=False)

    def gradio_ask(q: str) -> None:
        # Each call is its own queue event; the client runs jobs in its own thread pool.
        answer = gradio.predict(q, False, api_name="/hotline_ask")
        if not answer or not answer[0]:
            raise RuntimeError("empty answer")

    for name, fn in (("api", api_ask), ("gradio_queue", gradio_ask)):
        serial = run_serial(fn, questions(users, offset=1000))
        parallel = [run_parallel(fn, questions(users, offset=100 * r)) for r in range(rounds)]
        best = min(parallel, key=lambda p: p["wall_ms"])
        report[name] = {
            "serial": serial,
            "parallel": parallel,
            # > 1 means requests overlapped on the server instead of waiting in line
            "speedup_vs_serial": round(serial["sum_ms"] / best["wall_ms"], 2),
        }
    gradio.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.loadtest", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 64:
        parser.error("--users must be between 1 and 64")
    try:
        report = measure(args.url, args.users, args.rounds)
    except httpx.HTTPError as exc:
        print(f"server not reachable or failing at {args.url}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.users} simultaneous users against {report['url']} ({report['cores']} cores)")
    for name in ("api", "gradio_queue"):
        part = report[name]
        print(
            f"  {name:13s} serial: {part['serial']['requests']} requests, "
            f"sum {part['serial']['sum_ms']:.0f} ms (p50 {part['serial']['p50_ms']:.0f} ms)"
        )
        for p in part["parallel"]:
            print(
                f"  {'':13s} parallel: wall {p['wall_ms']:.0f} ms, p50 {p['p50_ms']:.0f} ms, "
                f"p95 {p['p95_ms']:.0f} ms, in flight {p['in_flight_max']}, "
                f"errors {len(p['errors'])}"
            )
        print(f"  {'':13s} speed-up vs serial: {part['speedup_vs_serial']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
