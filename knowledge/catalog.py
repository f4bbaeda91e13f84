"""Where policies live: built in (knowledge/policies/<slug>/) or added at run time
(<data dir>/policies/<slug>/). The default policy comes first."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
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
    names = {d.name for d in found}
    for extra in settings.extra_policy_dirs:  # loaded in place; never shadows a stored one
        extra = Path(extra)
        if (extra / "policy.yaml").is_file() and extra.name not in names:
            found.append(extra)
            names.add(extra.name)
    # The default policy first: bare clause ids refer to it.
    return sorted(found, key=lambda d: d.name != settings.default_policy)


def policy_dir(settings: Settings, slug: str) -> Path:
    """The folder of a loaded policy (built in or added), by slug."""
    found = next((d for d in policy_dirs(settings) if d.name == slug), None)
    if found is None:
        raise CatalogError(
            f"未找到政策“{slug}”（已加载：{[d.name for d in policy_dirs(settings)]}）"
        )
    return found


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
    _refuse_existing(settings, slug, replace)
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

    def write(staging: Path) -> None:
        (staging / "policy.txt").write_text(text, "utf-8")
        (staging / "policy.yaml").write_text(
            yaml.safe_dump(meta.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
            "utf-8",
        )

    _store(settings, slug, write)
    return parsed


# A policy folder holds these; policy.yaml and the text it names are required, the rest
# (award rules, their question vocabulary, the application guide, rule cases) optional.
POLICY_FILES = ("policy.yaml", "rules.yaml", "lexicon.yaml", "guide.yaml")
RULE_CASES_DIR = "rule_cases"

# Checks a policy folder must pass beyond parsing (the rule book's, supplied by the caller:
# knowledge does not import the assistant). Each returns problems, each naming file and field.
FolderCheck = Callable[[Path, ParsedPolicy], list[str]]


def add_policy_folder(
    settings: Settings,
    source: Path,
    *,
    slug: str | None = None,
    replace: bool = False,
    checks: tuple[FolderCheck, ...] = (),
) -> ParsedPolicy:
    """Check a whole policy folder (policy.txt + policy.yaml [+ rules.yaml, lexicon.yaml,
    guide.yaml, rule_cases/]) and store a copy under the data folder, atomically.

    The slug is policy.yaml's; ``slug``, when given, must agree with it. Every problem found
    is reported at once (CatalogError, one line each)."""
    source = Path(source)
    if not source.is_dir():
        raise CatalogError(f"{source} 不是政策目录")
    parsed = load_policy_dir(source)  # DocumentError / PolicyStructureError on bad text
    meta_slug = check_slug(parsed.meta.slug)
    if slug is not None and check_slug(slug) != meta_slug:
        raise CatalogError(
            f"{source / 'policy.yaml'}: slug 为“{meta_slug}”，与 --slug “{slug}”不一致"
        )
    _refuse_existing(settings, meta_slug, replace)
    problems = [p for check in checks for p in check(source, parsed)]
    if problems:
        raise CatalogError("政策目录未通过检查：\n" + "\n".join(f"- {p}" for p in problems))
    names = [*POLICY_FILES, parsed.meta.source_file]

    def write(staging: Path) -> None:
        for name in dict.fromkeys(names):
            if (source / name).is_file():
                shutil.copyfile(source / name, staging / name)
        if (source / RULE_CASES_DIR).is_dir():
            shutil.copytree(source / RULE_CASES_DIR, staging / RULE_CASES_DIR)

    _store(settings, meta_slug, write)
    return parsed


def _refuse_existing(settings: Settings, slug: str, replace: bool) -> None:
    added_policy_dir(settings, slug)  # the slug may name a folder
    if (BUILTIN_POLICIES_DIR / slug).exists():
        raise CatalogError(f"“{slug}”是内置政策，不能覆盖")
    if slug in {d.name for d in policy_dirs(settings)} and not replace:
        raise CatalogError(f"政策“{slug}”已存在；如需替换请加 --replace")


def _store(settings: Settings, slug: str, write: Callable[[Path], None]) -> None:
    """Write a policy folder in a staging folder, then move it into place in one rename, so a
    failed or interrupted add leaves no half policy behind."""
    target = added_policy_dir(settings, slug)
    target_root = settings.added_policies_dir
    target_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=target_root))
    try:
        write(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def remove_policy(settings: Settings, slug: str) -> None:
    target = added_policy_dir(settings, slug)
    if target.is_symlink() or not target.is_dir():
        raise CatalogError(f"未找到已添加的政策“{slug}”（内置政策不能删除）")
    shutil.rmtree(target)
