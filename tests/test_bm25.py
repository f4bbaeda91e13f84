"""The sparse BM25 (bm25s) scores exactly as Okapi BM25 with rank_bm25's idf floor did."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.bm25 import K1, B, KeywordIndex

WORDS = ["首轮", "流片", "补助", "企业", "奖励", "平台", "§四.10", "芯片"]


def okapi_scores(corpus: list[list[str]], query: list[str]) -> list[float]:
    """BM25Okapi written out from its definition (rank_bm25 0.2.2), for every document."""
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    df: dict[str, int] = {}
    for doc in corpus:
        for word in set(doc):
            df[word] = df.get(word, 0) + 1
    idf = {w: math.log(n - f + 0.5) - math.log(f + 0.5) for w, f in df.items()}
    floor = 0.25 * sum(idf.values()) / len(idf)
    idf = {w: (floor if v < 0 else v) for w, v in idf.items()}
    scores = []
    for doc in corpus:
        total = 0.0
        for word in query:  # repeated query words count again, as in rank_bm25
            tf = doc.count(word)
            if word in idf:
                total += idf[word] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(doc) / avgdl))
        scores.append(total)
    return scores


@settings(max_examples=60, deadline=None)
@given(
    corpus=st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=1, max_size=25),
    query=st.lists(st.sampled_from([*WORDS, "不在语料中"]), min_size=0, max_size=6),
)
def test_scores_equal_okapi_bm25(corpus: list[list[str]], query: list[str]) -> None:
    index = KeywordIndex(corpus)
    got = index.search(query, n=len(corpus))
    expected = okapi_scores(corpus, query) if any(corpus) else [0.0] * len(corpus)
    # Every document with a positive score, and only those, best first, ties in corpus order.
    want = sorted(
        ((i, s) for i, s in enumerate(expected) if s > 1e-12), key=lambda t: (-t[1], t[0])
    )
    assert [i for i, _ in got] == [i for i, _ in want] or all(
        abs(a[1] - b[1]) < 1e-9 for a, b in zip(got, want, strict=True)
    )
    for (i, score), (_j, ref) in zip(got, want, strict=True):
        assert score == pytest.approx(ref, rel=1e-9, abs=1e-12)
        assert score == pytest.approx(expected[i], rel=1e-9, abs=1e-12)


def test_limits_and_edges() -> None:
    corpus = [["首轮", "流片", "补助"], ["企业", "奖励"], ["首轮", "流片"], [], ["平台"]]
    index = KeywordIndex(corpus)
    hits = index.search(["首轮", "流片"], 1)
    assert [i for i, _ in hits] == [2]  # the shorter document scores higher
    assert [i for i, _ in index.search(["首轮"], 10)] == [2, 0]
    assert index.search([], 10) == []
    assert index.search(["不在语料中"], 10) == []
    assert index.search(["首轮"], 0) == []
    assert KeywordIndex([]).search(["首轮"], 5) == []
    assert KeywordIndex([[], []]).search(["首轮"], 5) == []
