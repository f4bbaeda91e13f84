"""The Gradio page: 智能问答, 补贴计算器, 政策原文, 热线坐席, 一企一策.

The Blocks are built before the Assistant has loaded, so everything that depends on the
policy (rule list, clause tree) is filled in by ``demo.load`` once it is ready. Forms for
the calculator and the matcher are generated from ``Assistant.rules()`` with ``gr.render``;
there is no hand-written form per rule.
"""

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
from ui.guard import bounded_text, bounded_values
from ui.page_meta import assistant_name, default_meta, page_facts
from ui.render import (
    award_markdown,
    citations_markdown,
    clause_anchor,
    clause_markdown,
    conversation_text,
    departments_line,
    departments_of,
    eligibility_label,
    esc,
    esc_md,
    guide_markdown,
    money,
    question_list_markdown,
    script_line,
    work_order,
)
from ui.service import LOADING_MESSAGE, NotReadyError, Service

logger = logging.getLogger("ui.web")

EXAMPLES = [
    "我们首轮流片花了800万元，能补多少？",
    "首次进入中国电子信息百强有什么奖励？",
    "智能制造改造项目投资3000万元，补助多少？",
    "参加展销会的布展费能补贴吗？",
    "工业互联网标识解析二级节点怎么奖励？",
]
HOTLINE_HISTORY = 20
SORRY = "抱歉，系统暂时无法回答这个问题，请稍后再试。"
LOAD_WAIT_S = 300.0
MAX_INPUT_CHARS = 200  # a calculator field is a number, not an essay
MAX_COMMENT_CHARS = 500

# Gradio labels its own buttons in English; screen readers should hear Chinese. A live
# region announces new answers. Picking a clause writes its address (?clause=…).
HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
(() => {
  const names = {"Like": "赞", "Dislike": "踩", "Copy": "复制", "Copied": "已复制",
    "Copy message": "复制", "Clear": "清空", "Retry": "重试", "Undo": "撤销",
    "Edit": "编辑", "Share": "分享", "Submit": "发送", "Close": "关闭",
    "Download": "下载", "Fullscreen": "全屏", "Clear chat": "清空对话"};
  const live = {"chat": "polite", "hotline-script": "polite", "calc-result": "polite",
    "match-result": "polite", "clause-detail": "polite"};
  const fix = () => {
    document.querySelectorAll("[aria-label],[title]").forEach((el) => {
      const a = el.getAttribute("aria-label");
      if (a && names[a]) el.setAttribute("aria-label", names[a]);
      const t = el.getAttribute("title");
      if (t && names[t]) el.setAttribute("title", names[t]);
    });
    for (const [id, mode] of Object.entries(live)) {
      const el = document.getElementById(id);
      if (el && el.getAttribute("aria-live") !== mode) el.setAttribute("aria-live", mode);
    }
  };
  new MutationObserver(fix).observe(document.documentElement, {subtree: true, childList: true});
  document.addEventListener("DOMContentLoaded", fix);
})();
</script>"""
CSS = """
.gradio-container { max-width: 1100px !important; margin: auto; }
#clause-tree .wrap { flex-direction: column; flex-wrap: nowrap; max-height: 60vh;
                     overflow-y: auto; gap: 2px; }
#clause-tree label { width: 100%; }
#hotline-script { font-size: 1.15em; line-height: 1.6; border-left: 4px solid #2563eb;
                  padding-left: 10px; }
#hotline-answer textarea { line-height: 1.6; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  #chat { height: 42vh !important; }
  .example-row button { flex: 1 1 100%; }
  #policy-row { flex-direction: column-reverse !important; }
  #clause-tree .wrap { max-height: 40vh; }
}
"""
# Writes the picked clause into the address bar, so it can be copied and shared.
CLAUSE_URL_JS = """(ref) => {
  if (ref) {
    const url = new URL(window.location.href);
    url.searchParams.set("clause", ref);
    window.history.replaceState(null, "", url.toString());
  }
  return ref;
}"""
SCROLL_JS = """(...args) => {
  setTimeout(() => document.getElementById("%s")?.scrollIntoView({block: "start"}), 50);
  return args;
}"""
COPY_JS = """(text) => { navigator.clipboard?.writeText(text || ""); return text; }"""

TAB_IDS = ("chat", "calc", "policy", "hotline", "match")


# -- small helpers --


def message_text(message: dict[str, Any]) -> str:
    """Gradio 6 message content is a string or a list of blocks; return its text."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def _clause_label(clause: dict[str, Any]) -> str:
    indent = {"item": "　　", "section": "　"}.get(clause["kind"], "")
    title = clause.get("title") or clause["text"][:18]
    return f"{indent}{clause['id']}　{title}"


