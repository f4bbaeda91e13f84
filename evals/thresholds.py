"""The threshold file (evals/thresholds.yaml): bounds per figure, overall and per category."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evals.scoring import SUMMARY_KEYS

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"


class InputError(ValueError):
    """Bad input other than a gold line (thresholds file, arguments); exit status 2."""


@dataclass(frozen=True)
class Threshold:
    figure: str
    op: str  # "min" or "max"
    bound: float
    category: str | None = None

    def describe(self) -> str:
        where = f"[{self.category}] " if self.category else ""
        return f"{where}{self.figure} {'≥' if self.op == 'min' else '≤'} {self.bound:g}"


def _parse_bounds(block: Any, where: str, category: str | None) -> list[Threshold]:
    if not isinstance(block, Mapping):
        raise InputError(f"{where}: expected a mapping with 'min' and/or 'max'")
    out = []
    for op, figures in block.items():
        if op not in ("min", "max"):
            raise InputError(f"{where}: unknown key {op!r} (use 'min' or 'max')")
        if not isinstance(figures, Mapping):
            raise InputError(f"{where}.{op}: expected figure: number pairs")
        for figure, bound in figures.items():
            if figure not in SUMMARY_KEYS or figure in ("cases", "passed"):
                raise InputError(f"{where}.{op}: unknown figure {figure!r}")
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise InputError(f"{where}.{op}.{figure}: bound must be a number, got {bound!r}")
            out.append(Threshold(figure, op, float(bound), category))
    return out


def load_thresholds(path: Path) -> list[Threshold]:
    """``min``/``max``: {figure: bound}; optional ``by_category: {cat: {min: …, max: …}}``."""
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read thresholds file: {e}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, Mapping):
        raise InputError(f"{path}: expected a mapping")
    top = {k: v for k, v in data.items() if k != "by_category"}
    thresholds = _parse_bounds(top, str(path), None)
    for category, block in (data.get("by_category") or {}).items():
        thresholds += _parse_bounds(block, f"{path}: by_category.{category}", str(category))
    return thresholds


def check_thresholds(summary: Mapping[str, Any], thresholds: Sequence[Threshold]) -> list[dict]:
    """One row per threshold: figure, bound, value, ok (None = not applicable to this run)."""
    rows = []
    for t in thresholds:
        source = summary if t.category is None else summary.get("by_category", {}).get(t.category)
        value = None if source is None else source.get(t.figure)
        ok = None if value is None else (value >= t.bound if t.op == "min" else value <= t.bound)
        rows.append(
            {
                "figure": t.figure,
                "category": t.category,
                "op": t.op,
                "bound": t.bound,
                "value": value,
                "ok": ok,
                "rule": t.describe(),
            }
        )
    return rows
