"""What the page says about the policy (header, validity, whom to ask), from its metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.clause import PolicyMeta
from knowledge.guide import cn_date, validity_period, validity_status
from knowledge.settings import Settings


@dataclass(frozen=True)
class PageFacts:
    title: str
    office: str
    issued: str
    validity: str  # 自…起实施，有效期三年，至…止；截至今天…已过有效期
    contact: str  # 市工信局
    hotline: str

    def header(self) -> str:
        """The page header's second line (Markdown, no user text in it)."""
        issued = f"，{self.issued}印发" if self.issued else ""
        office = f"（{self.office}{issued}）" if self.office else ""
        parts = [f"依据《{self.title}》{office}。"]
        if self.validity:
            parts.append(f"**有效期**：本政策{self.validity}。")
        who = self.contact or "责任单位"
        ask = f"；也可拨打{self.hotline}" if self.hotline else ""
        parts.append(f"回答仅供参考，以{who}等责任单位解释为准{ask}。")
        return "".join(parts)

    def sorry(self) -> str:
        ask = f"，或拨打{self.hotline}咨询{self.contact}" if self.hotline and self.contact else ""
        return f"抱歉，系统暂时无法回答这个问题，请稍后再试{ask}。"


def facts_of(meta: PolicyMeta, today: date) -> PageFacts:
    period = validity_period(meta)
    status = validity_status(meta, today)
    return PageFacts(
        title=meta.title,
        office=meta.office,
        issued=cn_date(meta.issued) if meta.issued else "",
        validity="，".join(p for p in (period, status) if p),
        contact=meta.contact.department,
        hotline=meta.contact.hotline,
    )


def default_meta(settings: Settings) -> PolicyMeta | None:
    """The default policy's policy.yaml, read without the assistant (the page and the API are
    built before it has loaded)."""
    from knowledge.catalog import policy_dirs
    from knowledge.parse import load_policy_meta

    folder = next(iter(policy_dirs(settings)), None)  # the default policy comes first
    return load_policy_meta(folder) if folder is not None else None


def assistant_name(settings: Settings) -> str:
    """郑州市新一代信息技术产业政策助手: from the default policy's short_title."""
    meta = default_meta(settings)
    return meta.assistant_name if meta is not None else "政策助手"


def page_facts(service) -> PageFacts | None:
    """Facts of the default policy once the Assistant has loaded (None before)."""
    if not service.ready:
        return None
    kb = service.assistant.knowledge
    meta = kb.policy(service.settings.default_policy) or next(iter(kb.policies()), None)
    return facts_of(meta, service.settings.resolved_today()) if meta is not None else None
