"""The retrieval benchmark's input checks and figures (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench_retrieval import DEFAULT_DEV, DevSetError, _figures, load_dev, main


def test_dev_set_in_the_repo_is_valid():
    items = load_dev(DEFAULT_DEV)
    assert len(items) >= 60
    assert len({i["id"] for i in items}) == len(items)


def test_bad_dev_line_is_named(tmp_path: Path, capsys):
    path = tmp_path / "dev.jsonl"
    path.write_text(
        '{"id": "a", "question": "问", "relevant": ["四.1"]}\n{"id": "b", "question": "问"}\n'
    )
    with pytest.raises(DevSetError, match=r"dev.jsonl:2: need"):
        load_dev(path)
    assert main(["--dev", str(path)]) == 2
    assert "dev.jsonl:2" in capsys.readouterr().err


def test_figures():
    f = _figures([1, 2, None, 4, 11])
    assert f == {"hit_at_1": 0.2, "hit_at_3": 0.4, "mrr": round((1 + 0.5 + 0.25) / 5, 4)}


def test_quality_checks_hold_fused_figures_within_one_question():
    from evals.bench_retrieval import quality_checks

    sets = {"hard": [{}] * 100}

    def row(name: str, engine: str, h1: float, mrr: float) -> dict:
        return {"name": name, "engine": engine,
                "sets": {"hard": {"hit_at_1": h1, "hit_at_3": 1.0, "mrr": mrr}}}  # fmt: skip

    rows = [
        row("(b) dense only", "torch", 0.89, 0.9),
        row("(b) dense only", "onnx-int8", 0.86, 0.9),  # three questions lost, dense only
        row("(d) fused (project)", "torch", 0.99, 0.995),
        row("(d) fused (project)", "onnx-int8", 0.98, 0.990),  # one lost; MRR 0.5 of one
    ]
    checks = quality_checks(rows, sets)
    assert checks["dense hit@1 within one question of torch (onnx-int8, hard)"] is False
    assert checks["fused hit@1 within one question of torch (onnx-int8, hard)"] is True
    assert checks["fused MRR within one question of torch (onnx-int8, hard)"] is True
    rows[-1] = row("(d) fused (project)", "onnx-int8", 0.97, 0.990)  # two lost
    fused_h1 = "fused hit@1 within one question of torch (onnx-int8, hard)"
    assert quality_checks(rows, sets)[fused_h1] is False
