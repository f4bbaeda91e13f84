"""The two ways the model runs: sentence-transformers on torch, or onnxruntime.

Both take texts that already carry their prompt and return L2-normalised float32 rows (the
ONNX graph does pooling and normalisation itself). The ONNX encoder needs neither torch nor
sentence-transformers: the tokenizer is the folder's ``tokenizer.json`` through
``tokenizers``, so a server on the ONNX engine never imports torch (seconds of start-up).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ENGINES = ("onnx-int8", "onnx-fp32", "torch")


@functools.lru_cache(maxsize=4)
def load_sentence_transformer(name_or_path: str) -> SentenceTransformer:
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


class TorchEncoder:
    """sentence-transformers on torch (fp32)."""

    engine = "torch"

    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model
        self.prompts: dict[str, str] = dict(getattr(model, "prompts", None) or {})
        self.dimension = int(model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def token_ids(self, text: str) -> list[int]:
        return list(self.model.tokenizer(text)["input_ids"])


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class OnnxEncoder:
    """An exported graph (input ids + mask → sentence embedding) run by onnxruntime."""

    def __init__(self, folder: Path, graph: Path, engine: str, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.engine = engine
        self.graph = graph
        st_config = _read_json(folder / "sentence_bert_config.json")
        tok_config = _read_json(folder / "tokenizer_config.json")
        limits = [
            v
            for v in (st_config.get("max_seq_length"), tok_config.get("model_max_length"))
            if isinstance(v, int) and v > 0
        ]
        self.max_length = min([*limits, 512])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        pad = tok_config.get("pad_token")
        pad_id = self.tokenizer.token_to_id(pad) if isinstance(pad, str) else None
        self.pad_id = 0 if pad_id is None else pad_id
        self.prompts = {
            k: str(v)
            for k, v in (
                _read_json(folder / "config_sentence_transformers.json").get("prompts") or {}
            ).items()
            if v
        }

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        if threads > 0:
            options.intra_op_num_threads = threads
        # Calls come from a pool of worker threads: an idle spinning pool would steal the core
        # another request needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(graph), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def _run(self, encodings: Sequence[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        (out,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        encodings = (
            self.tokenizer.encode_batch(texts)
            if len(texts) > 1
            else [self.tokenizer.encode(texts[0])]
        )
        # Longest first, in batches of similar length: little padding (as sentence-transformers).
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        step = max(1, batch_size)
        parts = [order[start : start + step] for start in range(0, len(order), step)]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if len(parts) == 1:  # a question: one thread, the server runs several at once
            out[parts[0]] = self._run([encodings[i] for i in parts[0]])
            return out
        # Many passages (an index build): one batch per core at a time; onnxruntime runs
        # them in parallel on one session (run() is thread-safe and releases the GIL).
        with ThreadPoolExecutor(max_workers=min(len(parts), os.cpu_count() or 1)) as pool:
            done = pool.map(lambda part: self._run([encodings[i] for i in part]), parts)
            for part, vectors in zip(parts, done, strict=True):
                out[part] = vectors
        return out
