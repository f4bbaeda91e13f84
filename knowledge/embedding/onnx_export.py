"""The model as ONNX graphs for onnxruntime: exported once from the folder, int8 by recipe.

``<model folder>/onnx/`` holds ``model.onnx`` (fp32, exported with ``torch.onnx.export``)
and ``model_int8.onnx`` (its dynamic int8 quantization), each with its weights beside it as
ONNX external data (``*.onnx.data``: onnxruntime maps it instead of parsing 400 MB of
protobuf, 2 s instead of 10 s to load on a busy machine), and ``export-info.json``, written
last, which records what they were made from. An export is current when that record names
the folder's own weights (size and modification time of every weight file) and this
exporter's version; otherwise it is made again.

The graph takes ``input_ids`` and ``attention_mask`` and returns the sentence embedding:
the encoder, the folder's pooling (mean or CLS) and, when the folder has it, L2
normalisation — the whole sentence-transformers pipeline after the tokenizer. Only folders
of that shape (Transformer → Pooling → optional Normalize, with a ``tokenizer.json``) can be
exported; anything else raises :class:`ExportError` and the caller falls back to torch.

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, which requires
transformers < 4.58; this project runs transformers 5, hence onnxruntime directly.

The int8 recipe was chosen by measurement (dense-only clause hit@1 on evals/dev/retrieval and
retrieval_hard, 98 + 103 questions; fp32: 84 and 89): dynamic quantization of the MatMuls
whose second input is a constant weight, per output channel, signed 7-bit weights
(``reduce_range``): 86 and 88. This CPU has AVX2 without VNNI, where onnxruntime's u8×s8
kernel can saturate 16-bit sums; full 8-bit weights lost 3 hard questions (86), u8 weights
5 (84), quantizing every op 8 (81), int8 embedding tables too 9 (80). The attention products
(activation × activation) and the embedding tables stay fp32.

Through the product's fused retrieval that recipe still lost 3 hard questions at rank 1 (99 of
103 against fp32's 102). Keeping each layer's feed-forward output projection in fp32 as well
(``exclude_nodes``; 12 of 72 weight MatMuls) brought fused hit@1 to 94 / 101 (fp32 94 / 102),
hit@3 98 / 103 (the same), MRR 0.978 / 0.990 (0.976 / 0.995), at 0.67 of fp32's query time
against 0.54 for the previous recipe (2026-12-01, busy machine). Keeping every output
projection (attention's too) gave 93 / 101 at 0.77; full 8-bit with the feed-forward outputs
kept, 94 / 99; fp32 passages with int8 queries, 94 / 99 — the loss was on the query side.
A recipe change re-quantizes from the present fp32 graph (no torch export).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPORTER_VERSION = "2"  # 2: weights as external data (loads in a fifth of the time)
ONNX_DIR = "onnx"
EXPORT_INFO_FILE = "export-info.json"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OPSET = 17
# The int8 recipe; it is part of the engine's model id, so changing it rebuilds the index.
INT8_RECIPE: dict[str, Any] = {
    "op_types": ["MatMul"],
    "per_channel": True,
    "reduce_range": True,
    "matmul_const_b_only": True,
    # Kept fp32: each layer's feed-forward output projection (its input is the GELU output,
    # whose outliers per-tensor dynamic int8 flattens). See the module docstring.
    "exclude_nodes": r"/layer\.\d+/output/dense/MatMul$",
}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")


class ExportError(RuntimeError):
    """The folder cannot be exported (unsupported modules, no fast tokenizer, export failed)."""


@dataclass(frozen=True)
class OnnxExport:
    folder: Path  # the model folder
    fp32: Path
    int8: Path
    info: dict[str, Any]

    def graph(self, engine: str) -> Path:
        return self.int8 if engine == "onnx-int8" else self.fp32


def recipe_id(recipe: dict[str, Any] = INT8_RECIPE) -> str:
    """Short stable name of an int8 recipe, e.g. ``matmul-constb-perchannel``."""
    parts = ["-".join(op.lower() for op in recipe["op_types"]) or "all"]
    if recipe.get("matmul_const_b_only"):
        parts.append("constb")
    parts.append("perchannel" if recipe.get("per_channel") else "pertensor")
    if recipe.get("reduce_range"):
        parts.append("rr")
    if recipe.get("exclude_nodes"):
        parts.append("ffnout32")
    return "-".join(parts)


def excluded_nodes(graph: Path, recipe: dict[str, Any] = INT8_RECIPE) -> list[str]:
    """Names of the graph's nodes the recipe keeps in fp32."""
    pattern = recipe.get("exclude_nodes")
    if not pattern:
        return []
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    return [n.name for n in model.graph.node if re.search(pattern, n.name)]


