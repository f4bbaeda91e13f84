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

With ``--baseline REV`` (default ``main``; ``none`` to skip) the same wall times are taken
for that revision's code (``git archive`` into a temporary folder, its own data folder with
the same model), interleaved with this code's runs: before and after side by side.

Since 2026-12-01 the server answers ``/healthz`` before its page is built (the page follows
the assistant: both are Python under one GIL), so the wall times are two: ``/healthz`` ok,
and the page served at ``/``.

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

from knowledge.settings import PROJECT_ROOT, Settings
from ui.launch import free_port, offline_env, stop

TARGET_HEALTHZ_S = 5.0

STAGES = r"""
import json, sys, time
t0 = last = time.perf_counter()
out = {}
def mark(name):
    global last
    now = time.perf_counter(); out[name] = now - last; last = now
import numpy; mark("import numpy")
import jieba.posseg; mark("import jieba.posseg (warm-up, after ready)")
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
app = create_app(settings, load=False, page=False); mark("build the API")
from ui.server import build_page_app
build_page_app(app.state.service); mark("build the Gradio page (after ready)")
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
"""


# The baseline runs as shipped (its own default engine) on a model folder of its own: an
# export made by another recipe would be made again, into the folder it was given.
BASELINE_MODELS: Path | None = None


def _env(data_dir: Path, engine: str, source: Path | None = None) -> dict[str, str]:
    extra = {"ASSISTANT_EMBEDDING_ENGINE": engine}
    env = offline_env(data_dir, **extra)
    if source is not None:
        env["PYTHONPATH"] = str(source)
        env.pop("ASSISTANT_EMBEDDING_ENGINE", None)
        if BASELINE_MODELS is not None:
            env["ASSISTANT_EMBEDDING_MODEL"] = str(BASELINE_MODELS / "multilingual-e5-small")
    return env


