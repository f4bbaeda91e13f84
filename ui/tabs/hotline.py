"""热线坐席: one caller's questions with context, the line to read aloud, the work-order summary."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import gradio as gr

from assistant.answer import Answer
from ui.guard import bounded_text
from ui.page_assets import COPY_JS
from ui.page_meta import page_facts
from ui.render import (
    award_markdown,
    clause_anchor,
    departments_of,
    esc,
    esc_md,
    money,
    question_list_markdown,
    script_line,
    work_order,
)
from ui.service import NotReadyError, Service
from ui.tabs.common import SORRY, guide_of

logger = logging.getLogger("ui.web")

HOTLINE_HISTORY = 20


def hotline_tab(service: Service) -> None:
    gr.Markdown(
        "坐席专用：输入来电问题后**按回车**；同一来电的追问自动沿用上文，换下一位来电请点“新来电”。"
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            label="来电问题",
            placeholder="输入问题，回车提问",
            elem_id="hotline-input",
            max_length=service.settings.max_question_chars,
            scale=5,
            autofocus=False,
        )
        new_call = gr.Button("新来电（清空上下文）", scale=1, elem_id="hotline-new")
    echo = gr.Markdown(elem_id="hotline-echo")
    script = gr.Markdown(elem_id="hotline-script")
    with gr.Row():
        copy_order = gr.Button("复制工单摘要", size="sm", elem_id="hotline-copy")
    answer_box = gr.Textbox(
        label="答复全文（可朗读或复制）",
        lines=8,
        interactive=False,
        buttons=["copy"],
        elem_id="hotline-answer",
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            clauses_md = gr.Markdown(elem_id="hotline-clauses")
            calc_md = gr.Markdown(elem_id="hotline-calc")
            with gr.Accordion("申兑指南", open=False, elem_id="hotline-guide-box"):
                guide_md = gr.Markdown(elem_id="hotline-guide")
        with gr.Column(scale=2):
            order_box = gr.Textbox(
                label="工单摘要（纯文本）",
                lines=7,
                interactive=False,
                buttons=["copy"],
                elem_id="hotline-order",
            )
            gr.Markdown("**本次来电的问题**")
            recent_md = gr.Markdown(question_list_markdown([]), elem_id="hotline-recent")
    state = gr.State([])
    # The call's context is kept by default; scripts calling /hotline_ask pass False for a
    # standalone question (the API keeps its (question, follow_up) signature).
    keep = gr.Checkbox(value=True, visible=False, label="沿用上文")
    outputs = [answer_box, echo, script, clauses_md, calc_md, guide_md, order_box, recent_md]

    def ask(q: str, follow_up: bool, asked: list[str]) -> tuple[Any, ...]:
        asked = list(asked or [])
        q = bounded_text(q, 10 * service.settings.max_question_chars).strip()
        recent = question_list_markdown(asked)
        same = (gr.update(),) * 5
        if not q:
            return ("", "请输入来电问题。", gr.update(), *same, recent, asked, "")
        try:
            assistant = service.assistant
        except NotReadyError as exc:
            return ("", esc(exc), gr.update(), *same, recent, asked, q)
        from assistant.errors import QuestionError

        history = asked[-5:] if follow_up else []  # the call's context, kept until 新来电
        echo_text = _echo(q, len(history))
        try:
            answer = assistant.ask(q, history)
        except QuestionError as exc:
            return (str(exc), echo_text, esc(exc), *same, recent, asked, q)
        except Exception:
            logger.exception("hotline answer failed")
            facts = page_facts(service)
            sorry = facts.sorry() if facts else SORRY
            return (sorry, echo_text, sorry, *same, recent, asked, q)
        service.log.record(answer, history, "hotline")
        asked = [*asked, q][-HOTLINE_HISTORY:]
        awards = answer.awards or ([answer.award] if answer.award else [])
        guide = guide_of(service, answer)
        return (
            answer.answer,
            echo_text,
            _script_markdown(answer),
            _top_clauses(service, q, answer),
            "\n\n".join(award_markdown(a) for a in awards),
            guide[1] if guide else "（本问题涉及的条款没有申兑指南）",
            work_order(q, answer, datetime.now()),
            question_list_markdown(asked),
            asked,
            "",
        )

    def reset() -> tuple[Any, ...]:
        return ("", "", "", "", "", "", "", question_list_markdown([]), [], "")

    question.submit(
        ask, [question, keep, state], [*outputs, state, question], api_name="hotline_ask"
    )
    new_call.click(reset, None, [*outputs, state, question], api_visibility="private")
    copy_order.click(None, [order_box], None, js=COPY_JS, api_visibility="private")


def _echo(question: str, earlier: int) -> str:
    turn = f"（本次来电第{earlier + 1}问，沿用上文）" if earlier else "（新来电第1问）"
    return f"**来电问题**：{esc_md(question)}　{turn}"


def _script_markdown(answer: Answer) -> str:
    """口径 above the fold: the sentence to read aloud, the amount, the departments."""
    out = [f"**口径**：{esc(script_line(answer))}"]
    awards = answer.awards or ([answer.award] if answer.award else [])
    amounts = [a for a in awards if a.amount_yuan]
    if amounts:
        shown = "、".join(f"{esc_md(a.rule)} **{money(a.amount_yuan)}**" for a in amounts)
        out.append(f"金额：{shown}")
    depts = departments_of(answer)
    if depts:
        out.append(f"责任单位：{esc('、'.join(depts))}")
    return "\n\n".join(out)


def _top_clauses(service: Service, question: str, answer: Answer) -> str:
    """Up to five clauses: the answer's citations first, then the nearest search hits."""
    if answer.refused:
        return "**相关条款**：本问题不在已加载政策范围内。"
    rows: list[tuple[str, str, list[str]]] = [
        (c.id, c.title, c.departments) for c in answer.citations
    ]
    seen = {r[0] for r in rows}
    if len(rows) < 5:
        kb = service.assistant.knowledge
        for hit in kb.search(question, k=8):
            if hit.ref not in seen:
                rows.append((hit.ref, hit.clause.title, hit.clause.departments))
                seen.add(hit.ref)
            if len(rows) >= 5:
                break
    lines = [
        "**相关条款（前 5，点条款号查看原文）**",
        "",
        "| 条款号 | 标题 | 责任单位 |",
        "|---|---|---|",
    ]
    for ref, title, depts in rows[:5]:
        lines.append(
            f"| {clause_anchor(ref)} | {esc_md(title)} | {esc_md('、'.join(depts) or '—')} |"
        )
    return "\n".join(lines)


# -- 一企一策 --
