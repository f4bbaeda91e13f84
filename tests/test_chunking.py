"""Chunks: whole sentences only, heading path on every piece, sections as contents."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from knowledge.chunking import MAX_CHUNK_CHARS, chunk_clause, chunk_clauses
from knowledge.clause import Clause
from knowledge.parse import load_policy_dir
from knowledge.sentences import split_sentences
from knowledge.settings import BUILTIN_POLICIES_DIR

POLICY = load_policy_dir(Path(BUILTIN_POLICIES_DIR / "zhengzhou-ngit-2022"))


def test_every_clause_has_chunks_and_every_sentence_survives_whole() -> None:
    chunks = chunk_clauses(POLICY.clauses)
    assert {c.clause_id for c in chunks} == {c.id for c in POLICY.clauses}
    for clause in POLICY.clauses:
        body = "".join(c.text for c in chunks if c.clause_id == clause.id)
        for sentence in split_sentences(clause.text):
            assert sentence in body, (clause.id, sentence)


def test_long_clause_pieces_carry_the_heading_path() -> None:
    pieces = [c for c in chunk_clauses(POLICY.clauses) if c.clause_id == "二.(二)"]
    assert len(pieces) > 1
    assert all(p.text.startswith("二、总体要求 > 发展目标\n") for p in pieces)


def test_heading_only_section_lists_its_items() -> None:
    (section,) = [c for c in chunk_clauses(POLICY.clauses) if c.clause_id == "四.(一)"]
    assert "加大龙头企业支持力度" in section.text and "支持企业总部基地建设" in section.text


_sentence = st.text(alphabet="政策企业补助万元支持项目平台", min_size=1, max_size=60).map(
    lambda s: s + "。"
)


@given(st.lists(_sentence, min_size=1, max_size=12))
def test_no_sentence_is_ever_split(sentences: list[str]) -> None:
    clause = Clause(id="四.1", slug="t", kind="item", text="".join(sentences), title="标题")
    pieces = [c.text.split("\n", 1)[-1] for c in chunk_clause(clause)]
    assert "".join(pieces) == clause.text
    for piece in pieces:
        # a piece is over the limit only when it is one sentence that is itself longer
        assert len(piece) <= MAX_CHUNK_CHARS or len(split_sentences(piece)) == 1


def test_chunks_carry_path_and_departments_for_the_index() -> None:
    (chunk,) = [c for c in chunk_clauses(POLICY.clauses) if c.clause_id == "四.8"]
    assert chunk.path == "四、支持政策 > (三)鼓励产业创新发展"
    assert chunk.departments == "市工信局、市财政局、市科技局、郑州高新区管委会"