def _rule_label(rule: dict[str, Any]) -> str:
    title = rule.get("title") or ""
    return f"{rule['id']}　{title}".strip()


UNIT_NAMES = {"yuan": "元", "percent": "%", "count": "个", "times": "次", "wan": "万元"}
UNIT_HINTS = {
    "yuan": "如 800万、2.5亿 或 8000000",
    "percent": "如 12.5（表示 12.5%）",
    "count": "如 250",
    "times": "如 12000000",
}
NO_UNIT = {"bool", "enum", "enum_list", ""}


def _unit(spec: dict[str, Any]) -> str:
    unit = str(spec.get("unit") or "")
    return "" if unit in NO_UNIT else UNIT_NAMES.get(unit, unit)


def _input_label(spec: dict[str, Any]) -> str:
    unit = _unit(spec)
    label = spec.get("label") or spec["name"]
    return f"{label}（{unit}）" if unit else label


def _is_bool(spec: dict[str, Any]) -> bool:
    return str(spec.get("type", "")).lower() in ("bool", "boolean")


def _is_multi(spec: dict[str, Any]) -> bool:
    return str(spec.get("type", "")).lower() == "enum_list"


def _choices(spec: dict[str, Any]) -> list[Any] | None:
    for key in ("options", "choices", "values", "enum"):
        if spec.get(key):
            return [o["value"] if isinstance(o, dict) else o for o in spec[key]]
    return None


def _input_component(spec: dict[str, Any], key: str) -> gr.components.Component:
    """One form field for a rule input: yes/no, a choice, or free text for numbers."""
    label = _input_label(spec)
    info = "必填" if spec.get("required") else None
    if _is_bool(spec):
        return gr.Radio(["是", "否"], value=None, label=label, info=info, key=key)
    choices = _choices(spec)
    if choices:
        return gr.Dropdown(
            choices,
            value=[] if _is_multi(spec) else None,
            multiselect=_is_multi(spec),
            label=label,
            info=info,
            key=key,
        )
    return gr.Textbox(
        label=label,
        info=info,
        placeholder=UNIT_HINTS.get(str(spec.get("unit")), "请输入数值"),
        max_length=MAX_INPUT_CHARS,
        key=key,
    )


def _collect_inputs(specs: list[dict[str, Any]], values: tuple[Any, ...]) -> dict[str, Any]:
    """Form values → award inputs; empty fields are left out (the rule reports them missing).
    Numbers stay as typed ("800万", "2.5亿"): the rule module parses Chinese amounts."""
    inputs: dict[str, Any] = {}
    for spec, value in zip(specs, values, strict=True):
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            continue
        if _is_bool(spec):
            inputs[spec["name"]] = value == "是"
        else:
            inputs[spec["name"]] = value.strip() if isinstance(value, str) else value
    return inputs


# -- the page --


