"""Form fields generated from a rule's inputs (shared by the calculator and the matcher)."""

from __future__ import annotations

from typing import Any

import gradio as gr

MAX_INPUT_CHARS = 200  # a calculator field is a number, not an essay

UNIT_NAMES = {"yuan": "元", "percent": "%", "count": "个", "times": "次", "wan": "万元"}
UNIT_HINTS = {
    "yuan": "如 800万、2.5亿 或 8000000",
    "percent": "如 12.5（表示 12.5%）",
    "count": "如 250",
    "times": "如 12000000",
}
NO_UNIT = {"bool", "enum", "enum_list", ""}


def _unit(spec: dict[str, Any]) -> str:
    unit = str(spec.get("unit") or "")
    return "" if unit in NO_UNIT else UNIT_NAMES.get(unit, unit)


def _input_label(spec: dict[str, Any]) -> str:
    unit = _unit(spec)
    label = spec.get("label") or spec["name"]
    return f"{label}（{unit}）" if unit else label


def _is_bool(spec: dict[str, Any]) -> bool:
    return str(spec.get("type", "")).lower() in ("bool", "boolean")


def _is_multi(spec: dict[str, Any]) -> bool:
    return str(spec.get("type", "")).lower() == "enum_list"


def _choices(spec: dict[str, Any]) -> list[Any] | None:
    for key in ("options", "choices", "values", "enum"):
        if spec.get(key):
            return [o["value"] if isinstance(o, dict) else o for o in spec[key]]
    return None


def input_component(spec: dict[str, Any], key: str) -> gr.components.Component:
    """One form field for a rule input: yes/no, a choice, or free text for numbers."""
    label = _input_label(spec)
    info = "必填" if spec.get("required") else None
    if _is_bool(spec):
        return gr.Radio(["是", "否"], value=None, label=label, info=info, key=key)
    choices = _choices(spec)
    if choices:
        return gr.Dropdown(
            choices,
            value=[] if _is_multi(spec) else None,
            multiselect=_is_multi(spec),
            label=label,
            info=info,
            key=key,
        )
    return gr.Textbox(
        label=label,
        info=info,
        placeholder=UNIT_HINTS.get(str(spec.get("unit")), "请输入数值"),
        max_length=MAX_INPUT_CHARS,
        key=key,
    )


def collect_inputs(specs: list[dict[str, Any]], values: tuple[Any, ...]) -> dict[str, Any]:
    """Form values → award inputs; empty fields are left out (the rule reports them missing).
    Numbers stay as typed ("800万", "2.5亿"): the rule module parses Chinese amounts."""
    inputs: dict[str, Any] = {}
    for spec, value in zip(specs, values, strict=True):
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            continue
        if _is_bool(spec):
            inputs[spec["name"]] = value == "是"
        else:
            inputs[spec["name"]] = value.strip() if isinstance(value, str) else value
    return inputs


# -- the page --
