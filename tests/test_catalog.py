"""Adding policies: only documents that structure cleanly are stored, atomically."""

from pathlib import Path

import pytest

from knowledge.catalog import CatalogError, add_policy, load_policies, policy_dirs, remove_policy
from knowledge.documents import DocumentError
from knowledge.parse import PolicyStructureError
from knowledge.settings import PROJECT_ROOT, Settings

POLICY_TEXT = (PROJECT_ROOT / "knowledge/policies/zhengzhou-ngit-2022/policy.txt").read_text(
    "utf-8"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_builtin_default_policy_comes_first(settings: Settings) -> None:
    assert policy_dirs(settings)[0].name == "zhengzhou-ngit-2022"
    (policy,) = load_policies(settings)
    assert policy.meta.valid_until.isoformat() == "2025-06-01"


def test_add_list_remove(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "p.txt"
    source.write_text(POLICY_TEXT, "utf-8")
    parsed = add_policy(settings, source, "zz-copy", title="副本")
    assert len(parsed.clauses) == 60
    assert [p.meta.slug for p in load_policies(settings)] == ["zhengzhou-ngit-2022", "zz-copy"]
    with pytest.raises(CatalogError, match="已存在"):
        add_policy(settings, source, "zz-copy")
    add_policy(settings, source, "zz-copy", replace=True)
    remove_policy(settings, "zz-copy")
    assert len(load_policies(settings)) == 1


@pytest.mark.parametrize("slug", ["", "A", "中文", "../x", "a b", "zz/x"])
def test_bad_slugs_refused(settings: Settings, tmp_path: Path, slug: str) -> None:
    source = tmp_path / "p.txt"
    source.write_text(POLICY_TEXT, "utf-8")
    with pytest.raises(CatalogError):
        add_policy(settings, source, slug)


def test_builtin_policy_cannot_be_overwritten(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "p.txt"
    source.write_text(POLICY_TEXT, "utf-8")
    with pytest.raises(CatalogError, match="内置"):
        add_policy(settings, source, "zhengzhou-ngit-2022", replace=True)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("news.txt", "今天天气很好。市民纷纷外出踏青，公园里人头攒动。", PolicyStructureError),
        ("empty.txt", "   \n\n", DocumentError),
        ("broken.docx", "this is not a zip", DocumentError),
        ("broken.pdf", "%PDF-1.4 garbage", DocumentError),
        ("table.xlsx", "x", DocumentError),
    ],
)
def test_bad_documents_leave_nothing_behind(
    settings: Settings, tmp_path: Path, name: str, content: str, error: type
) -> None:
    source = tmp_path / name
    source.write_text(content, "utf-8")
    with pytest.raises(error):
        add_policy(settings, source, "zz-bad")
    folder = settings.added_policies_dir
    assert not folder.exists() or list(folder.iterdir()) == []


def test_rule_file_validity_agrees_with_the_policy(settings: Settings) -> None:
    """rules.yaml states the validity period too (rules carry their dates, openfisca-style);
    it must never drift from policy.yaml."""
    from assistant.awards import load_rulebook

    (policy,) = load_policies(settings)
    book = load_rulebook(policy_dirs(settings)[0])
    for rule in book.rules.values():
        assert rule.validity.start == policy.meta.issued, rule.id
        assert rule.validity.end == policy.meta.valid_until, rule.id


def test_clause_references_split_the_same_everywhere() -> None:
    from knowledge.clause import split_ref

    assert split_ref("四.10", "zz") == ("zz", "四.10")
    assert split_ref(" 四．（三） ", "zz") == ("zz", "四.(三)")
    assert split_ref("other:二.(一)", "zz") == ("other", "二.(一)")