def baseline_source(rev: str, root: Path) -> Path:
    """The code of ``rev`` in a folder of its own (``git archive``: the repository is not
    touched)."""
    target = root / "baseline-src"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", rev], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def prepare(engine: str, root: Path, source: Path | None = None, name: str = "") -> Path:
    """A data folder with the index built for ``engine`` (copied, rebuilt if stale)."""
    data_dir = root / (name or engine)
    default = Settings()
    if default.index_dir.is_dir():
        shutil.copytree(default.index_dir, data_dir / "index")
    subprocess.run(
        [sys.executable, "-m", "knowledge", "rebuild", "--if-stale"],
        env=_env(data_dir, engine, source),
        cwd=source or PROJECT_ROOT,
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


def wall_seconds(data_dir: Path, engine: str, source: Path | None = None) -> tuple[float, float]:
    """Seconds from ``python -m ui`` to ``/healthz`` ok, and to the page served at ``/``."""
    import httpx

    port = free_port()
    log_path = data_dir / "server.log"
    started = time.perf_counter()
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", str(port)],
            cwd=source or PROJECT_ROOT,
            env=_env(data_dir, engine, source),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    healthy: float | None = None
    page: float | None = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as c:
            while time.perf_counter() - started < 300:
                if process.poll() is not None:
                    raise SystemExit(log_path.read_text("utf-8")[-3000:])
                try:
                    if healthy is None and c.get("/healthz").json().get("status") == "ok":
                        healthy = time.perf_counter() - started
                    if page is None and c.get("/").status_code == 200:
                        page = time.perf_counter() - started
                except (httpx.TransportError, ValueError):
                    pass
                if healthy is not None and page is not None:
                    return healthy, page
                time.sleep(0.05)
        raise SystemExit("server not healthy with its page in 300 s")
    finally:
        stop(process)


def run(engines: list[str], runs: int, baseline: str | None = None) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-start-"))
    report: dict[str, Any] = {
        "runs": runs,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "baseline": baseline,
        "engines": {},
    }
    try:
        source = baseline_source(baseline, root) if baseline else None
        dirs = {engine: prepare(engine, root) for engine in engines}
        base_dirs = (
            {e: prepare(e, root, source, name=f"baseline-{e}") for e in engines} if source else {}
        )
        samples: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
        walls: dict[str, dict[str, list[float]]] = {
            e: {"healthz": [], "page": [], "base_healthz": [], "base_page": []} for e in engines
        }
        for _ in range(max(1, runs)):
            for engine in engines:  # interleaved: a busy machine slows both alike
                for name, seconds in stages(dirs[engine], engine).items():
                    samples[engine].setdefault(name, []).append(seconds)
                healthy, page = wall_seconds(dirs[engine], engine)
                walls[engine]["healthz"].append(healthy)
                walls[engine]["page"].append(page)
                line = f"{engine}: healthz ok in {healthy:.2f} s, page in {page:.2f} s"
                if source is not None:
                    healthy, page = wall_seconds(base_dirs[engine], engine, source)
                    walls[engine]["base_healthz"].append(healthy)
                    walls[engine]["base_page"].append(page)
                    line += f" (baseline {healthy:.2f} / {page:.2f} s)"
                print(line, file=sys.stderr)
        for engine in engines:
            report["engines"][engine] = {
                "stages": {k: round(statistics.median(v), 2) for k, v in samples[engine].items()},
                **{
                    f"{k}_s": round(statistics.median(v), 2) if v else None
                    for k, v in walls[engine].items()
                },
            }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def print_report(report: dict[str, Any]) -> None:
    engines = list(report["engines"])
    print(
        f"Start-up, medians of {report['runs']} fresh processes; {report['cores']} cores; "
        f"load average {report['load_average']} → {report['load_average_end']}"
    )
    print("Stages, one after another in one process (this code):")
    names = list(report["engines"][engines[0]]["stages"])
    print(f"{'stage':<48}" + "".join(f"{e + ' s':>12}" for e in engines))
    for name in names:
        cells = "".join(
            f"{report['engines'][e]['stages'].get(name, float('nan')):>12.2f}" for e in engines
        )
        print(f"{name:<48}{cells}")
    base = report.get("baseline")
    print(
        f"Wall time from `python -m ui` (baseline = {base or 'not run'}, as shipped: "
        "its own default engine):"
    )
    print(f"{'engine':<12}{'healthz ok':>12}{'page at /':>12}{'base healthz':>14}{'base page':>12}")
    for e in engines:
        r = report["engines"][e]
        cells = [r["healthz_s"], r["page_s"], r["base_healthz_s"], r["base_page_s"]]
        print(
            f"{e:<12}"
            + "".join(
                f"{'-' if v is None else f'{v:.2f}':>{w}}"
                for v, w in zip(cells, (12, 12, 14, 12), strict=True)
            )
        )
        if r["base_healthz_s"]:
            print(f"{'':<12}healthz after / before = {r['healthz_s'] / r['base_healthz_s']:.2f}")
    for e in engines:
        ok = report["engines"][e]["healthz_s"] <= TARGET_HEALTHZ_S
        mark = "met" if ok else "MISSED"
        print(f"target ({e}): /healthz ok in ≤ {TARGET_HEALTHZ_S:.0f} s {mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_start", description=__doc__)
    parser.add_argument("--engines", default="torch,onnx-fp32,onnx-int8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--baseline", default="main", help="git revision to compare with, or 'none'"
    )
    parser.add_argument(
        "--baseline-models",
        type=Path,
        help="the baseline's models folder (default: this one's; give another when the "
        "baseline's int8 recipe differs, e.g. /work/main/.data/models)",
    )
    args = parser.parse_args(argv)
    global BASELINE_MODELS
    BASELINE_MODELS = args.baseline_models
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ("torch", "onnx-fp32", "onnx-int8") for e in engines):
        parser.error("--engines: any of torch, onnx-fp32, onnx-int8")
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")
    baseline = None if args.baseline.lower() == "none" else args.baseline
    report = run(engines, args.runs, baseline)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
