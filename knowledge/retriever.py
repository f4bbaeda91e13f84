"""The fused search as a langchain retriever, for chains and tools that speak langchain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class ClauseRetriever(BaseRetriever):
    """Clause-level documents, most relevant first, with scores and clause metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    knowledge: Any  # knowledge.base.KnowledgeBase (Any: keeps pydantic away from it)
    k: int = 5
    mode: str = "fused"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.clause.text,
                metadata={
                    "ref": hit.ref,
                    "slug": hit.clause.slug,
                    "clause_id": hit.clause.id,
                    "title": hit.clause.title,
                    "departments": "、".join(hit.clause.departments),
                    "score": hit.score,
                    "dense_rank": hit.dense_rank,
                    "bm25_rank": hit.bm25_rank,
                },
            )
            for hit in self.knowledge.search(query, k=self.k, mode=self.mode)  # type: ignore[arg-type]
        ]
