"""申兑指南: the application guide of each support clause, read from ``guide.yaml`` beside
the policy, and the validity wording every surface shares.

guide.yaml holds only fragments copied from the clause text (惠及对象, 申报条件, 支持标准,
政策依据 and, where the text says so, how awards combine). 责任单位 comes from the clause's
own 责任单位 line and 有效期 from policy.yaml; what the text does not say (申报材料, 申报时间,
受理方式 for every clause of the built-in policy) is stated as not said, naming whom to ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from knowledge.catalog import policy_dirs
from knowledge.clause import Clause, PolicyMeta
from knowledge.settings import Settings
from knowledge.yaml_load import safe_load

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

GUIDE_FILE = "guide.yaml"
FIELDS = (
    "惠及对象",
    "申报条件",
    "支持标准",
    "责任单位",
    "政策依据",
    "有效期",
    "申报材料",
    "申报时间",
    "受理方式",
)
SILENT_FIELDS = ("申报材料", "申报时间", "受理方式")
NOT_SAID = "原文未规定，请向{who}咨询"


class CombineRule(BaseModel):
    """How several awards of one clause combine, in the clause's own words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    方式: Literal["就高", "级差"]
    依据: str = Field(description="the sentence of the clause that says so")


class GuideEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    惠及对象: list[str]
    申报条件: list[str] = Field(default_factory=list)
    支持标准: list[str]
    政策依据: list[str]
    申报材料: list[str] = Field(default_factory=list)
    申报时间: list[str] = Field(default_factory=list)
    受理方式: list[str] = Field(default_factory=list)
    合并规则: CombineRule | None = None


class PolicyGuide(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str
    clauses: dict[str, GuideEntry]


def load_guide(folder: Path) -> PolicyGuide | None:
    """The guide of the policy in ``folder``, or None when it has none."""
    path = Path(folder) / GUIDE_FILE
    if not path.is_file():
        return None
    return PolicyGuide.model_validate(safe_load(path.read_text("utf-8")))


@lru_cache(maxsize=8)
def _guides(dirs: tuple[Path, ...]) -> dict[str, PolicyGuide]:
    out: dict[str, PolicyGuide] = {}
    for folder in dirs:
        guide = load_guide(folder)
        if guide is not None:
            out[guide.policy] = guide
    return out


def guides(settings: Settings) -> dict[str, PolicyGuide]:
    """Every loaded policy's guide by slug (read once per set of policy folders)."""
    return _guides(tuple(policy_dirs(settings)))


# -- validity wording ---------------------------------------------------------------------------


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_years(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] + "年" if 1 <= n <= 10 else f"{n}年"


def validity_period(meta: PolicyMeta) -> str | None:
    """自2022年6月2日起实施，有效期三年，至2025年6月1日止 — from policy.yaml."""
    end = meta.valid_until
    if meta.issued is None or end is None or meta.valid_years is None:
        return None
    return f"自{cn_date(meta.issued)}起实施，有效期{cn_years(meta.valid_years)}，至{cn_date(end)}止"


def validity_status(meta: PolicyMeta, today: date) -> str | None:
    """Where ``today`` stands: 已过有效期 / 仍在有效期内 / 尚未实施."""
    end = meta.valid_until
    if meta.issued is None or end is None:
        return None
    if today > end:
        return f"截至今天（{cn_date(today)}）已过有效期"
    if today < meta.issued:
        return f"今天（{cn_date(today)}）尚未实施"
    return f"今天（{cn_date(today)}）仍在有效期内"


def contact_phrase(meta: PolicyMeta | None, departments: Sequence[str] = ()) -> str:
    """Whom to ask: the clause's departments, else the policy's contact department."""
    if departments:
        return "、".join(departments)
    if meta is not None and meta.contact.department:
        return meta.contact.department
    return "政策发布部门"


# -- the guide object of CONTRACT §5 ------------------------------------------------------------


def guide_dict(
    entry: GuideEntry, clause: Clause, ref: str, meta: PolicyMeta, today: date
) -> dict[str, str]:
    """The guide with CONTRACT §5's Chinese keys, each a string a person can read."""
    who = contact_phrase(meta, clause.departments)
    period = validity_period(meta)
    status = validity_status(meta, today)
    validity = "；".join(p for p in (period, status) if p) or NOT_SAID.format(who=who)
    out = {
        "惠及对象": "；".join(entry.惠及对象),
        "申报条件": "；".join(entry.申报条件) or NOT_SAID.format(who=who),
        "支持标准": "；".join(entry.支持标准),
        "责任单位": "、".join(clause.departments) or NOT_SAID.format(who=who),
        "政策依据": f"{ref}：" + "".join(f"“{s}”" for s in entry.政策依据),
        "有效期": validity,
    }
    for name in SILENT_FIELDS:
        said = getattr(entry, name)
        out[name] = "；".join(said) if said else NOT_SAID.format(who=who)
    return out


def clause_guide(knowledge: KnowledgeBase, clause: Clause, today: date) -> dict[str, str] | None:
    """The guide of one clause as the API and the page show it; None for a clause without one."""
    guide = guides(knowledge.settings).get(clause.slug)
    entry = guide.clauses.get(clause.id) if guide is not None else None
    meta = knowledge.policy(clause.slug)
    if entry is None or meta is None:
        return None
    return guide_dict(entry, clause, knowledge.qualified_id(clause), meta, today)
