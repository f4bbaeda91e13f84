"""The real in-process runner on a handful of gold cases: real Assistant, model and index."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evals.runner import main
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "evals" / "gold"


@pytest.mark.slow
def test_real_runner_on_a_few_gold_cases(tmp_path):
    pytest.importorskip("assistant.chain")
    if not sorted(GOLD_DIR.glob("*.jsonl")):
        pytest.skip("no gold cases yet")
    # One case from each file, so awards, refusals and multi-turn are all exercised.
    picked = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        first = next((line for line in path.read_text("utf-8").splitlines() if line.strip()), None)
        if first:
            picked.append(first)
    gold = tmp_path / "few.jsonl"
    gold.write_text("\n".join(picked) + "\n", "utf-8")
    # Loose thresholds: this test checks the runner drives the real system end to end; the
    # real bar is `python -m evals run --gold evals/gold` in `make test`.
    lax = tmp_path / "t.yaml"
    lax.write_text("min:\n  pass_rate: 0.0\nmax:\n  p95_latency_ms: 60000\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "run",
            "--gold",
            str(gold),
            "--json",
            "--thresholds",
            str(lax),
            "--no-progress",
            "--report",
            str(tmp_path / "report"),
        ],
        settings=Settings(),
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    result = json.loads(out.getvalue())
    assert result["summary"]["cases"] == len(picked)
    assert result["summary"]["errors"] == 0, [c["reasons"] for c in result["cases"]]
    for case in result["cases"]:
        assert case["answer"], case["id"]  # the real system answered every one
        if case["expect"].get("refuse") is False:
            assert case["citations"], case["id"]
    assert (tmp_path / "report" / "report.html").stat().st_size > 2000
