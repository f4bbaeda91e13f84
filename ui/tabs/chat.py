"""智能问答: streamed answers with citations, awards and the guide folded in.

Likes and dislikes (with the reason) go to the conversation log."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from ui.guard import bounded_text
from ui.page_meta import default_meta, page_facts
from ui.render import (
    award_markdown,
    citations_markdown,
    conversation_text,
    esc,
)
from ui.service import NotReadyError, Service
from ui.tabs.common import SORRY, guide_of

logger = logging.getLogger("ui.web")

EXAMPLES = [
    "我们首轮流片花了800万元，能补多少？",
    "首次进入中国电子信息百强有什么奖励？",
    "智能制造改造项目投资3000万元，补助多少？",
    "参加展销会的布展费能补贴吗？",
    "工业互联网标识解析二级节点怎么奖励？",
]
MAX_COMMENT_CHARS = 500


def chat_tab(service: Service) -> None:
    meta = default_meta(service.settings)
    policy_name = (meta.short_title or meta.title) if meta is not None else "已收录政策"
    chatbot = gr.Chatbot(
        label="对话",
        elem_id="chat",
        height=600,
        feedback_options=("Like", "Dislike"),
        allow_tags=False,
        sanitize_html=True,
        buttons=["copy"],
        placeholder=f"您好！我可以解答{policy_name}的条款、申报条件和补贴金额。",
    )
    # turns: the user's raw questions; ids: chat message index → exchange id (for likes);
    # log: (question, answer text) for 导出对话; pending: the exchange a dislike is about
    state = gr.State({"turns": [], "ids": {}, "log": [], "pending": None})
    with gr.Row(elem_id="chat-input-row"):
        msg = gr.Textbox(
            placeholder="请输入您的问题，按回车发送",
            show_label=False,
            label="您的问题",
            scale=6,
            elem_id="chat-input",
            max_length=service.settings.max_question_chars,
            submit_btn="发送",
        )
    with gr.Row(elem_classes="example-row"):
        example_buttons = [gr.Button(q, size="sm", elem_classes="example-q") for q in EXAMPLES]
    with gr.Row():
        clear = gr.Button("清空对话", size="sm", elem_id="chat-clear")
        export = gr.DownloadButton("导出对话（文本）", size="sm", elem_id="chat-export")
    notice = gr.Markdown(elem_id="chat-notice")
    with gr.Group(visible=False, elem_id="dislike-box") as dislike_box:
        gr.Markdown("**这条回答哪里不对？**（您的意见会交给评估人员改进回答）")
        wrong = gr.Textbox(
            label="哪里不对", lines=2, max_length=MAX_COMMENT_CHARS, elem_id="dislike-wrong"
        )
        right = gr.Textbox(
            label="正确的答案（选填）",
            lines=2,
            max_length=MAX_COMMENT_CHARS,
            elem_id="dislike-right",
        )
        send_reason = gr.Button("提交意见", size="sm", variant="primary", elem_id="dislike-send")

    def respond(
        message: str, history: list[dict[str, Any]], st: dict[str, Any]
    ) -> Iterator[tuple[Any, ...]]:
        message = bounded_text(message, 10 * service.settings.max_question_chars)
        history = list(history or [])
        st = {**st, "turns": list(st.get("turns", [])), "ids": dict(st.get("ids", {}))}
        st["log"] = list(st.get("log", []))
        question = (message or "").strip()
        if not question:
            yield history, "", st, "请输入问题后再发送。"
            return
        limit = service.settings.max_question_chars
        if len(question) > limit:
            yield history, message, st, f"问题过长（{len(question)} 字），请控制在 {limit} 字以内。"
            return
        try:
            assistant = service.assistant
        except NotReadyError as exc:
            yield history, message, st, str(exc)
            return

        earlier = list(st["turns"])
        history.append({"role": "user", "content": esc(question)})
        history.append({"role": "assistant", "content": "……"})
        yield history, "", st, ""

        answer: Answer | None = None
        text = ""
        last_yield = 0.0
        try:
            for piece in assistant.stream(question, earlier):
                if isinstance(piece, Answer):
                    answer = piece
                    break
                text += piece
                now = time.monotonic()
                if now - last_yield > 0.05:  # do not flood the socket with single characters
                    history[-1] = {"role": "assistant", "content": esc(text)}
                    last_yield = now
                    yield history, "", st, ""
        except ValueError as exc:  # QuestionError: a Chinese message for the user
            history[-1] = {"role": "assistant", "content": esc(str(exc))}
            yield history, "", st, ""
            return
        except Exception:  # a bug must not leave the user with a spinner or a trace
            logger.exception("chat answer failed")
            facts = page_facts(service)
            history[-1] = {"role": "assistant", "content": facts.sorry() if facts else SORRY}
            yield history, "", st, ""
            return
        if answer is None:  # the stream ended without its Answer: ask plainly instead
            answer = assistant.ask(question, earlier)

        first = len(history) - 1
        history[-1] = {"role": "assistant", "content": esc(answer.answer)}
        if answer.citations:
            history.append(
                {
                    "role": "assistant",
                    "content": citations_markdown(answer.citations),
                    "metadata": {
                        "title": f"引用条款（{len(answer.citations)} 条）",
                        "status": "done",
                    },
                }
            )
        awards = answer.awards or ([answer.award] if answer.award is not None else [])
        if awards:
            history.append(
                {
                    "role": "assistant",
                    "content": "\n\n".join(award_markdown(a) for a in awards),
                    "metadata": {"title": "计算过程", "status": "done"},
                }
            )
        guide = guide_of(service, answer)
        if guide is not None:
            ref, table = guide
            history.append(
                {
                    "role": "assistant",
                    "content": table,
                    "metadata": {"title": f"申兑指南（{ref}）", "status": "done"},
                }
            )
        exchange_id = service.log.record(answer, earlier, "web")
        for index in range(first, len(history)):
            st["ids"][str(index)] = exchange_id
        st["turns"].append(question)
        st["log"].append((question, answer.answer))
        yield history, "", st, ""

    def on_like(data: gr.LikeData, st: dict[str, Any]) -> tuple[Any, ...]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        exchange_id = (st or {}).get("ids", {}).get(str(index))
        if exchange_id is None or data.liked not in (True, False):
            return "", st, gr.update(visible=False), gr.update(), gr.update()
        if data.liked is True:
            service.log.feedback(int(exchange_id), "up")
            return "感谢您的反馈！", st, gr.update(visible=False), "", ""
        service.log.feedback(int(exchange_id), "down")
        st = {**st, "pending": int(exchange_id)}
        return "感谢反馈。可以告诉我们哪里不对吗？", st, gr.update(visible=True), "", ""

    def on_reason(what: str, correct: str, st: dict[str, Any]) -> tuple[Any, ...]:
        exchange_id = (st or {}).get("pending")
        what, correct = (what or "").strip(), (correct or "").strip()
        if exchange_id is None:
            return "", st, gr.update(visible=False)
        if not what and not correct:
            return "请写一句哪里不对（或正确答案）后再提交。", st, gr.update(visible=True)
        _record_dislike(service, int(exchange_id), what, correct)
        return "已记录您的意见，谢谢！", {**st, "pending": None}, gr.update(visible=False)

    def on_export(st: dict[str, Any]) -> str | None:
        turns = list((st or {}).get("log", []))
        if not turns:
            return None
        facts = page_facts(service)
        title = f"《{facts.title}》政策咨询记录" if facts else "政策咨询记录"
        text = conversation_text(turns, title, datetime.now())
        folder = Path(tempfile.mkdtemp(prefix="chat-export-"))
        path = folder / f"对话记录-{datetime.now():%Y%m%d-%H%M%S}.txt"
        path.write_text(text, "utf-8")
        return str(path)

    def on_clear() -> tuple[Any, ...]:
        return [], "", {"turns": [], "ids": {}, "log": [], "pending": None}, ""

    outputs = [chatbot, msg, state, notice]
    # The download button always holds the conversation so far: one click downloads it.
    msg.submit(respond, [msg, chatbot, state], outputs, api_name="chat").then(
        on_export, [state], export, api_visibility="private"
    )
    for button, question in zip(example_buttons, EXAMPLES, strict=True):
        button.click(lambda q=question: q, None, msg, queue=False, api_visibility="private").then(
            respond, [msg, chatbot, state], outputs, api_visibility="private"
        ).then(on_export, [state], export, api_visibility="private")
    chatbot.like(
        on_like, [state], [notice, state, dislike_box, wrong, right], api_visibility="private"
    )
    send_reason.click(
        on_reason, [wrong, right, state], [notice, state, dislike_box], api_visibility="private"
    )
    clear.click(on_clear, None, outputs, queue=False, api_visibility="private")
    chatbot.clear(on_clear, None, outputs, queue=False, api_visibility="private")


def _record_dislike(service: Service, exchange_id: int, what: str, correct: str) -> None:
    """The reason and the optional correct answer go into the log beside the vote."""
    service.log.feedback(exchange_id, "down", what or None, correct_answer=correct or None)