def _weights_signature(folder: Path) -> dict[str, list[int]]:
    """Size and mtime of every weight file: a rebuilt or replaced model changes it."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in _WEIGHT_SUFFIXES and ONNX_DIR not in path.parts:
            stat = path.stat()
            out[str(path.relative_to(folder))] = [stat.st_size, stat.st_mtime_ns]
    return out


def _read_info(folder: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((folder / ONNX_DIR / EXPORT_INFO_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def current_export(folder: Path | str) -> OnnxExport | None:
    """The folder's export if it is complete and made from the folder's present weights."""
    folder = Path(folder)
    info = _read_info(folder)
    if not info or info.get("exporter_version") != EXPORTER_VERSION:
        return None
    if info.get("int8_recipe") != recipe_id() or info.get("weights") != _weights_signature(folder):
        return None
    out = folder / ONNX_DIR
    for name, size in (info.get("files") or {}).items():
        try:
            if (out / name).stat().st_size != size:
                return None
        except OSError:
            return None
    if not info.get("files"):
        return None
    return OnnxExport(folder, out / FP32_FILE, out / INT8_FILE, info)


def _st_layout(folder: Path) -> tuple[str, bool]:
    """(pooling mode, normalize) of a sentence-transformers folder we know how to export."""
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{folder}: no readable modules.json ({exc})") from None
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ExportError(f"{folder}: modules {kinds} are not Transformer → Pooling → Normalize")
    if not (folder / "tokenizer.json").is_file():
        raise ExportError(f"{folder}: no tokenizer.json (a fast tokenizer is needed)")
    pooling_path = folder / modules[1].get("path", "1_Pooling") / "config.json"
    pooling = json.loads(pooling_path.read_text("utf-8"))
    if pooling.get("pooling_mode_mean_tokens"):
        mode = "mean"
    elif pooling.get("pooling_mode_cls_token"):
        mode = "cls"
    else:
        raise ExportError(f"{folder}: pooling {pooling} is neither mean nor CLS")
    return mode, len(kinds) == 3


def _export_fp32(folder: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

    mode, normalize = _st_layout(folder)
    encoder = AutoModel.from_pretrained(str(folder), dtype=torch.float32, local_files_only=True)
    encoder.eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            if mode == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
            return pooled

    ids = torch.tensor([[0, 1000, 2000, 2], [0, 1500, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    # The tracer warns about Python branches on shapes (constant for BERT) and that this
    # exporter is the legacy one; neither applies to a fixed encoder graph.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            SentenceEmbedding(),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic axes as given
        )
    _to_external_data(path)


def _to_external_data(path: Path) -> None:
    """Move the weights of the graph at ``path`` into ``<name>.data`` beside it."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=path.name + ".data",
        size_threshold=1024,
    )


def quantize_int8(fp32: Path, out: Path, recipe: dict[str, Any] = INT8_RECIPE) -> None:
    """Dynamic int8 quantization of ``fp32`` into ``out`` with the given recipe."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # its advice to pre-process applies to static quantization
    try:
        quantize_dynamic(
            str(fp32),
            str(out),
            op_types_to_quantize=recipe["op_types"] or None,
            per_channel=recipe["per_channel"],
            reduce_range=recipe["reduce_range"],
            weight_type=QuantType.QInt8,
            extra_options={"MatMulConstBOnly": bool(recipe.get("matmul_const_b_only"))},
            nodes_to_exclude=excluded_nodes(fp32, recipe),
            use_external_data_format=True,  # writes <out>.data beside it
        )
    finally:
        logging.disable(logging.NOTSET)


def _reuse_fp32(folder: Path, tmp: Path) -> bool:
    """Copy the present fp32 graph into ``tmp`` when it was made by this exporter from the
    folder's present weights (only the int8 recipe changed): the int8 graph is then made
    again from it, without loading torch. False when there is none to reuse."""
    info = _read_info(folder)
    files = (info or {}).get("files") or {}
    if (
        not info
        or info.get("exporter_version") != EXPORTER_VERSION
        or info.get("weights") != _weights_signature(folder)
    ):
        return False
    names = [n for n in files if n.startswith(FP32_FILE)]  # model.onnx and model.onnx.data
    try:
        if FP32_FILE not in names or any(
            (folder / ONNX_DIR / n).stat().st_size != files[n] for n in names
        ):
            return False
        for name in names:
            # A copy, not a hard link: onnx refuses external data with several links.
            shutil.copy2(folder / ONNX_DIR / name, tmp / name)
    except OSError:
        for name in names:
            (tmp / name).unlink(missing_ok=True)
        return False
    return True


def export_model(
    folder: Path | str, *, force: bool = False, show_progress: bool = True
) -> tuple[OnnxExport, bool]:
    """Export ``folder`` to ONNX fp32 and int8 unless a current export is there.

    Returns the export and whether it was made now. Written into a temporary folder beside
    ``onnx/`` and renamed into place, so a reader never sees half an export.
    """
    folder = Path(folder).resolve()
    existing = None if force else current_export(folder)
    if existing is not None:
        return existing, False
    _st_layout(folder)  # refuse early, before loading torch
    from tqdm import tqdm

    tmp = folder / f".{ONNX_DIR}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    steps = tqdm(total=2, desc="ONNX export", disable=not show_progress, file=sys.stderr)
    started = time.perf_counter()
    try:
        steps.set_postfix_str("fp32")
        if force or not _reuse_fp32(folder, tmp):
            try:
                _export_fp32(folder, tmp / FP32_FILE)
            except ExportError:
                raise
            except Exception as exc:  # an architecture the exporter cannot trace
                raise ExportError(f"{folder}: torch.onnx.export failed: {exc}") from exc
        steps.update()
        steps.set_postfix_str("int8 " + recipe_id())
        quantize_int8(tmp / FP32_FILE, tmp / INT8_FILE)
        steps.update()
        files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()}
        info = {
            "exporter_version": EXPORTER_VERSION,
            "opset": OPSET,
            "int8_recipe": recipe_id(),
            "int8_recipe_options": INT8_RECIPE,
            "weights": _weights_signature(folder),
            "files": files,
            "seconds": round(time.perf_counter() - started, 1),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / EXPORT_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", "utf-8")
        target = folder / ONNX_DIR
        if target.exists():
            old = folder / f".{ONNX_DIR}.old-{os.getpid()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:
            if current_export(folder) is None:  # another process did not finish it either
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        steps.close()
    done = current_export(folder)
    if done is None:
        raise ExportError(f"{folder}: the export was written but does not check out")
    return done, True
