"""政策原文: the clause tree, search by words or clause id, one clause with its guide."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.guard import bounded_text
from ui.page_assets import CLAUSE_URL_JS
from ui.render import (
    esc,
    esc_md,
)
from ui.service import NotReadyError, Service
from ui.tabs.common import clause_detail, clause_label


def policy_tab(service: Service) -> tuple[gr.Radio, gr.Markdown, gr.Textbox]:
    with gr.Row():
        search = gr.Textbox(
            label="搜索条款",
            placeholder="关键词或条款号，如 流片、四.10、市商务局；回车搜索",
            elem_id="policy-search",
            max_length=200,
            scale=4,
        )
        reset = gr.Button("显示全部", size="sm", scale=1)
    with gr.Row(equal_height=False, elem_id="policy-row"):
        with (
            gr.Column(scale=2, min_width=260),
            gr.Accordion("条款目录（按条款号，可收起）", open=True, elem_id="clause-toc"),
        ):
            tree = gr.Radio(choices=[], label="条款目录", elem_id="clause-tree")
        with gr.Column(scale=3, min_width=300):
            detail = gr.Markdown(elem_id="clause-detail")

    def all_choices() -> list[tuple[str, str]]:
        return [
            (clause_label(service.clause_dict(c)), service.clause_dict(c)["id"])
            for c in service.assistant.knowledge.clauses()
        ]

    def on_search(query: str) -> tuple[Any, str]:
        query = bounded_text(query, 200)
        try:
            kb = service.assistant.knowledge
        except NotReadyError as exc:
            return gr.update(), esc(exc)
        query = (query or "").strip()
        if not query:
            return gr.update(choices=all_choices(), value=None), ""
        clauses = [service.clause_dict(c) for c in kb.clauses()]
        exact = service.find_clause(query)
        needle = query.lower()
        hits = [
            c
            for c in clauses
            if needle in c["id"].lower()
            or needle in c["title"].lower()
            or needle in c["text"].lower()
            or any(needle in d.lower() for d in c["departments"])
        ]
        note = f"找到 {len(hits)} 条包含“{esc_md(query)}”的条款。"
        if not hits:  # nothing literal: fall back to meaning
            hits = [service.clause_dict(h.clause) for h in kb.search(query, k=8)]
            note = f"没有条款逐字包含“{esc_md(query)}”，以下是意思最接近的 {len(hits)} 条。"
        value = None
        if exact is not None:
            value = service.clause_dict(exact)["id"]
            if all(h["id"] != value for h in hits):
                hits.insert(0, service.clause_dict(exact))
        choices = [(clause_label(c), c["id"]) for c in hits]
        return gr.update(choices=choices, value=value), note

    def on_select(ref: str | None) -> str:
        if not ref:
            return gr.update()
        found = service.find_clause(ref)
        if found is None:
            return f"未找到条款“{esc_md(ref)}”。"
        return clause_detail(service, found)

    search.submit(on_search, search, [tree, detail], api_name="search_clauses")
    reset.click(
        lambda: ("", gr.update(choices=all_choices(), value=None), ""),
        None,
        [search, tree, detail],
        api_visibility="private",
    )
    tree.change(on_select, tree, detail, js=CLAUSE_URL_JS, api_visibility="private")
    return tree, detail, search


# -- 热线坐席 --
