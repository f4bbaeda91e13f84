"""The Gradio page: 智能问答, 补贴计算器, 政策原文, 热线坐席, 一企一策 (ui/tabs/, one each).

The Blocks are built before the Assistant has loaded, so everything that depends on the
policy (rule list, clause tree) is filled in by ``demo.load`` once it is ready. Forms for
the calculator and the matcher are generated from ``Assistant.rules()`` with ``gr.render``;
there is no hand-written form per rule.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.page_assets import CSS, HEAD
from ui.page_meta import assistant_name, page_facts
from ui.render import esc, esc_md
from ui.service import LOADING_MESSAGE, Service
from ui.tabs.calculator import calculator_tab
from ui.tabs.chat import chat_tab
from ui.tabs.common import clause_detail, clause_label, rule_label
from ui.tabs.hotline import hotline_tab
from ui.tabs.matcher import matcher_tab
from ui.tabs.policy import policy_tab

__all__ = ["CSS", "HEAD", "build_web"]

LOAD_WAIT_S = 300.0
TAB_IDS = ("chat", "calc", "policy", "hotline", "match")


def build_web(service: Service) -> gr.Blocks:
    name = assistant_name(service.settings)  # from policy.yaml, not from code
    with gr.Blocks(title=name, analytics_enabled=False) as demo:
        head = gr.Markdown(f"## {name}", elem_id="page-head")
        status = gr.Markdown(LOADING_MESSAGE, elem_id="load-status")
        rules_state = gr.State([])

        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap") as tabs:
            with gr.Tab("智能问答", id="chat", elem_id="tab-chat"):
                chat_tab(service)
            with gr.Tab("补贴计算器", id="calc", elem_id="tab-calc"):
                rule_dd = calculator_tab(service, rules_state)
            with gr.Tab("政策原文", id="policy", elem_id="tab-policy"):
                tree, detail, _search = policy_tab(service)
            with gr.Tab("热线坐席", id="hotline", elem_id="tab-hotline"):
                hotline_tab(service)
            with gr.Tab("一企一策", id="match", elem_id="tab-match"):
                matcher_tab(service, rules_state)

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            # Wait for the Assistant (seconds at start-up), then fill the policy-driven parts.
            if not service.wait(LOAD_WAIT_S):
                message = f"**提示**：{esc(service.error or LOADING_MESSAGE)}"
                return (
                    message,
                    gr.update(),
                    [],
                    gr.update(),
                    gr.update(),
                    gr.update(),
                    gr.update(),
                )
            facts = page_facts(service)
            head_value = f"## {name}\n" + (facts.header() if facts else "")
            rules = service.rules()
            clauses = [service.clause_dict(c) for c in service.assistant.knowledge.clauses()]
            choices = [(clause_label(c), c["id"]) for c in clauses]
            params = dict(request.query_params) if request is not None else {}
            ref = (params.get("clause") or "").strip()
            tab = params.get("tab") if params.get("tab") in TAB_IDS else None
            tree_update = gr.update(choices=choices, value=None)
            detail_value = "请在左侧目录选择条款，或输入关键词搜索。"
            if ref:
                found = service.find_clause(ref)
                if found is not None:
                    data = service.clause_dict(found)
                    tree_update = gr.update(choices=choices, value=data["id"])
                    detail_value = clause_detail(service, found)
                else:
                    detail_value = (
                        f"未找到条款“{esc_md(ref[:50])}”，请检查条款号（如 四.10、二.(二)）。"
                    )
                tab = tab or "policy"
            rule_update = gr.update(
                choices=[(rule_label(r), r["id"]) for r in rules],
                value=rules[0]["id"] if rules else None,
            )
            tabs_update = gr.update(selected=tab) if tab else gr.update()
            status_update = gr.update(value="", visible=False)
            return (
                status_update,
                rule_update,
                rules,
                tree_update,
                detail_value,
                tabs_update,
                head_value,
            )

        demo.load(
            on_load,
            None,
            [status, rule_dd, rules_state, tree, detail, tabs, head],
            show_progress="hidden",
            api_visibility="private",
        )
    # Eight people at once, each event in its own worker (the Assistant is thread-safe).
    demo.queue(default_concurrency_limit=8, max_size=256)
    return demo
