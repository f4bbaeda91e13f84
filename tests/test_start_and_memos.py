"""What the speed changes of issue 13 must keep: the memos answer what the plain computation
does, YAML reads the same through libyaml, and the start imports only what it needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from assistant.awards.rules import load_rulebook
from knowledge.catalog import policy_dir
from knowledge.settings import PROJECT_ROOT, Settings
from knowledge.yaml_load import safe_load


def _book():  # type: ignore[no-untyped-def]
    settings = Settings()
    return load_rulebook(policy_dir(settings, settings.default_policy))


BOOK = _book()
TOPIC_TERMS = sorted({t for terms in BOOK.topics.values() for t in terms if t})


def _plain_named(book, text: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c for c, terms in book.topics.items() if any(t and t in text for t in terms)}


@given(st.lists(st.sampled_from(TOPIC_TERMS) | st.text(max_size=6), max_size=5))
def test_named_clauses_memo_equals_the_plain_scan(parts: list[str]) -> None:
    text = "，".join(parts)
    assert BOOK.named_clauses(text) == _plain_named(BOOK, text)
    assert BOOK.named_clauses(text) == _plain_named(BOOK, text)  # from the memo


def test_memo_returns_a_fresh_set_and_follows_new_topics() -> None:
    text = "揭榜挂帅项目首轮流片"
    first = BOOK.named_clauses(text)
    first.add("changed by the caller")
    assert "changed by the caller" not in BOOK.named_clauses(text)
    other = BOOK.model_copy(update={"topics": {"X": ["首轮流片"]}})
    assert other.named_clauses(text) == {"X"}
    assert BOOK.named_clauses(text) == _plain_named(BOOK, text)


def test_formula_needs_memo_and_equality_unchanged() -> None:
    fresh = _book()
    for rule in BOOK.rules.values():
        for spec in rule.inputs:
            assert rule.formula_needs(spec.name) == rule._formula_needs(spec.name)
        assert rule.formula_needs("no-such-input") is False
    BOOK.named_clauses("揭榜挂帅")
    assert fresh == BOOK  # a filled memo does not make equal books unequal
    assert fresh.rules == BOOK.rules


def test_yaml_through_libyaml_reads_every_repo_file_the_same() -> None:
    files = [
        p for p in PROJECT_ROOT.rglob("*.yaml") if ".venv" not in p.parts and ".data" not in p.parts
    ]
    assert len(files) >= 10
    for path in files:
        text = path.read_text("utf-8")
        assert safe_load(text) == yaml.safe_load(text), path


def test_server_start_imports_neither_cn2an_nor_langchain_nor_gradio() -> None:
    code = (
        "import sys; import ui.server, ui.api, assistant.chain, knowledge.embedding; "
        "print(sorted(m for m in ('cn2an', 'langchain_core', 'gradio', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(PROJECT_ROOT), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# -- per-question work removed (issue 13, second pass) -------------------------------------


ALIASES = sorted(
    {a for r in BOOK.rules.values() for s in r.inputs for a in [*s.aliases, *s.false_aliases]}
)


def _plain_alias_positions(text: str, aliases: list[str]) -> list[tuple[int, int]]:
    import re

    spans: list[tuple[int, int]] = []
    for alias in sorted(set(aliases), key=len, reverse=True):
        for m in re.finditer(re.escape(alias), text, flags=re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


@given(
    st.lists(st.sampled_from(ALIASES) | st.text(max_size=4), max_size=5),
    st.lists(st.sampled_from(["EDA", "eda", "ſ", "K", "İ", "营收"]), max_size=2),
)
def test_alias_positions_equal_the_case_blind_scan(parts: list[str], cased: list[str]) -> None:
    from assistant.understand.mentions import _alias_positions

    text = "，".join(parts + cased)
    aliases = [*ALIASES[:40], "eda", "s", "k", "i"]
    assert _alias_positions(text, aliases) == _plain_alias_positions(text, aliases)


def test_rule_memos_are_computed_once_and_keep_their_value() -> None:
    from assistant.awards.rules import memoised

    rule = next(iter(BOOK.rules.values()))
    calls: list[int] = []
    first = memoised(rule, "test-key", lambda: calls.append(1) or ["x"])
    assert memoised(rule, "test-key", lambda: calls.append(1) or ["y"]) is first
    assert calls == [1]
    other = rule.model_copy()  # an equal rule is another owner: its own memo
    assert memoised(other, "test-key", lambda: ["z"]) == ["z"]


def test_quantities_memo_gives_fresh_lists_and_raises_again() -> None:
    import pytest

    from assistant.numbers import NumberError, extract_quantities

    first = extract_quantities("设备投资800万，营收3000万")
    first.append(first[0])
    assert len(extract_quantities("设备投资800万，营收3000万")) == 2
    for _ in range(2):
        with pytest.raises(NumberError):
            extract_quantities("亏损-300万元")


def test_simplified_text_is_left_as_is_and_traditional_still_converted() -> None:
    from assistant.understand.script import to_simplified

    assert to_simplified("首轮流片补贴多少") == ("首轮流片补贴多少", False)
    assert to_simplified("首輪流片補貼多少") == ("首轮流片补贴多少", True)


def test_other_place_without_an_administrative_ending_is_not_tagged() -> None:
    from assistant.route import _ADMIN_SUFFIX, _ADMIN_SUFFIX_ANYWHERE

    for word in ("苏州工业园区", "浦东新区", "江苏省", "昆山市"):
        assert _ADMIN_SUFFIX.search(word) and _ADMIN_SUFFIX_ANYWHERE.search(f"在{word}有工厂")
    assert not _ADMIN_SUFFIX_ANYWHERE.search("我们在外地也有工厂，能申请流片补贴吗")
