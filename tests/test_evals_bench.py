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
