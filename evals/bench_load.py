# Long for a reason: one benchmark story (server, clients, /proc figures, the table).
"""Load benchmark: many clients asking ``POST /api/ask`` at once, on loopback.

``python -m evals.bench_load [--url URL [--pid PID]] [--engines torch,onnx-fp32,onnx-int8]
[--levels 1,8,32] [--seconds 20] [--unique] [--ask-vs-encode 60] [--workers 1,2] [--json]``

Without ``--url`` it starts its own ``python -m ui`` on a free loopback port for each
embedding engine in turn (``ASSISTANT_EMBEDDING_ENGINE``), with a scratch data folder (the
index copied from the default one, the model shared), and stops it at the end; the engines'
figures are printed side by side (with ``--workers 1,2`` each engine once per
``ASSISTANT_WORKERS`` value: answer processes beside the server's; memory and CPU are then
summed over the server and its answer processes). At each concurrency level N, N asyncio
clients (one connection each, httpx) ask the gold questions (evals/gold/*.jsonl; a
multi-turn case sends its earlier turns as history)
in a loop for a fixed time, then the level ends by itself. Printed per level: requests,
requests/s, p50/p95/p99 latency, errors (non-200 or transport failures) and the server's
peak resident memory (VmHWM from /proc/<pid>/status, reset per level where the kernel
allows; the machine has no psutil) and its CPU seconds.

Every question is asked once before timing (warm-up). The assistant caches query vectors,
so gold questions asked again skip the embedding model — the steady state of a hotline
where the same questions recur. ``--unique`` appends a serial number to every question so
no cache can answer it: each request then runs the model (the worst case).

``--ask-vs-encode N`` (default 60; 0 = off) then asks N unseen questions one at a time over
HTTP and, interleaved with each, embeds the same question with a bare sentence-transformers
model on torch (fp32, one thread) in this process: the whole ``/api/ask`` p50 against the
bare encode p50, and their ratio (goal ≤ 0.5 on the ONNX int8 engine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evals.bench_output import emit
from evals.stats import percentile
from knowledge.settings import PROJECT_ROOT, Settings
from ui.launch import free_port, offline_env, spawn, stop

GOLD_DIR = PROJECT_ROOT / "evals" / "gold"
START_TIMEOUT_S = 300.0
DEFAULT_ENGINES = "torch,onnx-fp32,onnx-int8"
TARGET_ASK_VS_ENCODE = 0.5
TARGET_UNIQUE_RPS = 150.0

# Targets of the issue, on the 2-core machine.
TARGET_P95_MS_AT_8 = 300.0
TARGET_SINGLE_P50_MS = 50.0


@dataclass
class Level:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    peak_rss_mb: float | None = None
    cpu_s: float | None = None

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        done = len(lat)
        return {
            "clients": self.clients,
            "seconds": round(self.wall_s, 1),
            "requests": done,
            "rps": round(done / self.wall_s, 1) if self.wall_s else 0.0,
            "p50_ms": round(percentile(lat, 50), 1) if lat else None,
            "p95_ms": round(percentile(lat, 95), 1) if lat else None,
            "p99_ms": round(percentile(lat, 99), 1) if lat else None,
            "max_ms": round(lat[-1], 1) if lat else None,
            "errors": len(self.errors),
            "error_samples": sorted(set(self.errors))[:5],
            "server_peak_rss_mb": self.peak_rss_mb,
            "server_cpu_s": self.cpu_s,
        }


def gold_requests(gold_dir: Path = GOLD_DIR) -> list[dict[str, Any]]:
    """One ``/api/ask`` body per gold case: the question, or the last turn with history."""
    bodies = []
    for path in sorted(gold_dir.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            if case.get("question"):
                bodies.append({"question": case["question"]})
            elif case.get("turns"):
                *history, last = case["turns"]
                bodies.append({"question": last, "history": history})
    if not bodies:
        raise SystemExit(f"no gold questions under {gold_dir}")
    return bodies


# -- the server process -------------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (the answer processes of ``ASSISTANT_WORKERS``)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo += [int(c) for c in children.read_text().split()]
    return out


def peak_rss_mb(pid: int | None) -> float | None:
    """Peak resident set size (VmHWM) of the process and its descendants, summed, MB."""
    if pid is None:
        return None
    values = [_proc_status(p).get("VmHWM", "").split() for p in process_tree(pid)]
    kb = [int(v[0]) for v in values if v]
    return round(sum(kb) / 1024, 1) if kb else None


def reset_peak_rss(pid: int | None) -> bool:
    """Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0) so each level gets its own peak."""
    if pid is None:
        return False
    try:
        for p in process_tree(pid):
            Path(f"/proc/{p}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of the process and its descendants (all threads), seconds."""
    if pid is None:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            if p == pid:
                return None
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