def build_web(service: Service) -> gr.Blocks:
    name = assistant_name(service.settings)  # from policy.yaml, not from code
    with gr.Blocks(title=name, analytics_enabled=False) as demo:
        head = gr.Markdown(f"## {name}", elem_id="page-head")
        status = gr.Markdown(LOADING_MESSAGE, elem_id="load-status")
        rules_state = gr.State([])

        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap") as tabs:
            with gr.Tab("智能问答", id="chat", elem_id="tab-chat"):
                _chat_tab(service)
            with gr.Tab("补贴计算器", id="calc", elem_id="tab-calc"):
                rule_dd = _calculator_tab(service, rules_state)
            with gr.Tab("政策原文", id="policy", elem_id="tab-policy"):
                tree, detail, _search = _policy_tab(service)
            with gr.Tab("热线坐席", id="hotline", elem_id="tab-hotline"):
                _hotline_tab(service)
            with gr.Tab("一企一策", id="match", elem_id="tab-match"):
                _matcher_tab(service, rules_state)

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
            choices = [(_clause_label(c), c["id"]) for c in clauses]
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
                    detail_value = _clause_detail(service, found)
                else:
                    detail_value = (
                        f"未找到条款“{esc_md(ref[:50])}”，请检查条款号（如 四.10、二.(二)）。"
                    )
                tab = tab or "policy"
            rule_update = gr.update(
                choices=[(_rule_label(r), r["id"]) for r in rules],
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


# -- 智能问答 --


def _chat_tab(service: Service) -> None:
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
        guide = _guide_of(service, answer)
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


def _guide_of(service: Service, answer: Answer) -> tuple[str, str] | None:
    """The 申兑指南 of the answer's first cited clause, when it has one."""
    from knowledge.guide import clause_guide

    kb = service.assistant.knowledge
    for citation in answer.citations[:1]:
        clause = service.find_clause(citation.id)
        guide = clause_guide(kb, clause, service.settings.resolved_today()) if clause else None
        if guide is not None:
            return citation.id, guide_markdown(guide)
    return None


def _clause_detail(service: Service, clause: Any) -> str:
    """One clause for the policy browser: text, departments, validity, its guide folded."""
    from knowledge.guide import clause_guide

    data = service.clause_dict(clause)
    facts = page_facts(service)
    guide = clause_guide(service.assistant.knowledge, clause, service.settings.resolved_today())
    return clause_markdown(
        data, link=f"/?clause={data['id']}", guide=guide, validity=facts.validity if facts else ""
    )


# -- 补贴计算器 --


def _calculator_tab(service: Service, rules_state: gr.State) -> gr.Dropdown:
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
        fields = [_input_component(s, key=f"calc:{rule['id']}:{s['name']}") for s in specs]
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

    inputs = _collect_inputs(specs, tuple(values))
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


def _policy_tab(service: Service) -> tuple[gr.Radio, gr.Markdown, gr.Textbox]:
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
            (_clause_label(service.clause_dict(c)), service.clause_dict(c)["id"])
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
        choices = [(_clause_label(c), c["id"]) for c in hits]
        return gr.update(choices=choices, value=value), note

    def on_select(ref: str | None) -> str:
        if not ref:
            return gr.update()
        found = service.find_clause(ref)
        if found is None:
            return f"未找到条款“{esc_md(ref)}”。"
        return _clause_detail(service, found)

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


def _hotline_tab(service: Service) -> None:
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
        guide = _guide_of(service, answer)
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


def _field_key(spec: dict[str, Any]) -> tuple[str, str]:
    # Names alone are not unique in meaning (requested_yuan is a voucher in 四.6 and an
    # operating subsidy in 四.9): a field is shared only when name and label agree.
    return (spec["name"], spec.get("label", ""))


def profile_layout(
    rules: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """Fields several rules share (the short enterprise profile), then each rule's own fields."""
    uses: dict[tuple[str, str], int] = {}
    for rule in rules:
        for key in {_field_key(s) for s in rule["inputs"]}:
            uses[key] = uses.get(key, 0) + 1
    shared: dict[tuple[str, str], dict[str, Any]] = {}
    per_rule = []
    for rule in rules:
        own = []
        for spec in rule["inputs"]:
            key = _field_key(spec)
            if uses[key] > 1:
                shared.setdefault(key, spec)
            else:
                own.append(spec)
        per_rule.append((rule, own))
    return list(shared.values()), per_rule


def match_profile(
    service: Service,
    rules: list[dict[str, Any]],
    shared_keys: set[tuple[str, str]],
    shared: dict[tuple[str, str], Any],
    own: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Every rule the profile touches, computed by the rule module, largest amounts first.

    ``shared`` holds the filled shared fields by (name, label), ``own`` each rule's own
    values. A rule is evaluated when one of its own fields is filled, or, when all its
    fields are shared ones, when one of those is."""
    from assistant.awards import AwardInputError

    results = []
    for rule in rules:
        mine = dict(own.get(rule["id"], {}))
        common = {
            s["name"]: shared[_field_key(s)] for s in rule["inputs"] if _field_key(s) in shared
        }
        has_own = any(_field_key(s) not in shared_keys for s in rule["inputs"])
        if not mine and (has_own or not common):
            continue
        try:
            award = service.assistant.award(rule["id"], {**common, **mine})
        except (AwardInputError, ValueError) as exc:
            results.append({"rule": rule, "award": None, "error": str(exc)})
            continue
        except Exception:
            logger.exception("award %s failed", rule["id"])
            results.append({"rule": rule, "award": None, "error": "系统暂时无法测算本条"})
            continue
        results.append({"rule": rule, "award": award, "error": None})
    # Claimable first (largest amount first), then those needing facts, then ruled out.
    results.sort(key=lambda r: _match_order(r["award"]))
    return results


def _match_order(award: Any) -> tuple[int, int]:
    if award is None or award.eligible is False:
        return (2, 0)
    if award.amount_yuan is None:
        return (1, 0)
    return (0, -award.amount_yuan)


def _matcher_tab(service: Service, rules_state: gr.State) -> None:
    gr.Markdown(
        "填写企业概况（不清楚的可留空），再展开与贵企业有关的条款填写具体数额；"
        "系统按每条补贴规则逐条测算可申请的条款和估算金额。结果仅供参考，以主管部门审核为准。"
    )
    result = gr.Markdown(elem_id="match-result")  # on top, with the total

    @gr.render(inputs=[rules_state])
    def form(rules: list[dict[str, Any]]) -> None:
        if not rules:
            gr.Markdown("正在加载补贴规则……")
            return
        shared_specs, per_rule = profile_layout(rules)
        gr.Markdown("**企业概况**")
        with gr.Row(equal_height=False):
            shared_fields = []
            for spec in shared_specs:
                with gr.Column(min_width=220):
                    shared_fields.append(_input_component(spec, key=f"match:{spec['name']}"))
        own_fields: list[tuple[str, dict[str, Any]]] = []
        components = list(shared_fields)
        gr.Markdown("**各条款相关情况**（展开与贵企业有关的条款）")
        for rule, specs in per_rule:
            if not specs:
                continue
            with gr.Accordion(_rule_label(rule), open=False):
                for spec in specs:
                    own_fields.append((rule["id"], spec))
                    components.append(
                        _input_component(spec, key=f"match:{rule['id']}:{spec['name']}")
                    )
        button = gr.Button("测算可申请的条款", variant="primary", elem_id="match-go")

        def run(*values: Any) -> str:
            values = bounded_values(values, MAX_INPUT_CHARS)
            shared_values = _collect_inputs(shared_specs, values[: len(shared_specs)])
            shared = {
                _field_key(s): shared_values[s["name"]]
                for s in shared_specs
                if s["name"] in shared_values
            }
            own: dict[str, dict[str, Any]] = {}
            for (rule_id, spec), value in zip(own_fields, values[len(shared_specs) :], strict=True):
                own.setdefault(rule_id, {}).update(_collect_inputs([spec], (value,)))
            if not shared and not any(own.values()):
                return "请至少填写一项企业信息。"
            try:
                keys = {_field_key(s) for s in shared_specs}
                matches = match_profile(service, rules, keys, shared, own)
            except NotReadyError as exc:
                return esc(exc)
            return _matches_markdown(matches, _matcher_notes(service))

        button.click(run, components, result, api_visibility="private").then(
            None, js=SCROLL_JS % "match-result", api_visibility="private"
        )


def _matcher_notes(service: Service) -> str:
    """The caveat under the matcher's results, from the rule file and the policy metadata."""
    book = service.assistant.rulebook
    note = book.note("就高不重复")
    facts = page_facts(service)
    parts = ["**请核实**：以上为按政策条文的估算"]
    if note is not None:
        parts.append(f"原文：“{note.reference.rstrip('。')}”")
    parts.append("申报时须以主管部门认定的金额、条件和申报期限为准")
    if facts is not None and facts.validity:
        parts.append(f"本政策{facts.validity}")
    return "；".join(parts) + "。"


def _matches_markdown(matches: list[dict[str, Any]], notes: str = "") -> str:
    possible = [m for m in matches if m["award"] is not None and m["award"].eligible is not False]
    ruled_out = [m for m in matches if m["award"] is not None and m["award"].eligible is False]
    errors = [m for m in matches if m["award"] is None]
    if not possible and not ruled_out and not errors:
        return "按所填信息，暂未匹配到可申请的补贴条款。可补充更多信息后再试，或咨询责任单位。"
    total = sum(m["award"].amount_yuan or 0 for m in possible)
    out = [f"### 可能可申请 {len(possible)} 项，已算出的金额合计约 {money(total)}", ""]
    if possible:
        out.append("| 条款 | 事项 | 估算金额 | 状态 |")
        out.append("|---|---|---|---|")
        for m in possible:
            rule, award = m["rule"], m["award"]
            out.append(
                f"| {esc_md(rule['clause'])} | {esc_md(rule.get('title', ''))} "
                f"| {money(award.amount_yuan)} | {eligibility_label(award)} |"
            )
        out.append("")
    for m in possible:
        rule, award = m["rule"], m["award"]
        out.append(f"#### {esc_md(rule['id'])}　{esc_md(rule.get('title', ''))}")
        out.append(award_markdown(award, with_heading=False))
        out.append("")
    for m in errors:
        out.append(f"#### {esc_md(m['rule']['id'])}：无法测算")
        out.append(f"输入有误：{esc(m['error'])}")
        out.append("")
    if ruled_out:
        out.append("**按所填信息不符合条件的条款**")
        for m in ruled_out:
            reason = "；".join(m["award"].steps[-1:]) or "条件不符"
            out.append(f"- {esc_md(m['rule']['id'])}：{esc(reason)}")
        out.append("")
    if notes:
        out.append(notes)
    return "\n".join(out)
