"""The data every later stage works with: a policy and its addressable clauses."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

ClauseKind = Literal["preamble", "chapter", "section", "item", "closing"]


class PolicyContact(BaseModel):
    """Whom answers send people to when the text is silent or names no department."""

    department: str = Field(default="", description="short name as the text uses it (市工信局)")
    name: str = Field(default="", description="full name (郑州市工业和信息化局)")
    hotline: str = Field(default="", description="public hotline (12345政务服务便民热线)")


class PolicyMeta(BaseModel):
    """What a policy says about itself (``policy.yaml`` beside its text)."""

    slug: str
    title: str
    office: str = ""
    issued: date | None = None
    valid_years: int | None = Field(default=None, description="有效期 in years from issue")
    source_file: str = "policy.txt"
    note: str = ""
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="title overrides by clause id, for items whose text has no short title",
    )
    jurisdiction: list[str] = Field(
        default_factory=list,
        description="places the policy covers; a question about another place is out of scope",
    )
    terms: list[str] = Field(
        default_factory=list, description="the policy's own terms, kept whole by the tokenizer"
    )
    contact: PolicyContact = Field(default_factory=PolicyContact)
    short_title: str = Field(
        default="", description="what the assistant is called after (郑州市…产业政策 → …政策助手)"
    )

    @property
    def assistant_name(self) -> str:
        return f"{self.short_title}助手" if self.short_title else "政策助手"

    @property
    def valid_until(self) -> date | None:
        """Last day of validity (three years from 2022-06-02 ends 2025-06-01)."""
        if self.issued is None or self.valid_years is None:
            return None
        end = self.issued.replace(year=self.issued.year + self.valid_years)
        return date.fromordinal(end.toordinal() - 1)


class Clause(BaseModel):
    """One addressable unit of a policy, with its CONTRACT §1 id."""

    id: str = Field(description="bare CONTRACT id: 序, 一, 二.(二), 三.7, 四.12, 尾")
    slug: str
    kind: ClauseKind
    chapter: str | None = Field(default=None, description="chapter numeral, e.g. 四")
    section: str | None = Field(default=None, description="section numeral, e.g. 三")
    item: int | None = None
    title: str = ""
    path: list[str] = Field(default_factory=list, description="chapter and section headings")
    text: str = Field(description="verbatim text, without the 责任单位 line")
    departments: list[str] = Field(default_factory=list)
    order: int = Field(default=0, description="position in the document")

    def qualified_id(self, default_slug: str | None = None) -> str:
        """``四.12`` for the default policy, ``slug:四.12`` for any other."""
        return self.id if self.slug == default_slug else f"{self.slug}:{self.id}"


def split_ref(ref: str, default_slug: str) -> tuple[str, str]:
    """``四.10`` → (default slug, 四.10); ``slug:四.（三）`` → (slug, 四.(三))."""
    ref = ref.strip().replace("（", "(").replace("）", ")").replace("．", ".")
    slug, sep, clause_id = ref.rpartition(":")
    return (slug if sep else default_slug), clause_id


class ParsedPolicy(BaseModel):
    meta: PolicyMeta
    clauses: list[Clause]

    def by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}
