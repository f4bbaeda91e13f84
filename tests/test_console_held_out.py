"""The terminal summary never prints a held-out case's text (developers read CI logs)."""

from __future__ import annotations

import io

from evals.console import held_out, print_human


def _run(case: dict) -> str:
    run = {"summary": {}, "thresholds": {"checks": []}, "cases": [case]}
    out = io.StringIO()
    print_human(run, out)
    return out.getvalue()


def _case(location: str, source: str | None) -> dict:
    return {
        "id": "x-01",
        "category": "award",
        "question": "我们做了一个秘密的测试问题",
        "reasons": ["must_include: answer lacks ['秘密金额']"],
        "passed": False,
        "ungrounded": [],
        "location": location,
        "source": source,
    }


def test_a_held_out_case_is_shown_by_id_only() -> None:
    for location, source in [
        ("evals/gold/fresh.jsonl:3", None),
        ("evals/dev/understanding9_holdout.jsonl:1", "dev"),
        ("elsewhere.jsonl:1", "fresh"),
    ]:
        case = _case(location, source)
        assert held_out(case)
        shown = _run(case)
        assert "x-01" in shown
        assert "秘密" not in shown


def test_a_tuning_case_is_shown_with_its_text_and_reasons() -> None:
    case = _case("evals/dev/understanding9.jsonl:1", "dev")
    assert not held_out(case)
    shown = _run(case)
    assert "秘密的测试问题" in shown and "秘密金额" in shown
