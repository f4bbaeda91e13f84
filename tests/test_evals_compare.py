"""``--compare RUN.json`` and the report: case-by-case changes against any saved run, the
commit and gold files of each side, the new figures, HTML and Markdown from one data dict."""

from __future__ import annotations

import json
import subprocess

from evals.report import render_html, render_markdown, report_data
from tests.test_evals_runner import GOLD, Oracle, run, settings, write_gold  # noqa: F401


def _award_wrong(oracle: Oracle, case_id: str, amount: int):
    """An answerer that states ``amount`` for one case and answers the rest right."""
    question = next(c["question"] for c in GOLD if c["id"] == case_id)

    def ask(q, history):
        answer = oracle(q, history)
        if q == question:
            answer["award"] = {**answer["award"], "amount_yuan": amount}
        return answer

    return ask


def test_compare_with_any_saved_run(tmp_path, settings):  # noqa: F811
    gold = write_gold(tmp_path)
    saved = tmp_path / "baseline-run.json"
    code, out, _ = run(
        ["run", "--gold", str(gold), "--json", "--no-progress"], settings, ask=Oracle()
    )
    assert code == 0
    saved.write_text(out, "utf-8")
    before = json.loads(out)
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert before["run"]["commit"].startswith(head.strip())
    (gold_file,) = before["run"]["gold_files"]
    assert gold_file["path"] == str(gold) and gold_file["cases"] == len(GOLD)
    assert len(gold_file["sha256"]) == 16

    report = tmp_path / "report"
    code, out, err = run(
        [
            "run",
            "--gold",
            str(gold),
            "--json",
            "--no-progress",
            "--compare",
            str(saved),
            "--report",
            str(report),
            "--last-run",
            str(tmp_path / "none.json"),
        ],
        settings,
        ask=_award_wrong(Oracle(), "aw-02", 5_000_000),
    )
    assert code == 1 and "wrong_amounts ≤ 0 (got 1)" in err
    result = json.loads(out)
    compared = result["compare"]
    assert compared["file"] == str(saved) and compared["commit"] == before["run"]["commit"]
    assert compared["gold_files"] == before["run"]["gold_files"]
    assert [c["id"] for c in compared["changes"]["regressed"]] == ["aw-02"]
    assert compared["changes"]["figures"]["wrong_amounts"] == {
        "before": 0,
        "now": 1,
        "delta": 1,
        "better": False,
    }
    assert result["summary"]["wrong_amount_cases"] == ["aw-02"]

    page = (report / "report.html").read_text("utf-8")
    md = (report / "report.md").read_text("utf-8")
    for text in (page, md):
        assert f"Changes since compared run {saved}" in text
        assert before["run"]["commit"] in text and gold_file["sha256"] in text
        assert "wrong amounts stated 错误金额" in text and "context precision" in text
        assert "By source 来源" in text and "| written" not in text
    assert '<td class="num bad">5000000</td>' in page  # the wrong amount, named
    assert "- `aw-02` 首次进入电子信息百强奖多少？: expected 3000000, stated 5000000" in md
    assert "1 regressed" in md and "### Regressed" in md


def test_same_verdict_changes_are_listed(tmp_path, settings):  # noqa: F811
    gold = write_gold(tmp_path)
    saved = tmp_path / "a.json"
    _, out, _ = run(["run", "--gold", str(gold), "--json", "--no-progress"], settings, ask=Oracle())
    saved.write_text(out, "utf-8")
    oracle = Oracle()

    def extra_citation(q, history):  # still passes, but cites one more clause first
        answer = oracle(q, history)
        if answer["citations"]:
            answer["citations"] = [{**answer["citations"][0], "id": "尾"}, *answer["citations"]]
        return answer

    _, out, _ = run(
        ["run", "--gold", str(gold), "--json", "--no-progress", "--compare", str(saved)],
        settings,
        ask=extra_citation,
    )
    changed = json.loads(out)["compare"]["changes"]["changed"]
    assert {c["id"] for c in changed} == {"aw-01", "aw-02", "dept-01", "mt-01"}
    assert any("citations ['四.10'] → ['尾', '四.10']" in n for n in changed[0]["changes"])
    assert json.loads(out)["summary"]["context_precision"] == 0.5


def test_bad_compare_file_exits_2(tmp_path, settings):  # noqa: F811
    gold = write_gold(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    oracle = Oracle()
    code, _, err = run(["run", "--gold", str(gold), "--compare", str(bad)], settings, ask=oracle)
    assert code == 2 and "bad.json" in err and oracle.calls == []
    bad.write_text('{"summary": {}}', "utf-8")
    code, _, err = run(["run", "--gold", str(gold), "--compare", str(bad)], settings, ask=oracle)
    assert code == 2 and "no 'cases' list" in err
    code, _, err = run(
        ["run", "--gold", str(gold), "--compare", str(tmp_path / "x.json")], settings, ask=oracle
    )
    assert code == 2


def test_both_reports_render_from_one_data_dict(tmp_path, settings):  # noqa: F811
    gold = write_gold(tmp_path)
    _, out, _ = run(
        ["run", "--gold", str(gold), "--json", "--no-progress"],
        settings,
        ask=Oracle(broken=["dept-01"]),
    )
    result = json.loads(out)
    data = report_data(result)
    labels = [r["label"] for r in data["summary_rows"]]
    page, md = render_html(result), render_markdown(result)
    for label in labels:  # every figure row appears in both renderings
        assert label in page and label in md
    for failing in data["failing"]:
        assert failing["id"] in page and failing["id"] in md
    assert "<script" not in page and "&lt;" not in md
    # user text is escaped in HTML, kept verbatim in Markdown
    result["cases"][2]["reasons"] = ["<b>x</b> | y"]
    result["cases"][2]["passed"] = False
    assert "&lt;b&gt;x&lt;/b&gt;" in render_html(result)
    assert "- why: <b>x</b> | y" in render_markdown(result)
