"""Answers, clauses and awards as escaped Markdown for the page.

Everything that came from a user (or passed through the model) is HTML-escaped here, so no
markup or script a user typed is ever interpreted by the browser; Gradio's sanitiser is the
second line, not the first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def esc(text: object) -> str:
    """HTML-escape (so ``<script>`` shows as text); keep line breaks."""
    return html.escape(str(text or ""), quote=True)


def esc_md(text: object) -> str:
    """HTML-escape and neutralise Markdown syntax (for short labels such as titles)."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def money(yuan: int | Decimal | None) -> str:
    """The project's display convention: 320万元, 281.4万元, 5000元."""
    if yuan is None:
        return "—"
    value = Decimal(yuan)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < 10000:
        return f"{sign}{_strip(value)}元"
    wan = (value / Decimal(10000)).quantize(Decimal("0.0001"))
    return f"{sign}{_strip(wan)}万元"


def _strip(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def departments_line(departments: Sequence[str]) -> str:
    return "责任单位：" + "、".join(departments) if departments else "责任单位：未列明"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def citations_markdown(citations: Iterable[Any]) -> str:
    """The body of the collapsible 引用条款 block: id, title, verbatim text, departments."""
    parts = []
    for c in citations:
        text = esc(_get(c, "text", "")).replace("\n", "<br>")
        parts.append(
            f"**{esc_md(_get(c, 'id'))}　{esc_md(_get(c, 'title', ''))}**\n\n"
            f"> {text}\n\n"
            f"{esc(departments_line(_get(c, 'departments', []) or []))}"
        )
    return "\n\n---\n\n".join(parts) if parts else "（本回答未引用条款）"


def eligibility_label(award: Any) -> str:
    eligible = _get(award, "eligible")
    amount = _get(award, "amount_yuan")
    if eligible is False:
        return "不符合条件"
    if amount is None:
        return "条件待补充"
    return "符合条件" if eligible else "待确认"


def award_markdown(award: Any, *, with_heading: bool = True) -> str:
    """Eligibility, amount, steps, assumptions and missing facts of an AwardResult."""
    if award is None:
        return ""
    lines = []
    if with_heading:
        lines.append(f"**计算结果（{esc_md(_get(award, 'rule'))}）**\n")
    lines.append(f"- 资格：{eligibility_label(award)}")
    lines.append(f"- 金额：**{money(_get(award, 'amount_yuan'))}**")
    steps = _get(award, "steps", []) or []
    if steps:
        lines.append("\n**计算步骤**")
        lines.extend(f"{i}. {esc(s)}" for i, s in enumerate(steps, 1))
    assumptions = _get(award, "assumptions", []) or []
    if assumptions:
        lines.append("\n**前提假设**")
        lines.extend(f"- {esc(a)}" for a in assumptions)
    missing = _get(award, "missing", []) or []
    if missing:
        lines.append("\n**尚需提供**")
        lines.extend(f"- {esc(m)}" for m in missing)
    return "\n".join(lines)


def clause_markdown(clause: dict[str, Any], link: str | None = None) -> str:
    """One clause in full for the 政策原文 tab."""
    path = " › ".join(esc_md(p) for p in clause.get("path", []) if p)
    text = esc(clause.get("text", "")).replace("\n", "<br>")
    out = [f"### {esc_md(clause['id'])}　{esc_md(clause.get('title', ''))}"]
    if path:
        out.append(f"*{path}*")
    out.append(text)
    out.append(f"**{esc(departments_line(clause.get('departments', [])))}**")
    if link:
        out.append(f"本条链接：[{esc(link)}]({esc(link)})")
    return "\n\n".join(out)


def question_list_markdown(questions: Sequence[str]) -> str:
    if not questions:
        return "（本次会话尚无问题）"
    return "\n".join(f"{i}. {esc_md(q)}" for i, q in enumerate(reversed(questions), 1))
