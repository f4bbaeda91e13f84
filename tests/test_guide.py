"""申兑指南 (guide.yaml): one per support clause, nothing in it that the policy text lacks,
served as ``guide`` on GET /api/clauses/{id} (CONTRACT §5)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from knowledge.clause import Clause, PolicyMeta
from knowledge.guide import FIELDS, NOT_SAID, SILENT_FIELDS, guide_dict, load_guide
from knowledge.parse import load_policy_dir
from knowledge.settings import BUILTIN_POLICIES_DIR

POLICY_DIR = BUILTIN_POLICIES_DIR / "zhengzhou-ngit-2022"
TODAY = date(2026, 11, 28)


def plain(text: str) -> str:
    """Compare under NFKC and without spaces: guide.yaml may use full-width punctuation."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def policy() -> tuple[PolicyMeta, dict[str, Clause]]:
    parsed = load_policy_dir(POLICY_DIR)
    return parsed.meta, {c.id: c for c in parsed.clauses}


def support_clauses(clauses: dict[str, Clause]) -> list[str]:
    return [cid for cid, c in clauses.items() if c.kind == "item" and c.chapter == "四"]


def test_every_support_clause_has_a_guide(policy: tuple[PolicyMeta, dict[str, Clause]]) -> None:
    _, clauses = policy
    guide = load_guide(POLICY_DIR)
    assert guide is not None and guide.policy == "zhengzhou-ngit-2022"
    expected = support_clauses(clauses)
    assert expected == [f"四.{n}" for n in range(1, 18)]
    assert sorted(guide.clauses, key=expected.index) == expected


def test_every_guide_fragment_is_in_the_clause_text(
    policy: tuple[PolicyMeta, dict[str, Clause]],
) -> None:
    _, clauses = policy
    guide = load_guide(POLICY_DIR)
    assert guide is not None
    for cid, entry in guide.clauses.items():
        text = plain(clauses[cid].text)
        fragments = [
            *entry.惠及对象,
            *entry.申报条件,
            *entry.支持标准,
            *entry.政策依据,
            *entry.申报材料,
            *entry.申报时间,
            *entry.受理方式,
        ]
        if entry.合并规则 is not None:
            fragments.append(entry.合并规则.依据)
        assert entry.惠及对象 and entry.支持标准 and entry.政策依据, cid
        for fragment in fragments:
            assert plain(fragment) in text, f"{cid}: “{fragment}” is not in the clause text"


def test_guide_states_nothing_the_text_lacks(policy: tuple[PolicyMeta, dict[str, Clause]]) -> None:
    """Materials, dates, places: each field is from the clause, the metadata, or 原文未规定."""
    meta, clauses = policy
    guide = load_guide(POLICY_DIR)
    assert guide is not None
    for cid, entry in guide.clauses.items():
        clause = clauses[cid]
        shown = guide_dict(entry, clause, cid, meta, TODAY)
        assert tuple(shown) == FIELDS
        assert all(isinstance(v, str) and v.strip() for v in shown.values()), cid
        who = "、".join(clause.departments)
        for name in SILENT_FIELDS:  # the built-in text is silent on all three for every clause
            assert shown[name] == NOT_SAID.format(who=who), (cid, name, shown[name])
        assert shown["责任单位"] == who
        assert shown["政策依据"].startswith(f"{cid}：“")
        assert "2022年6月2日" in shown["有效期"] and "2025年6月1日" in shown["有效期"]
        assert "已过有效期" in shown["有效期"]
        # Every number a field states is in the clause text or the policy's dates.
        allowed = plain(clause.text) + "2022年6月2日2025年6月1日" + "2026年11月28日"
        for name, value in shown.items():
            value = value.removeprefix(f"{cid}：")  # the clause id is not a figure
            for number in re.findall(r"\d+(?:\.\d+)?", plain(value)):
                assert number in allowed, f"{cid} {name}: {number} is not in the text"


def test_guide_rejects_unknown_fields(tmp_path: Path) -> None:
    (tmp_path / "guide.yaml").write_text(
        "policy: x\nclauses:\n  四.1:\n    惠及对象: [a]\n    支持标准: [b]\n    政策依据: [c]\n"
        "    申报地址: [郑州市某路1号]\n",
        "utf-8",
    )
    with pytest.raises(ValueError, match="申报地址"):
        load_guide(tmp_path)
    assert load_guide(tmp_path / "none") is None


@pytest.mark.slow
def test_clause_endpoint_serves_the_guide(live_server) -> None:
    with live_server.client() as client:
        body = client.get("/api/clauses/四.10").json()
        guide = body["guide"]
        assert tuple(guide) == FIELDS
        assert "首轮流片费用40%" in guide["支持标准"]
        assert guide["责任单位"] == "市工信局、市财政局"
        assert guide["申报材料"].startswith("原文未规定")
        assert client.get("/api/clauses/二.(二)").json()["guide"] is None
        listed = client.get("/api/clauses").json()
        assert all("guide" not in c for c in listed)  # the list stays as it was
