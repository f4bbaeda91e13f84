"""The eval runner of CONTRACT §4: gold cases in, figures and a verdict out.

``python -m evals run --gold FILE_OR_DIR [--gold …] [--json] [--report DIR] [--url URL]
[--baseline naive] [--thresholds FILE] [--limit N] [--last-run FILE] [--compare RUN.json]``

``python -m evals review …`` is the review queue (see :mod:`evals.review`).

Exit status: 0 every threshold holds, 1 one falls short (the figures and cases are named),
2 bad input (unreadable file, malformed case with file and line, bad thresholds file).

The answering system is a callable ``ask(question, history) -> answer`` where the answer is
the CONTRACT §2 object (an ``Answer`` or its dict); :func:`run_cases` and :func:`main` take
one as a parameter so tests can put a double in place of the real ``Assistant``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from evals.askers import AskFn, as_answer_dict, http_asker, in_process_asker, preflight
from evals.cases import CaseError, GoldCase, load_cases
from evals.console import print_human
from evals.run_context import git_commit, gold_files, load_run, policy_facts, validity_markers
from evals.scoring import CaseResult, score_case, summarise
from evals.thresholds import (
    DEFAULT_THRESHOLDS,
    InputError,
    Threshold,
    check_thresholds,
    load_thresholds,
)

EVALS_DIR = Path(__file__).resolve().parent


# -- running ----------------------------------------------------------------------------------


def run_cases(
    cases: Sequence[GoldCase],
    ask: AskFn,
    *,
    progress: bool = True,
    label: str = "evals",
    default_slug: str | None = None,
    extra_facts: Sequence[Decimal] = (),
    validity_markers: Sequence[str] = (),
    warmup: bool = False,
) -> list[CaseResult]:
    """Ask every case and score it. An exception from ``ask`` fails that case, not the run."""
    if warmup and cases:
        # First calls pay for lazy loading (tokenizer dictionaries, caches); latency
        # figures are about a warm system, so one untimed question goes first.
        with contextlib.suppress(Exception):
            ask(cases[0].last_question, cases[0].history)
    results = []
    bar = tqdm(cases, desc=label, unit="case", file=sys.stderr, disable=not progress)
    for case in bar:
        started = time.perf_counter()
        answer, error = None, None
        try:
            answer = as_answer_dict(ask(case.last_question, case.history))
        except Exception as e:  # the system's failure is a failing case, not a crashed run
            error = f"{type(e).__name__}: {e}"
        elapsed_ms = (time.perf_counter() - started) * 1000
        results.append(
            score_case(
                case,
                answer,
                latency_ms=elapsed_ms,
                error=error,
                default_slug=default_slug,
                extra_facts=extra_facts,
                validity_markers=validity_markers,
            )
        )
    bar.close()
    return results


# -- the whole run ----------------------------------------------------------------------------


def evaluate(
    cases: Sequence[GoldCase],
    ask: AskFn,
    *,
    thresholds: Sequence[Threshold] = (),
    baseline_ask: AskFn | None = None,
    baseline_name: str | None = None,
    default_slug: str | None = None,
    extra_facts: Sequence[Decimal] = (),
    validity_markers: Sequence[str] = (),
    progress: bool = True,
    warmup: bool = False,
    previous: Mapping[str, Any] | None = None,
    compare: Mapping[str, Any] | None = None,
    compare_path: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run, score, summarise, check thresholds, compare with the previous run and with
    ``compare`` (any saved run: another commit, a baseline)."""
    from evals.report import compare_runs

    results = run_cases(
        cases,
        ask,
        progress=progress,
        label="system",
        default_slug=default_slug,
        extra_facts=extra_facts,
        validity_markers=validity_markers,
        warmup=warmup,
    )
    summary = summarise(results)
    checks = check_thresholds(summary, thresholds)
    run: dict[str, Any] = {
        "run": {"timestamp": datetime.now(UTC).isoformat(timespec="seconds"), **(meta or {})},
        "summary": summary,
        "thresholds": {
            "ok": all(c["ok"] is not False for c in checks),
            "checks": checks,
            "failed": [c["rule"] + f" (got {c['value']})" for c in checks if c["ok"] is False],
        },
        "cases": [r.to_dict() for r in results],
    }
    if baseline_ask is not None:
        base_results = run_cases(
            cases,
            baseline_ask,
            progress=progress,
            label=f"baseline {baseline_name}",
            default_slug=default_slug,
            extra_facts=extra_facts,
            validity_markers=validity_markers,
        )
        run["baseline"] = summarise(base_results)
        run["baseline"]["name"] = baseline_name
        run["baseline_cases"] = [r.to_dict() for r in base_results]
    if previous:
        before = previous.get("run") or {}
        run["previous"] = {
            "timestamp": before.get("timestamp"),
            "commit": before.get("commit"),
            "gold_files": before.get("gold_files") or [{"path": g} for g in before.get("gold", [])],
            "summary": previous.get("summary"),
        }
        run["changes"] = compare_runs(previous, run)
    if compare:
        other = compare.get("run") or {}
        run["compare"] = {
            "file": compare_path,
            "timestamp": other.get("timestamp"),
            "commit": other.get("commit"),
            "target": other.get("target"),
            "gold_files": other.get("gold_files") or [{"path": g} for g in other.get("gold", [])],
            "summary": compare.get("summary"),
            "changes": compare_runs(compare, run),
        }
    return run


