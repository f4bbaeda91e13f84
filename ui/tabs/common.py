"""What several tabs share: labels for clauses and rules, a clause's detail, the sorry line."""

from __future__ import annotations

from typing import Any

from assistant.answer import Answer
from ui.page_meta import page_facts
from ui.render import clause_markdown, guide_markdown
from ui.service import Service

SORRY = "抱歉，系统暂时无法回答这个问题，请稍后再试。"


def clause_label(clause: dict[str, Any]) -> str:
    indent = {"item": "　　", "section": "　"}.get(clause["kind"], "")
    title = clause.get("title") or clause["text"][:18]
    return f"{indent}{clause['id']}　{title}"


def rule_label(rule: dict[str, Any]) -> str:
    title = rule.get("title") or ""
    return f"{rule['id']}　{title}".strip()


def guide_of(service: Service, answer: Answer) -> tuple[str, str] | None:
    """The 申兑指南 of the answer's first cited clause, when it has one."""
    from knowledge.guide import clause_guide

    kb = service.assistant.knowledge
    for citation in answer.citations[:1]:
        clause = service.find_clause(citation.id)
        guide = clause_guide(kb, clause, service.settings.resolved_today()) if clause else None
        if guide is not None:
            return citation.id, guide_markdown(guide)
    return None


def clause_detail(service: Service, clause: Any) -> str:
    """One clause for the policy browser: text, departments, validity, its guide folded."""
    from knowledge.guide import clause_guide

    data = service.clause_dict(clause)
    facts = page_facts(service)
    guide = clause_guide(service.assistant.knowledge, clause, service.settings.resolved_today())
    return clause_markdown(
        data, link=f"/?clause={data['id']}", guide=guide, validity=facts.validity if facts else ""
    )


# -- 补贴计算器 --
