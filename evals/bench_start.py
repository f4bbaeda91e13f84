"""Start-up benchmark: where the seconds go before ``/healthz`` says ok, per engine.

``python -m evals.bench_start [--engines torch,onnx-fp32,onnx-int8] [--runs 3] [--json]``

Two measurements, each in fresh processes (nothing warm but the OS page cache):

1. Stages, one after another in one child process: the imports (numpy, chromadb, the
   embedding engine, the assistant, fastapi, gradio), loading the model, reading the
   policies, jieba's dictionary, opening the built index, building the Gradio page.
   The server does the model/index half in a thread beside the page build, so its wall
   time is less than the sum.
2. Wall time from ``python -m ui`` to ``/healthz`` ok, with a built index (copied from the
   default data folder, rebuilt once for an engine it was not built with before timing).

Medians over ``--runs``. Goal: ``/healthz`` ok in ≤ 5 s with a built index.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge.settings import Settings
from ui.launch import free_port, offline_env, spawn, stop

TARGET_HEALTHZ_S = 5.0

STAGES = r"""
import json, sys, time
t0 = last = time.perf_counter()
out = {}
def mark(name):
    global last
    now = time.perf_counter(); out[name] = now - last; last = now
import numpy; mark("import numpy")
import chromadb; mark("import chromadb")
from knowledge.settings import Settings
from knowledge.embedding import load_embedder; mark("import knowledge.embedding")
from assistant.chain import Assistant; mark("import assistant (chain, route, compose, ...)")
import fastapi, uvicorn; mark("import fastapi + uvicorn")
import gradio; mark("import gradio")
settings = Settings()
embedder = load_embedder(settings); mark("load the model (" + embedder.engine + ")")
embedder.embed_queries(["预热"]); mark("first query embedding")
from knowledge.catalog import load_policies
policies = load_policies(settings); mark("read policies")
from knowledge.tokenize import tokenize
tokenize("首轮流片"); mark("jieba dictionary")
from knowledge.index import ClauseIndex
index = ClauseIndex.open(settings, embedder, policies, rebuild_if_stale=False)
mark("open the index")
from ui.server import create_app
create_app(settings, load=False); mark("build the Gradio page + API")
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def _env(data_dir: Path, engine: str) -> dict[str, str]:
    return offline_env(data_dir, ASSISTANT_EMBEDDING_ENGINE=engine)


def prepare(engine: str, root: Path) -> Path:
    """A data folder with the index built for ``engine`` (copied, rebuilt if stale)."""
    data_dir = root / engine
    default = Settings()
    if default.index_dir.is_dir():
        shutil.copytree(default.index_dir, data_dir / "index")
    subprocess.run(
        [sys.executable, "-m", "knowledge", "rebuild", "--if-stale"],
        env=_env(data_dir, engine),
        check=True,
        capture_output=True,
    )
    return data_dir


def stages(data_dir: Path, engine: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", STAGES],
        env=_env(data_dir, engine),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def healthz_seconds(data_dir: Path, engine: str) -> float:
    import httpx

    port = free_port()
    started = time.perf_counter()
    process = spawn(port, _env(data_dir, engine), data_dir / "server.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as c:
            while time.perf_counter() - started < 300:
                if process.poll() is not None:
                    raise SystemExit((data_dir / "server.log").read_text("utf-8")[-3000:])
                try:
                    if c.get("/healthz").json().get("status") == "ok":
                        return time.perf_counter() - started
                except (httpx.TransportError, ValueError):
                    pass
                time.sleep(0.05)
        raise SystemExit("server not healthy in 300 s")
    finally:
        stop(process)


def run(engines: list[str], runs: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-start-"))
    report: dict[str, Any] = {"runs": runs, "cores": os.cpu_count(), "engines": {}}
    try:
        dirs = {engine: prepare(engine, root) for engine in engines}
        samples: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
        healthz: dict[str, list[float]] = {e: [] for e in engines}
        for _ in range(max(1, runs)):
            for engine in engines:  # interleaved: a busy machine slows both alike
                for name, seconds in stages(dirs[engine], engine).items():
                    samples[engine].setdefault(name, []).append(seconds)
                healthz[engine].append(healthz_seconds(dirs[engine], engine))
                print(f"{engine}: healthz ok in {healthz[engine][-1]:.2f} s", file=sys.stderr)
        for engine in engines:
            report["engines"][engine] = {
                "stages": {k: round(statistics.median(v), 2) for k, v in samples[engine].items()},
                "healthz_s": round(statistics.median(healthz[engine]), 2),
            }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return report


def print_report(report: dict[str, Any]) -> None:
    engines = list(report["engines"])
    print(
        f"Start-up, medians of {report['runs']} fresh processes; {report['cores']} cores "
        "(stages run one after another; the server overlaps model + index with the page)"
    )
    names = list(report["engines"][engines[0]]["stages"])
    print(f"{'stage':<48}" + "".join(f"{e + ' s':>12}" for e in engines))
    for name in names:
        cells = "".join(
            f"{report['engines'][e]['stages'].get(name, float('nan')):>12.2f}" for e in engines
        )
        print(f"{name:<48}{cells}")
    print(
        f"{'python -m ui → /healthz ok (wall)':<48}"
        + "".join(f"{report['engines'][e]['healthz_s']:>12.2f}" for e in engines)
    )
    for e in engines:
        ok = report["engines"][e]["healthz_s"] <= TARGET_HEALTHZ_S
        mark = "met" if ok else "MISSED"
        print(f"target ({e}): /healthz ok in ≤ {TARGET_HEALTHZ_S:.0f} s {mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_start", description=__doc__)
    parser.add_argument("--engines", default="torch,onnx-fp32,onnx-int8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ("torch", "onnx-fp32", "onnx-int8") for e in engines):
        parser.error("--engines: any of torch, onnx-fp32, onnx-int8")
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")
    report = run(engines, args.runs)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