# -- the command line -------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run gold cases and check the thresholds")
    run.add_argument(
        "--gold",
        action="append",
        required=True,
        metavar="FILE_OR_DIR",
        help="a gold .jsonl file, or a directory of them (repeatable)",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.add_argument("--report", metavar="DIR", help="write report.html and report.md here")
    run.add_argument("--url", help="evaluate a running service (POST URL/api/ask) instead")
    run.add_argument("--baseline", choices=["naive"], help="also run a baseline, side by side")
    run.add_argument("--thresholds", default=str(DEFAULT_THRESHOLDS), metavar="FILE")
    run.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    run.add_argument(
        "--last-run",
        metavar="FILE",
        help="previous run to compare with, replaced by this run "
        "(default: DIR/last_run.json with --report, else "
        "<data dir>/evals/last_run-<gold files hash>.json)",
    )
    run.add_argument(
        "--compare",
        metavar="RUN.json",
        help="also compare, case by case, with this saved run (another commit, a baseline)",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument(
        "--policy-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also load this policy folder (repeatable; e.g. a test fixture), with an index of "
        "its own under <data dir>/evals/ so the default index is left alone",
    )
    sub.add_parser(
        "review",
        add_help=False,
        help="the review queue: disliked answers to gold cases (python -m evals review --help)",
    )
    return parser


def with_policy_dirs(settings: Any, folders: list[Path]) -> Any:
    """``settings`` that also load ``folders`` (policy folders, in place), with a data folder of
    their own for the index they need (the model is the configured one)."""
    import hashlib

    for folder in folders:
        if not (folder / "policy.yaml").is_file():
            raise InputError(f"--policy-dir {folder}: not a policy folder (no policy.yaml)")
    resolved = [f.resolve() for f in folders]
    key = hashlib.sha256("\n".join(map(str, sorted(resolved))).encode("utf-8")).hexdigest()[:10]
    return settings.model_copy(
        update={
            "extra_policy_dirs": [*settings.extra_policy_dirs, *resolved],
            "data_dir": Path(settings.data_dir) / "evals" / f"policies-{key}",
            "embedding_model": settings.embedding_model or str(settings.default_model_dir),
        }
    )


def _case_set_key(paths: list[str]) -> str:
    """A short stable name for the gold files a run used."""
    import hashlib

    joined = "\n".join(sorted(str(Path(p).resolve()) for p in paths))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:10]


def main(
    argv: Sequence[str] | None = None,
    *,
    ask: AskFn | None = None,
    baseline_ask: AskFn | None = None,
    settings: Any = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The CLI. ``ask``/``baseline_ask``/``settings`` replace the real ones (tests)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["review"]:
        from evals.review import main as review_main

        return review_main(argv[1:], settings=settings, stdout=out, stderr=err)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse: 2 for bad arguments, 0 for --help
        return int(e.code or 0)
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=err)
        return 2

    # Bad input is found before any model loads.
    try:
        cases = load_cases(args.gold)
        thresholds = load_thresholds(Path(args.thresholds))
        compare = load_run(Path(args.compare)) if args.compare else None
    except (CaseError, InputError) as e:
        print(f"error: {e}", file=err)
        return 2
    if args.limit:
        cases = cases[: args.limit]

    if settings is None:
        from knowledge.settings import Settings

        settings = Settings()
    if args.policy_dir:
        try:
            settings = with_policy_dirs(settings, [Path(p) for p in args.policy_dir])
        except InputError as e:
            print(f"error: {e}", file=err)
            return 2
    default_slug = getattr(settings, "default_policy", None)
    last_run = (
        Path(args.last_run)
        if args.last_run
        else (
            Path(args.report) / "last_run.json"
            if args.report
            # One previous run per set of gold files: a dev run never compares with gold.
            else Path(settings.data_dir) / "evals" / f"last_run-{_case_set_key(args.gold)}.json"
        )
    )
    previous = None
    if last_run.is_file():
        try:
            previous = json.loads(last_run.read_text("utf-8"))
        except (OSError, ValueError) as e:
            print(f"warning: ignoring unreadable previous run {last_run}: {e}", file=err)

    assistant = None
    target = args.url or "in-process"
    # A system that cannot start is not a threshold shortfall: say so and exit 2.
    try:
        if ask is None:
            if args.url:
                preflight(args.url)
                ask = http_asker(args.url)
            else:
                print("loading the assistant (model and index)…", file=err)
                ask, assistant = in_process_asker(settings)
        if args.baseline and baseline_ask is None:
            from evals.baseline import NaiveRag

            print("building the naive baseline…", file=err)
            embedder = assistant.knowledge.embedder if assistant is not None else None
            baseline_ask = NaiveRag.build(settings, embedder=embedder).ask
    except Exception as e:
        print(f"error: cannot start the system under test: {type(e).__name__}: {e}", file=err)
        return 2

    try:
        facts = policy_facts(settings)
    except Exception:  # facts only widen what counts as grounded; never fatal
        facts = []
    try:
        markers = validity_markers(settings)
    except Exception:  # the validity words still count without the dates
        markers = []
    run = evaluate(
        cases,
        ask,
        thresholds=thresholds,
        baseline_ask=baseline_ask if args.baseline else None,
        baseline_name=args.baseline,
        default_slug=default_slug,
        extra_facts=facts,
        validity_markers=markers,
        progress=not args.no_progress,
        warmup=assistant is not None or bool(args.url),
        previous=previous,
        compare=compare,
        compare_path=args.compare,
        meta={
            "target": target,
            "commit": git_commit(),
            "gold": [str(g) for g in args.gold],
            "gold_files": gold_files(args.gold),
            "thresholds_file": str(args.thresholds),
            "limit": args.limit,
        },
    )

    if args.report:
        from evals.report import write_report

        paths = write_report(run, Path(args.report))
        print(f"report: {paths[0]}", file=err)
    try:
        last_run.parent.mkdir(parents=True, exist_ok=True)
        last_run.write_text(json.dumps(run, ensure_ascii=False, indent=1, default=str), "utf-8")
    except OSError as e:
        print(f"warning: could not keep this run in {last_run}: {e}", file=err)

    if args.json:
        print(json.dumps(run, ensure_ascii=False, indent=2, default=str), file=out)
    else:
        print_human(run, out)

    failed = run["thresholds"]["failed"]
    if failed:
        print("THRESHOLDS NOT MET: " + "; ".join(failed), file=err)
        names = [c["id"] for c in run["cases"] if not c["passed"]]
        if names:
            print(f"failing cases ({len(names)}): {', '.join(names)}", file=err)
        return 1
    skipped = [c["rule"] for c in run["thresholds"]["checks"] if c["ok"] is None]
    if skipped:
        print(f"not applicable to these cases: {'; '.join(skipped)}", file=err)
    print(
        f"all thresholds met ({run['summary']['passed']}/{run['summary']['cases']} cases pass)",
        file=err,
    )
    return 0
