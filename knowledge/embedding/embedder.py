"""Loading the configured model on the configured engine, behind one ``Embedder``."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from knowledge.embedding.engines import OnnxEncoder, TorchEncoder, load_sentence_transformer
from knowledge.embedding.folder import default_model_id, is_valid_model_dir, read_build_info
from knowledge.embedding.onnx_export import ExportError, current_export, export_model, recipe_id
from knowledge.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

PASSAGE_BATCH = 8  # measured on 2 cores: small batches waste less on padding and cache


class ModelNotReadyError(RuntimeError):
    """The default model folder is missing or incomplete: run the build first."""


class Encoder(Protocol):
    engine: str
    dimension: int
    prompts: dict[str, str]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...

    def token_ids(self, text: str) -> list[int]: ...


class Embedder:
    """Turns questions and passages into L2-normalised float32 vectors."""

    def __init__(
        self,
        encoder: Encoder,
        model_id: str,
        query_prompt: str = "",
        passage_prompt: str = "",
        batch_size: int = PASSAGE_BATCH,
    ) -> None:
        self._encoder = encoder
        self.model_id = model_id
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        dim = encoder.dimension or int(self._encode(["维度"], "").shape[1])
        self.dimension: int = int(dim)

    @property
    def engine(self) -> str:
        """``torch``, ``onnx-fp32`` or ``onnx-int8``: what really runs (after any fallback)."""
        return self._encoder.engine

    @property
    def sentence_transformer(self) -> SentenceTransformer:
        """The underlying sentence-transformers model (torch engine only)."""
        if not isinstance(self._encoder, TorchEncoder):
            raise AttributeError(f"the {self.engine} engine has no sentence-transformers model")
        return self._encoder.model

    @property
    def encoder(self) -> Encoder:
        return self._encoder

    def token_ids(self, text: str) -> list[int]:
        """The ids the engine feeds the model for ``text`` (no prompt added)."""
        return self._encoder.token_ids(text)

    def __repr__(self) -> str:
        return f"Embedder({self.model_id!r}, engine={self.engine}, dimension={self.dimension})"

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int = 32) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("expected a sequence of strings, got one string")
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"expected str, got {type(text).__name__}")
        if not texts:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        return self._encoder.encode([prompt + t for t in texts], batch_size)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, self.batch_size)


@functools.lru_cache(maxsize=8)
def _onnx_encoder(folder: str, graph: str, engine: str, threads: int) -> OnnxEncoder:
    return OnnxEncoder(Path(folder), Path(graph), engine, threads)


def engine_model_id(base: str, engine: str) -> str:
    """The index manifest's model id: the engine (and int8 recipe) is part of it, so changing
    the engine rebuilds the index and never mixes vectors of two engines."""
    if engine == "torch":
        return base
    return f"{base}+{engine}" + (f"-{recipe_id()}" if engine == "onnx-int8" else "")


def _onnx_or_none(folder: Path, engine: str, threads: int) -> OnnxEncoder | None:
    """The folder on an ONNX engine, exporting it first if needed; None when it cannot be."""
    export = current_export(folder)
    try:
        if export is None:
            log.warning("向量模型尚无 ONNX 导出，正在导出（一次，约 1 分钟）：%s", folder)
            export, _ = export_model(folder, show_progress=False)
        return _onnx_encoder(str(folder), str(export.graph(engine)), engine, threads)
    except (ExportError, OSError, RuntimeError, ValueError) as exc:
        log.warning("%s 无法以 %s 运行，改用 torch：%s", folder, engine, exc)
        return None


def load_embedder(settings: Settings) -> Embedder:
    """The configured model: the rebuilt default, or any sentence-transformers name or path,
    on the configured engine (a model that cannot be exported runs on torch)."""
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
        base_id = default_model_id(read_build_info(path) or {})
    else:
        name = settings.embedding_model
        local = Path(name).expanduser()
        target = str(local.resolve()) if local.exists() else name
        base_id = name
    encoder: Encoder | None = None
    if settings.embedding_engine != "torch" and Path(target).is_dir():
        encoder = _onnx_or_none(Path(target), settings.embedding_engine, settings.torch_threads)
    if encoder is None:
        if settings.torch_threads > 0:
            import torch

            torch.set_num_threads(settings.torch_threads)
        try:
            encoder = TorchEncoder(load_sentence_transformer(target))
        except Exception as exc:  # hub lookups offline, a broken folder, an unknown name …
            raise ModelNotReadyError(
                f"向量模型 {target} 无法加载 / could not load the embedding model {target}: {exc}"
            ) from exc
    query, passage = settings.query_prompt, settings.passage_prompt
    prompts = encoder.prompts
    return Embedder(
        encoder,
        engine_model_id(base_id, encoder.engine),
        query_prompt=prompts.get("query", "") if query is None else query,
        passage_prompt=(prompts.get("passage") or prompts.get("document") or "")
        if passage is None
        else passage,
    )
