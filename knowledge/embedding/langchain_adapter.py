"""langchain's ``Embeddings`` interface over an :class:`Embedder` — for the naive baseline
(evals.baseline). Its own module: importing langchain-core costs the server's start ~0.25 s
and the server never needs it."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from knowledge.embedding.embedder import Embedder


class LangchainEmbeddings(Embeddings):
    """langchain ``Embeddings`` over an :class:`Embedder` (documents use the passage prompt)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()
