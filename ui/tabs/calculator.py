"""补贴计算器: pick a rule, fill the form generated from its inputs, see the award and its steps."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from ui.guard import bounded_values
from ui.page_assets import SCROLL_JS
from ui.render import (
    award_markdown,
    departments_line,
    eligibility_label,
    esc,
    esc_md,
    money,
)
from ui.service import NotReadyError, Service
from ui.tabs.common import SORRY
from ui.tabs.fields import MAX_INPUT_CHARS, collect_inputs, input_component

logger = logging.getLogger("ui.web")


def calculator_tab(service: Service, rules_state: gr.State) -> gr.Dropdown:
    gr.Markdown(
        "选择补贴条款，填写数额（可写“800万”“2.5亿”等），即可看到是否符合条件、金额和计算过程。"
    )
    rule_dd = gr.Dropdown(choices=[], label="补贴规则（条款）", elem_id="calc-rule")
    result = gr.Markdown(elem_id="calc-result")  # above the form: where the eye is

    @gr.render(inputs=[rule_dd, rules_state])
    def form(rule_id: str | None, rules: list[dict[str, Any]]) -> None:
        rule = next((r for r in rules or [] if r["id"] == rule_id), None)
        if rule is None:
            gr.Markdown("请先选择一条补贴规则。")
            return
        clause = service.find_clause(rule["clause"]) if service.ready else None
        if clause is not None:
            gr.Markdown(
                f"**{esc_md(rule['clause'])}　{esc_md(clause.title)}**：{esc(clause.text)}\n\n"
                f"{esc(departments_line(clause.departments))}",
                elem_id="calc-clause",
            )
        specs = rule["inputs"]
        fields = [input_component(s, key=f"calc:{rule['id']}:{s['name']}") for s in specs]
        button = gr.Button("计算", variant="primary", elem_id="calc-go")

        def compute(*values: Any) -> str:
            values = bounded_values(values, MAX_INPUT_CHARS)
            return _compute(service, rule["id"], specs, values)

        scroll = SCROLL_JS % "calc-result"
        button.click(compute, fields, result, api_visibility="private").then(
            None, js=scroll, api_visibility="private"
        )
        for field in fields:
            if isinstance(field, gr.Textbox):
                field.submit(compute, fields, result, api_visibility="private").then(
                    None, js=scroll, api_visibility="private"
                )

    rule_dd.change(lambda: "", None, result, queue=False, api_visibility="private")
    return rule_dd


def _compute(service: Service, rule_id: str, specs: list[dict[str, Any]], values: Any) -> str:
    from assistant.awards import AwardInputError

    inputs = collect_inputs(specs, tuple(values))
    try:
        award = service.assistant.award(rule_id, inputs)
    except (AwardInputError, ValueError) as exc:
        return f"**输入有误**：{esc(exc)}"
    except NotReadyError as exc:
        return f"**提示**：{esc(exc)}"
    except Exception:
        logger.exception("award %s failed", rule_id)
        return SORRY
    head = f"### {eligibility_label(award)}：{money(award.amount_yuan)}\n\n"
    return head + award_markdown(award, with_heading=False)


# -- 政策原文 --
