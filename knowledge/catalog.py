"""Where policies live: built in (knowledge/policies/<slug>/) or added at run time
(<data dir>/policies/<slug>/). The default policy comes first."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import yaml

from knowledge.clause import ParsedPolicy, PolicyMeta
from knowledge.documents import load_document_text
from knowledge.parse import load_policy_dir, parse_policy
from knowledge.settings import BUILTIN_POLICIES_DIR, Settings

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class CatalogError(ValueError):
    """A policy cannot be added (message in Chinese for the person adding it)."""


def check_slug(slug: object) -> str:
    """``slug`` if it is a valid policy slug; anything else (``..``, ``a/b``, an absolute
    path, upper case, a NUL) is refused before it can name a folder."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        shown = repr(slug)[:40]
        raise CatalogError(
            f"政策标识 {shown} 不合法：只能包含小写字母、数字和连字符，长度2-63，例如 zz-ai-2024"
        )
    return slug


def added_policy_dir(settings: Settings, slug: str) -> Path:
    """The folder of an added policy; the slug is checked and the folder must lie
    directly inside the added-policies folder (no way out through links either)."""
    check_slug(slug)
    root = settings.added_policies_dir
    target = root / slug
    if target.resolve().parent != root.resolve():
        raise CatalogError(f"政策标识“{slug}”指向政策目录之外，已拒绝")
    return target


def policy_dirs(settings: Settings) -> list[Path]:
    found = [
        d
        for root in (BUILTIN_POLICIES_DIR, settings.added_policies_dir)
        if root.is_dir()
        for d in sorted(root.iterdir())
        if (d / "policy.yaml").is_file()
    ]
    # The default policy first: bare clause ids refer to it.
    return sorted(found, key=lambda d: d.name != settings.default_policy)


def load_policies(settings: Settings) -> list[ParsedPolicy]:
    policies = [load_policy_dir(d) for d in policy_dirs(settings)]
    slugs = [p.meta.slug for p in policies]
    if len(set(slugs)) != len(slugs):
        raise CatalogError(f"政策标识重复：{slugs}")
    return policies


def add_policy(
    settings: Settings,
    source: Path,
    slug: str,
    *,
    title: str = "",
    office: str = "",
    issued: date | None = None,
    valid_years: int | None = None,
    replace: bool = False,
) -> ParsedPolicy:
    """Check that the document parses, then store it under the data folder.

    Nothing is written unless the whole document structures cleanly; the folder appears
    in one rename, so a failed or interrupted add leaves no half policy behind.
    """
    target = added_policy_dir(settings, slug)
    existing = {d.name for d in policy_dirs(settings)}
    builtin = BUILTIN_POLICIES_DIR / slug
    if builtin.exists():
        raise CatalogError(f"“{slug}”是内置政策，不能覆盖")
    if slug in existing and not replace:
        raise CatalogError(f"政策“{slug}”已存在；如需替换请加 --replace")
    text = load_document_text(source)
    meta = PolicyMeta(
        slug=slug,
        title=title or source.stem,
        office=office,
        issued=issued,
        valid_years=valid_years,
        source_file="policy.txt",
    )
    parsed = parse_policy(text, meta)  # raises PolicyStructureError on garbage

    target_root = settings.added_policies_dir
    target_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=target_root))
    (staging / "policy.txt").write_text(text, "utf-8")
    (staging / "policy.yaml").write_text(
        yaml.safe_dump(meta.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
        "utf-8",
    )
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return parsed


def remove_policy(settings: Settings, slug: str) -> None:
    target = added_policy_dir(settings, slug)
    if target.is_symlink() or not target.is_dir():
        raise CatalogError(f"未找到已添加的政策“{slug}”（内置政策不能删除）")
    shutil.rmtree(target)
