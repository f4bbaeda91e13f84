"""The naive baseline's chunk → clause mapping (no model: the splitter and parser only)."""

from __future__ import annotations

from evals.baseline import CHUNK_SIZE, clause_spans, split_policy
from knowledge.catalog import load_policies, policy_dirs
from knowledge.settings import Settings


def _policy():
    settings = Settings()
    policy = next(p for p in load_policies(settings) if p.meta.slug == settings.default_policy)
    folder = next(d for d in policy_dirs(settings) if d.name == settings.default_policy)
    return settings, policy, (folder / policy.meta.source_file).read_text("utf-8")


def test_every_clause_is_located_in_the_raw_text_in_order():
    _, policy, raw = _policy()
    spans = clause_spans(raw, policy.clauses)
    assert [c.id for _, _, c in spans] == [c.id for c in policy.clauses]
    starts = [s for s, _, _ in spans]
    assert starts == sorted(starts)
    by_id = {c.id: (s, e) for s, e, c in spans}
    s, e = by_id["四.10"]
    assert "首轮流片费用40%的补助" in raw[s:e]
    # a heading-only section is found at its own heading, after the items before it
    s, _ = by_id["四.(一)"]
    assert raw[s - 3 : s] == "(一)" and s > by_id["三.21"][0]


def test_chunks_cite_the_clauses_they_overlap():
    settings, policy, raw = _policy()
    chunks = split_policy(raw, policy, settings.default_policy)
    assert all(len(c.text) <= CHUNK_SIZE for c, _ in chunks)
    spans = {c.id: (s, e) for s, e, c in clause_spans(raw, policy.clauses)}
    for chunk, overlapped in chunks:
        assert raw[chunk.start : chunk.start + len(chunk.text)] == chunk.text
        assert chunk.refs == tuple(overlapped)
        for ref in chunk.refs:  # every cited clause really overlaps the chunk
            s, e = spans[ref]
            assert s < chunk.start + len(chunk.text) and chunk.start < e
    holder = next(c for c, _ in chunks if "首轮流片费用40%" in c.text)
    assert "四.10" in holder.refs
    # every clause is cited by at least one chunk
    assert {r for c, _ in chunks for r in c.refs} == {c.id for c in policy.clauses}
