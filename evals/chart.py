"""The report's SVG chart of the rates, as geometry the template draws."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.report_format import LABELS, fmt

_SERIES = [
    ("now", "this run", "#2563eb"),
    ("previous", "previous run", "#9ca3af"),
    ("compare", "compared run", "#7c3aed"),
    ("baseline", "naive baseline", "#f59e0b"),
]


def chart(
    figures: Sequence[str],
    values: Mapping[str, Mapping[str, float | None]],
    bounds: Mapping[str, dict],
    *,
    scale_max: float | None = None,
    title: str = "",
) -> dict[str, Any]:
    """Horizontal grouped bars, one group per figure; a red tick marks the threshold."""
    series = [s for s in _SERIES if any(values.get(s[0], {}).get(f) is not None for f in figures)]
    bar_h, gap, label_w, plot_w, right = 11, 10, 220, 460, 60
    group_h = bar_h * max(len(series), 1) + gap
    top = 34
    height = top + group_h * len(figures) + 10
    vmax = scale_max
    if vmax is None:
        candidates = [v.get(f) for v in values.values() for f in figures]
        candidates += [bounds[f]["bound"] for f in figures if f in bounds]
        vmax = max([c for c in candidates if c is not None] + [1.0]) * 1.1

    def x(v: float) -> float:
        return round(label_w + plot_w * (min(v, vmax) / vmax), 1)

    groups = []
    for i, figure in enumerate(figures):
        y0 = top + i * group_h
        bars = []
        for j, (key, name, color) in enumerate(series):
            v = values.get(key, {}).get(figure)
            if v is None:
                continue
            w = max(x(v) - label_w, 1)
            y = y0 + j * bar_h
            bars.append(
                {
                    "y": y,
                    "w": round(w, 1),
                    "h": bar_h - 2,
                    "color": color,
                    "name": name,
                    "value": fmt(v, figure),
                    "tx": round(label_w + w + 4, 1),
                    "ty": y + bar_h - 3,
                }
            )
        tick = None
        if figure in bounds:
            tick = {
                "x": x(bounds[figure]["bound"]),
                "y1": y0 - 2,
                "y2": y0 + group_h - gap + 2,
                "rule": bounds[figure]["rule"],
            }
        groups.append(
            {
                "label": LABELS.get(figure, figure),
                "ly": y0 + group_h / 2,
                "bars": bars,
                "tick": tick,
            }
        )
    return {
        "title": title,
        "width": label_w + plot_w + right,
        "height": height,
        "label_w": label_w,
        "top": top,
        "legend": [
            {"x": label_w + 130 * k, "name": name, "color": color}
            for k, (_, name, color) in enumerate(series)
        ],
        "groups": groups,
    }
