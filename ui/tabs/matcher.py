"""一企一策: the profile form and its matches rendered (the logic: assistant/matcher.py)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.matcher import Match, field_key, match_profile, profile_layout
from ui.guard import bounded_values
from ui.page_assets import SCROLL_JS
from ui.page_meta import page_facts
from ui.render import (
    award_markdown,
    eligibility_label,
    esc,
    esc_md,
    money,
)
from ui.service import NotReadyError, Service
from ui.tabs.common import rule_label
from ui.tabs.fields import MAX_INPUT_CHARS, collect_inputs, input_component


def matcher_tab(service: Service, rules_state: gr.State) -> None:
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
                    shared_fields.append(input_component(spec, key=f"match:{spec['name']}"))
        own_fields: list[tuple[str, dict[str, Any]]] = []
        components = list(shared_fields)
        gr.Markdown("**各条款相关情况**（展开与贵企业有关的条款）")
        for rule, specs in per_rule:
            if not specs:
                continue
            with gr.Accordion(rule_label(rule), open=False):
                for spec in specs:
                    own_fields.append((rule["id"], spec))
                    components.append(
                        input_component(spec, key=f"match:{rule['id']}:{spec['name']}")
                    )
        button = gr.Button("测算可申请的条款", variant="primary", elem_id="match-go")

        def run(*values: Any) -> str:
            values = bounded_values(values, MAX_INPUT_CHARS)
            shared_values = collect_inputs(shared_specs, values[: len(shared_specs)])
            profile = {
                field_key(s): shared_values[s["name"]]
                for s in shared_specs
                if s["name"] in shared_values
            }
            own: dict[str, dict[str, Any]] = {}
            for (rule_id, spec), value in zip(own_fields, values[len(shared_specs) :], strict=True):
                own.setdefault(rule_id, {}).update(collect_inputs([spec], (value,)))
            if not profile and not any(own.values()):
                return "请至少填写一项企业信息。"
            try:
                assistant = service.assistant
            except NotReadyError as exc:
                return esc(exc)
            matches = match_profile(assistant.award, rules, profile, own, assistant.books)
            return matches_markdown(matches, matcher_notes(service))

        button.click(run, components, result, api_visibility="private").then(
            None, js=SCROLL_JS % "match-result", api_visibility="private"
        )


def matcher_notes(service: Service) -> str:
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


def matches_markdown(matches: list[Match], notes: str = "") -> str:
    possible = [m for m in matches if m.possible and m.award is not None]
    ruled_out = [m for m in matches if m.ruled_out and m.award is not None]
    errors = [m for m in matches if m.award is None]
    if not possible and not ruled_out and not errors:
        return "按所填信息，暂未匹配到可申请的补贴条款。可补充更多信息后再试，或咨询责任单位。"
    # 就高不重复: an award set aside for another policy's higher one is listed, not added
    total = sum(m.award.amount_yuan or 0 for m in possible if m.award and m.counted)
    out = [f"### 可能可申请 {len(possible)} 项，已算出的金额合计约 {money(total)}", ""]
    if possible:
        out.append("| 条款 | 事项 | 估算金额 | 状态 |")
        out.append("|---|---|---|---|")
        for m in possible:
            rule, award = m.rule, m.award
            out.append(
                f"| {esc_md(rule['clause'])} | {esc_md(rule.get('title', ''))} "
                f"| {money(award.amount_yuan)} | {_state(m)} |"
            )
        out.append("")
    for m in possible:
        rule, award = m.rule, m.award
        out.append(f"#### {esc_md(rule['id'])}　{esc_md(rule.get('title', ''))}")
        if m.note:
            out.append(f"> {esc(m.note)}")
            out.append("")
        out.append(award_markdown(award, with_heading=False))
        out.append("")
    for m in errors:
        out.append(f"#### {esc_md(m.rule['id'])}：无法测算")
        out.append(f"输入有误：{esc(m.error)}")
        out.append("")
    if ruled_out:
        out.append("**按所填信息不符合条件的条款**")
        for m in ruled_out:
            reason = "；".join(m.award.steps[-1:] if m.award else []) or "条件不符"
            out.append(f"- {esc_md(m.rule['id'])}：{esc(reason)}")
        out.append("")
    if notes:
        out.append(notes)
    return "\n".join(out)


def _state(match: Match) -> str:
    label = eligibility_label(match.award) if match.award is not None else ""
    return f"{label}（不重复享受，未计入合计）" if not match.counted else label