@contextlib.contextmanager
def own_server(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int, Path]]:
    """``python -m ui`` on a free loopback port with a scratch data folder; (url, pid, log)."""
    default = Settings()
    scratch = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        if default.index_dir.is_dir():
            shutil.copytree(default.index_dir, scratch / "index")
        port = free_port()
        log_path = scratch / "server.log"
        process = spawn(port, offline_env(scratch, **(extra_env or {})), log_path)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, process, log_path, int((extra_env or {}).get("ASSISTANT_WORKERS", 1)))
            yield url, process.pid, log_path
        finally:
            stop(process)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def wait_ready(
    url: str,
    process: subprocess.Popen[bytes] | None,
    log_path: Path | None,
    workers_wanted: int = 1,
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=url, timeout=5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                tail = log_path.read_text("utf-8", errors="replace")[-3000:] if log_path else ""
                raise SystemExit(f"python -m ui exited early:\n{tail}")
            try:
                r = client.get("/healthz")
                # With ASSISTANT_WORKERS > 1: once its answer processes have loaded too.
                workers = (r.json().get("workers") or {}) if r.status_code == 200 else {}
                loaded = workers_wanted <= 1 or workers.get("ready")
                if r.status_code == 200 and r.json().get("status") == "ok" and loaded:
                    return
                if r.json().get("status") == "error":
                    raise SystemExit(f"server failed to load: {r.text}")
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise SystemExit(f"server at {url} not ready in {START_TIMEOUT_S:.0f} s")


# -- the clients ---------------------------------------------------------------------------------


async def _client_loop(
    client: httpx.AsyncClient,
    bodies: list[dict[str, Any]],
    start_at: int,
    stop_at: float,
    level: Level,
    unique: bool,
    serial: list[int],
) -> None:
    i = start_at
    while time.perf_counter() < stop_at:
        body = dict(bodies[i % len(bodies)])
        i += 1
        if unique:
            serial[0] += 1
            body["question"] = f"{body['question']}（编号{serial[0]}）"
        started = time.perf_counter()
        try:
            r = await client.post("/api/ask", json=body)
            ok = r.status_code == 200 and bool(r.json().get("answer"))
            if not ok:
                level.errors.append(f"HTTP {r.status_code}: {r.text[:120]}")
        except (httpx.HTTPError, ValueError) as exc:
            ok = False
            level.errors.append(f"{type(exc).__name__}: {exc}"[:160])
        if ok:
            level.latencies_ms.append((time.perf_counter() - started) * 1000)


async def run_level(
    url: str,
    bodies: list[dict[str, Any]],
    clients: int,
    seconds: float,
    pid: int | None,
    unique: bool,
) -> Level:
    level = Level(clients, seconds)
    reset_peak_rss(pid)
    cpu_before = cpu_seconds(pid)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, timeout=60, limits=limits, trust_env=False
    ) as client:
        started = time.perf_counter()
        stop_at = started + seconds
        serial = [0]
        stride = max(1, len(bodies) // clients)
        await asyncio.gather(
            *(
                _client_loop(client, bodies, n * stride, stop_at, level, unique, serial)
                for n in range(clients)
            )
        )
        level.wall_s = time.perf_counter() - started
    level.peak_rss_mb = peak_rss_mb(pid)
    cpu_after = cpu_seconds(pid)
    if cpu_before is not None and cpu_after is not None:
        level.cpu_s = round(cpu_after - cpu_before, 1)
    return level


async def warm_up(url: str, bodies: list[dict[str, Any]]) -> None:
    """Every question once (loads lazy code paths, fills the query-vector cache)."""
    async with httpx.AsyncClient(base_url=url, timeout=120, trust_env=False) as client:
        for body in bodies:
            r = await client.post("/api/ask", json=body)
            r.raise_for_status()


def bench(
    url: str,
    pid: int | None,
    levels: list[int],
    seconds: float,
    unique: bool,
    engine: str = "",
    ask_vs_encode: int = 0,
) -> dict[str, Any]:
    bodies = gold_requests()
    warm_started = time.perf_counter()
    asyncio.run(warm_up(url, bodies))
    warm_s = time.perf_counter() - warm_started
    results = []
    for clients in levels:
        level = asyncio.run(run_level(url, bodies, clients, seconds, pid, unique))
        results.append(level.summary())
        print(f"{engine:>9} " + _row(results[-1]), file=sys.stderr, flush=True)
    report = {
        "url": url,
        "engine": engine,
        "server_pid": pid,
        "cores": os.cpu_count(),
        "questions": len(bodies),
        "unique_questions": unique,
        "warm_up_s": round(warm_s, 1),
        "levels": results,
        "targets": check_targets(results),
    }
    if ask_vs_encode:
        report["ask_vs_encode"] = measure_ask_vs_encode(url, bodies, ask_vs_encode)
    return report


@functools.lru_cache(maxsize=1)
def _bare_encoder() -> Any:
    """sentence-transformers on torch, fp32, one thread: the baseline of the ratio."""
    import torch

    from knowledge.embedding.engines import load_sentence_transformer

    torch.set_num_threads(1)
    default = Settings()
    return load_sentence_transformer(
        default.embedding_model or str(default.default_model_dir.resolve())
    )


def measure_ask_vs_encode(url: str, bodies: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """Unseen questions one at a time: whole ``/api/ask`` over HTTP vs a bare encode of the
    same question (prompt included), interleaved, in this run."""
    model = _bare_encoder()
    prompt = (getattr(model, "prompts", None) or {}).get("query", "")
    model.encode([prompt + "预热"], show_progress_bar=False)
    ask_ms: list[float] = []
    encode_ms: list[float] = []
    stamp = int(time.time())
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
        client.post("/api/ask", json={"question": "预热一下"}).raise_for_status()
        for i in range(n):
            body = dict(bodies[(i * 7) % len(bodies)])
            body["question"] = f"{body['question']}（新问题{stamp}-{i}）"
            started = time.perf_counter()
            r = client.post("/api/ask", json=body)
            ask_ms.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            started = time.perf_counter()
            model.encode([prompt + body["question"]], show_progress_bar=False)
            encode_ms.append((time.perf_counter() - started) * 1000)
    ask_p50, encode_p50 = statistics.median(ask_ms), statistics.median(encode_ms)
    return {
        "questions": n,
        "ask_p50_ms": round(ask_p50, 2),
        "ask_p95_ms": round(percentile(sorted(ask_ms), 95), 2),
        "encode_p50_ms": round(encode_p50, 2),
        "encode_p95_ms": round(percentile(sorted(encode_ms), 95), 2),
        "ratio": round(ask_p50 / encode_p50, 3),
    }


def check_targets(levels: list[dict[str, Any]]) -> dict[str, Any]:
    by_clients = {lv["clients"]: lv for lv in levels}
    out: dict[str, Any] = {"zero_errors": all(lv["errors"] == 0 for lv in levels)}
    if 8 in by_clients and by_clients[8]["p95_ms"] is not None:
        out["p95_at_8_le_300ms"] = by_clients[8]["p95_ms"] <= TARGET_P95_MS_AT_8
    if 1 in by_clients and by_clients[1]["p50_ms"] is not None:
        out["single_p50_le_50ms"] = by_clients[1]["p50_ms"] <= TARGET_SINGLE_P50_MS
    return out


HEADER = (
    f"{'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'max ms':>8} {'errors':>6} {'peak RSS MB':>11} {'CPU s':>6}"
)


def _fmt(value: Any, width: int) -> str:
    return f"{'-' if value is None else value:>{width}}"


def _row(lv: dict[str, Any]) -> str:
    return (
        f"{lv['clients']:>7} {lv['requests']:>8} {lv['rps']:>7} {_fmt(lv['p50_ms'], 8)} "
        f"{_fmt(lv['p95_ms'], 8)} {_fmt(lv['p99_ms'], 8)} {_fmt(lv['max_ms'], 8)} "
        f"{lv['errors']:>6} {_fmt(lv['server_peak_rss_mb'], 11)} {_fmt(lv['server_cpu_s'], 6)}"
    )


def print_table(report: dict[str, Any]) -> None:
    """One report (``--url``) or several engines' side by side."""
    runs = report["runs"]
    first = runs[0]
    mode = (
        "unique questions (model runs every time)"
        if first["unique_questions"]
        else ("gold questions, repeated (query vectors cached after warm-up)")
    )
    print(
        f"POST /api/ask — {first['questions']} {mode}; {first['cores']} cores; "
        f"{first['levels'][0]['seconds']:.0f} s per level"
    )
    head = f"{'clients':>7}"
    for run in runs:
        label = run["engine"] or run["url"]
        head += f" | {label + ' req/s':>16} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} {'RSS MB':>7}"
    print(head)
    for i, lv in enumerate(first["levels"]):
        line = f"{lv['clients']:>7}"
        for run in runs:
            r = run["levels"][i]
            line += (
                f" | {r['rps']:>16} {_fmt(r['p50_ms'], 8)} {_fmt(r['p95_ms'], 8)} "
                f"{r['errors']:>6} {_fmt(r['server_peak_rss_mb'], 7)}"
            )
        print(line)
        for run in runs:
            for sample in run["levels"][i]["error_samples"]:
                print(f"{'':>9}error ({run['engine']}): {sample}")
    marks = {True: "met", False: "MISSED"}
    for run in runs:
        t = run["targets"]
        parts = [f"0 errors {marks[t['zero_errors']]}"]
        if "p95_at_8_le_300ms" in t:
            parts.append(f"p95 ≤ 300 ms at 8 clients {marks[t['p95_at_8_le_300ms']]}")
        if "single_p50_le_50ms" in t:
            parts.append(f"single-client p50 ≤ 50 ms {marks[t['single_p50_le_50ms']]}")
        if first["unique_questions"]:
            best = max(lv["rps"] for lv in run["levels"])
            parts.append(
                f"≥ {TARGET_UNIQUE_RPS:.0f} new questions/s {marks[best >= TARGET_UNIQUE_RPS]}"
                f" (best {best})"
            )
        print(f"targets ({run['engine'] or run['url']}): " + "; ".join(parts))
    encodes = [r for r in runs if r.get("ask_vs_encode")]
    if encodes:
        print(
            "\nwhole /api/ask over HTTP vs a bare sentence-transformers torch encode of the same "
            "unseen questions, one at a time, interleaved:"
        )
        print(
            f"{'engine':>10} {'questions':>9} {'ask p50':>8} {'ask p95':>8} "
            f"{'encode p50':>10} {'encode p95':>10} {'ratio':>6}"
        )
        for run in encodes:
            a = run["ask_vs_encode"]
            ok = marks[a["ratio"] <= TARGET_ASK_VS_ENCODE]
            print(
                f"{run['engine'] or '-':>10} {a['questions']:>9} {a['ask_p50_ms']:>8} "
                f"{a['ask_p95_ms']:>8} {a['encode_p50_ms']:>10} {a['encode_p95_ms']:>10} "
                f"{a['ratio']:>6}  (≤ {TARGET_ASK_VS_ENCODE} {ok})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="a running server; default: start python -m ui here")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for its memory")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each level")
    parser.add_argument("--unique", action="store_true", help="defeat the query-vector cache")
    parser.add_argument(
        "--engines",
        default=DEFAULT_ENGINES,
        help="own server only: embedding engines to run in turn (torch, onnx-fp32, onnx-int8)",
    )
    parser.add_argument(
        "--ask-vs-encode",
        type=int,
        default=60,
        help="unseen questions for the /api/ask vs bare-encode ratio (0 = skip)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="own server only: OMP_NUM_THREADS for it (0 = leave torch's default)",
    )
    parser.add_argument(
        "--workers",
        default="1",
        help="own server only: ASSISTANT_WORKERS values to run in turn, e.g. 1,2",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        levels = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        parser.error("--levels takes integers, e.g. 1,8,32")
    if not levels or not all(1 <= n <= 256 for n in levels):
        parser.error("--levels: each between 1 and 256")
    if not 0.5 <= args.seconds <= 600:
        parser.error("--seconds must be between 0.5 and 600")
    if args.url and not args.url.startswith(
        ("http://127.0.0.1", "http://localhost", "http://[::1]")
    ):
        parser.error("--url must be a loopback address (this benchmark never leaves the machine)")

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ("torch", "onnx-fp32", "onnx-int8") for e in engines):
        parser.error("--engines: any of torch, onnx-fp32, onnx-int8")
    try:
        worker_counts = [int(x) for x in args.workers.split(",") if x.strip()]
    except ValueError:
        parser.error("--workers takes integers, e.g. 1,2")
    if not worker_counts or not all(1 <= n <= 16 for n in worker_counts):
        parser.error("--workers: each between 1 and 16")
    if not 0 <= args.ask_vs_encode <= 1000:
        parser.error("--ask-vs-encode must be between 0 and 1000")

    print(f"{'engine':>9} " + HEADER, file=sys.stderr)
    runs = []
    if args.url:
        wait_ready(args.url.rstrip("/"), None, None)
        runs.append(
            bench(
                args.url.rstrip("/"),
                args.pid,
                levels,
                args.seconds,
                args.unique,
                ask_vs_encode=args.ask_vs_encode,
            )
        )
    else:
        for engine in engines:
            for workers in worker_counts:
                extra = {"ASSISTANT_EMBEDDING_ENGINE": engine, "ASSISTANT_WORKERS": str(workers)}
                if args.torch_threads:
                    extra["OMP_NUM_THREADS"] = str(args.torch_threads)
                label = engine if workers == 1 else f"{engine}×{workers}"
                with own_server(extra) as (url, pid, _log):
                    unique, encode = args.unique, args.ask_vs_encode
                    runs.append(bench(url, pid, levels, args.seconds, unique, label, encode))
    report = {"runs": runs}
    return emit(report, args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
