"""What a build of the index was made from; a build whose manifest differs is rebuilt."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel

from knowledge.chunking import CHUNKER_VERSION
from knowledge.clause import ParsedPolicy
from knowledge.embedding import Embedder
from knowledge.parse import PARSER_VERSION
from knowledge.settings import Settings

INDEX_FORMAT = "1"


class IndexManifest(BaseModel):
    format: str = INDEX_FORMAT
    build_id: str = ""
    model_id: str
    embedding_engine: str = "torch"  # torch / onnx-fp32 / onnx-int8: what made the vectors
    parser_version: str
    chunker_version: str
    store: str  # "embedded" or "server:<host>:<port>"
    sources: dict[str, str]  # slug -> hash of its parsed clauses
    chunk_count: int = 0
    built_at: str = ""

    def same_content(self, other: IndexManifest) -> bool:
        keys = (
            "format", "model_id", "embedding_engine", "parser_version", "chunker_version",
            "store", "sources",
        )  # fmt: skip
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def policy_hash(policy: ParsedPolicy) -> str:
    return hashlib.sha256(policy.model_dump_json().encode("utf-8")).hexdigest()[:16]


def store_name(settings: Settings) -> str:
    if settings.chroma_host:
        return f"server:{settings.chroma_host}:{settings.chroma_port}"
    return "embedded"


def expected_manifest(
    settings: Settings, embedder: Embedder, policies: Sequence[ParsedPolicy]
) -> IndexManifest:
    return IndexManifest(
        model_id=embedder.model_id,
        embedding_engine=embedder.engine,
        parser_version=PARSER_VERSION,
        chunker_version=CHUNKER_VERSION,
        store=store_name(settings),
        sources={p.meta.slug: policy_hash(p) for p in policies},
    )
