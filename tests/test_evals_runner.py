"""The eval runner's command line: exit codes, thresholds, JSON shape, report, baseline.

The answering system is a test double passed to ``evals.runner.main(ask=…)``; these tests
exercise the runner, not the assistant, so they need no embedding model.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from evals.cases import CaseError, load_cases
from evals.runner import main
from knowledge.settings import Settings

CONTRACT_KEYS = {
    "cases",
    "passed",
    "pass_rate",
    "retrieval_hit_at_1",
    "retrieval_hit_at_3",
    "mrr",
    "citation_accuracy",
    "amount_exact",
    "refusal_accuracy",
    "p50_latency_ms",
    "p95_latency_ms",
    "by_category",
}

GOLD = [
    {
        "id": "aw-01",
        "category": "award",
        "question": "我们首轮流片花了800万元，能补多少？",
        "expect": {
            "citations_any": ["四.10"],
            "must_include": ["320万"],
            "amount_yuan": 3200000,
            "eligible": True,
            "refuse": False,
        },
    },
    {
        "id": "aw-02",
        "category": "award",
        "question": "首次进入电子信息百强奖多少？",
        "expect": {
            "citations_any": ["四.1"],
            "must_include": ["300万"],
            "amount_yuan": 3000000,
            "eligible": True,
            "refuse": False,
        },
    },
    {
        "id": "dept-01",
        "category": "departments",
        "question": "流片补助找哪个部门？",
        "expect": {"citations_any": ["四.10"], "must_include": ["市工信局"], "refuse": False},
    },
    {
        "id": "oos-01",
        "category": "out-of-scope",
        "question": "深圳有什么补贴？",
        "expect": {"citations_any": [], "must_include": ["12345"], "refuse": True},
    },
    {
        "id": "mt-01",
        "category": "multi-turn",
        "turns": ["首轮流片补助怎么算？", "那上限呢？"],
        "expect": {"citations_any": ["四.10"], "must_include": ["500万"], "refuse": False},
    },
]


def write_gold(folder: Path, cases=GOLD, name="gold.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", "utf-8")
    return path


class Oracle:
    """A double that answers every gold case right: it looks the case up by its question.
    Citation text repeats the answer so every number in it is grounded."""

    def __init__(self, gold=GOLD, broken: Sequence[str] = ()) -> None:
        self.by_question = {(c.get("question") or c["turns"][-1]): c for c in gold}
        self.broken = set(broken)
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, question: str, history: Sequence[str]) -> dict:
        self.calls.append((question, list(history)))
        case = self.by_question[question]
        exp = case["expect"]
        text = "，".join(exp.get("must_include", [])) or "答复"
        if not exp.get("refuse"):
            text += "（本政策已过有效期）"  # a right answer says whether the policy is in force
        cites = [
            {
                "id": cid,
                "policy": "zhengzhou-ngit-2022",
                "title": "t",
                "text": text,
                "departments": ["市工信局"],
                "score": 0.9,
            }
            for cid in exp.get("citations_any", [])
        ]
        award = None
        if exp.get("amount_yuan") is not None or exp.get("eligible") is not None:
            award = {
                "rule": "四.10",
                "eligible": exp.get("eligible", True),
                "amount_yuan": exp.get("amount_yuan"),
                "steps": [],
                "assumptions": [],
                "missing": [],
            }
        if case["id"] in self.broken:  # the wrong clause, the wrong amount
            cites = [{**c, "id": "三.1"} for c in cites] or cites
            if award:
                award = {**award, "amount_yuan": (award["amount_yuan"] or 0) + 1}
        return {
            "question": question,
            "answer": text,
            "refused": bool(exp.get("refuse")),
            "citations": cites,
            "award": award,
            "latency_ms": 1.0,
        }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def run(argv: list[str], settings: Settings, **kw) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, settings=settings, stdout=out, stderr=err, **kw)
    return code, out.getvalue(), err.getvalue()


def thresholds(tmp_path: Path, text: str) -> str:
    path = tmp_path / "thresholds.yaml"
    path.write_text(text, "utf-8")
    return str(path)


# -- bad input: exit 2 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "question": "问" ', "not valid JSON"),
        ('["not", "an", "object"]', "must be a JSON object"),
        ('{"id": "x", "expect": {}}', "exactly one of 'question' or 'turns'"),
        ('{"id": "x", "question": "问", "turns": ["问"]}', "exactly one of"),
        ('{"id": "x", "question": "问", "expect": {"citation_any": ["四.1"]}}', "citation_any"),
        ('{"id": "x", "question": "问", "expect": {"amount_yuan": 3200000.0}}', "amount_yuan"),
        ('{"id": "x", "question": "问", "expect": {"amount_yuan": "320万"}}', "amount_yuan"),
        ('{"id": "x", "question": "问", "expect": {"refuse": "yes"}}', "refuse"),
        ('{"id": "", "question": "问"}', "id"),
        ('{"id": "x", "turns": []}', "turns"),
    ],
)
def test_malformed_line_exits_2_naming_file_and_line(tmp_path, settings, line, message):
    good = json.dumps(GOLD[0], ensure_ascii=False)
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{good}\n\n{line}\n", "utf-8")
    oracle = Oracle()
    code, _out, err = run(["run", "--gold", str(path)], settings, ask=oracle)
    assert code == 2
    assert f"{path}:3" in err  # line 3: blank lines count as lines
    assert message in err
    assert oracle.calls == []  # nothing was asked: bad input is found first


def test_duplicate_ids_across_files_exit_2(tmp_path, settings):
    folder = tmp_path / "gold"
    write_gold(folder, GOLD[:2], "a.jsonl")
    write_gold(folder, GOLD[1:3], "b.jsonl")
    code, _, err = run(["run", "--gold", str(folder)], settings, ask=Oracle())
    assert code == 2
    assert f"{folder / 'b.jsonl'}:1" in err and "duplicate case id 'aw-02'" in err


def test_unreadable_or_missing_input_exits_2(tmp_path, settings):
    code, _, err = run(["run", "--gold", str(tmp_path / "nope.jsonl")], settings, ask=Oracle())
    assert code == 2 and "no such file" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(["run", "--gold", str(tmp_path / "empty")], settings, ask=Oracle())
    assert code == 2 and "no *.jsonl" in err
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(["run", "--gold", str(binary)], settings, ask=Oracle())
    assert code == 2 and "cannot read" in err


def test_bad_thresholds_file_exits_2(tmp_path, settings):
    gold = write_gold(tmp_path)
    t = thresholds(tmp_path, "min:\n  pass_rat: 0.9\n")
    code, _, err = run(["run", "--gold", str(gold), "--thresholds", t], settings, ask=Oracle())
    assert code == 2 and "unknown figure 'pass_rat'" in err
    t = thresholds(tmp_path, "min: [1, 2\n")
    code, _, err = run(["run", "--gold", str(gold), "--thresholds", t], settings, ask=Oracle())
    assert code == 2 and "not valid YAML" in err


def test_bad_arguments_exit_2(tmp_path, settings):
    assert run(["run"], settings, ask=Oracle())[0] == 2  # --gold is required
    gold = write_gold(tmp_path)
    assert run(["run", "--gold", str(gold), "--limit", "0"], settings, ask=Oracle())[0] == 2


# -- verdicts: exit 0 / 1 -------------------------------------------------------------------


def test_passing_double_meets_the_repo_thresholds(tmp_path, settings):
    gold = write_gold(tmp_path)
    oracle = Oracle()
    code, out, err = run(
        ["run", "--gold", str(gold), "--json", "--no-progress"], settings, ask=oracle
    )
    assert code == 0, err
    result = json.loads(out)
    summary = result["summary"]
    assert summary.keys() >= CONTRACT_KEYS
    assert summary["cases"] == 5 and summary["passed"] == 5 and summary["pass_rate"] == 1.0
    assert summary["numeric_grounding_rate"] == 1.0
    assert set(summary["by_category"]) == {"award", "departments", "out-of-scope", "multi-turn"}
    assert CONTRACT_KEYS - {"by_category"} <= summary["by_category"]["award"].keys()
    assert [c["id"] for c in result["cases"]] == [c["id"] for c in GOLD]
    assert all(c["passed"] and c["reasons"] == [] for c in result["cases"])
    assert result["thresholds"]["ok"] is True
    # multi-turn: the last turn is asked with the earlier ones as history
    assert ("那上限呢？", ["首轮流片补助怎么算？"]) in oracle.calls


def test_broken_answerer_exits_1_naming_failing_cases(tmp_path, settings):
    gold = write_gold(tmp_path)
    code, out, err = run(
        ["run", "--gold", str(gold), "--no-progress"],
        settings,
        ask=Oracle(broken=["aw-01", "dept-01"]),
    )
    assert code == 1
    assert "THRESHOLDS NOT MET" in err and "pass_rate ≥ 0.95 (got 0.6)" in err
    assert "amount_exact ≥ 1 (got 0.5)" in err
    assert "failing cases (2): aw-01, dept-01" in err
    # the human table says why, specifically
    assert "citation: expected one of [四.10] in top 3, got [三.1]" in out
    assert "amount: expected 3200000 yuan, got 3200001" in out


def test_exceptions_fail_the_case_not_the_run(tmp_path, settings):
    gold = write_gold(tmp_path)
    oracle = Oracle()

    def flaky(question, history):
        if question == GOLD[2]["question"]:
            raise RuntimeError("index exploded")
        return oracle(question, history)

    code, out, _ = run(["run", "--gold", str(gold), "--json", "--no-progress"], settings, ask=flaky)
    assert code == 1
    result = json.loads(out)
    failed = [c for c in result["cases"] if not c["passed"]]
    assert [c["id"] for c in failed] == ["dept-01"]
    assert failed[0]["reasons"] == ["error: RuntimeError: index exploded"]
    assert result["summary"]["errors"] == 1


def test_thresholds_are_honoured(tmp_path, settings):
    gold = write_gold(tmp_path)
    broken = Oracle(broken=["aw-01"])  # 4/5 pass, amount_exact 0.5
    lax = thresholds(tmp_path, "min:\n  pass_rate: 0.8\nmax:\n  p95_latency_ms: 10000\n")
    args = ["run", "--gold", str(gold), "--no-progress", "--thresholds"]
    assert run([*args, lax], settings, ask=broken)[0] == 0
    strict = thresholds(tmp_path, "min:\n  pass_rate: 0.81\n")
    code, _, err = run([*args, strict], settings, ask=broken)
    assert code == 1 and "pass_rate ≥ 0.81 (got 0.8)" in err
    oracle = Oracle()

    def slow_double(question, history):
        time.sleep(0.02)
        return oracle(question, history)

    slow = thresholds(tmp_path, "max:\n  p95_latency_ms: 5\n")
    code, _, err = run([*args, slow], settings, ask=slow_double)
    got = re.search(r"p95_latency_ms ≤ 5 \(got ([\d.]+)\)", err)
    assert code == 1 and got and float(got.group(1)) >= 20  # slept 20 ms per answer
    per_cat = thresholds(tmp_path, "by_category:\n  award:\n    min:\n      pass_rate: 1.0\n")
    code, _, err = run([*args, per_cat], settings, ask=broken)
    assert code == 1 and "[award] pass_rate ≥ 1 (got 0.5)" in err
    # a figure no case applies to is skipped, not failed
    only_oos = write_gold(tmp_path / "oos", [GOLD[3]])
    code, _, err = run(["run", "--gold", str(only_oos), "--no-progress"], settings, ask=Oracle())
    assert code == 0 and "not applicable" in err and "amount_exact" in err


def test_limit_and_directory(tmp_path, settings):
    folder = tmp_path / "gold"
    write_gold(folder, GOLD[:2], "a.jsonl")
    write_gold(folder, GOLD[2:], "b.jsonl")
    (folder / "notes.txt").write_text("not a gold file")
    code, out, _ = run(
        ["run", "--gold", str(folder), "--json", "--limit", "3", "--no-progress"],
        settings,
        ask=Oracle(),
    )
    assert code == 0
    assert [c["id"] for c in json.loads(out)["cases"]] == ["aw-01", "aw-02", "dept-01"]
    assert len(load_cases([folder])) == 5
    with pytest.raises(CaseError):
        load_cases([folder / "missing.jsonl"])


# -- report, previous run, baseline -----------------------------------------------------------


def test_report_shows_regressions_against_the_previous_run(tmp_path, settings):
    gold = write_gold(tmp_path)
    report = tmp_path / "report"
    args = ["run", "--gold", str(gold), "--report", str(report), "--no-progress"]
    assert run(args, settings, ask=Oracle())[0] == 0
    first = json.loads((report / "last_run.json").read_text("utf-8"))
    assert first["summary"]["passed"] == 5 and "changes" not in first

    code, _, _ = run([*args, "--json"], settings, ask=Oracle(broken=["aw-02"]))
    assert code == 1
    page = (report / "report.html").read_text("utf-8")
    md = (report / "report.md").read_text("utf-8")
    assert '<meta charset="utf-8">' in page and "WenQuanYi Micro Hei" in page
    assert "<svg" in page and "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # self-contained
    assert "1 case(s) regressed" in page and "aw-02" in page
    assert "首次进入电子信息百强奖多少？" in page  # the failing question, in Chinese
    assert "amount: expected 3000000 yuan, got 3000001" in page
    assert "Thresholds not met" in page
    assert "regressed since the previous run:** aw-02" in md
    assert "### `aw-02` [award] 首次进入电子信息百强奖多少？" in md
    second = json.loads((report / "last_run.json").read_text("utf-8"))
    assert [c["id"] for c in second["changes"]["regressed"]] == ["aw-02"]
    assert second["changes"]["figures"]["pass_rate"]["better"] is False

    # fixed again: the next report says so
    assert run(args, settings, ask=Oracle())[0] == 0
    third = json.loads((report / "last_run.json").read_text("utf-8"))
    assert [c["id"] for c in third["changes"]["fixed"]] == ["aw-02"]


def test_last_run_kept_in_data_dir_without_report(tmp_path, settings):
    gold = write_gold(tmp_path)
    assert run(["run", "--gold", str(gold), "--no-progress"], settings, ask=Oracle())[0] == 0
    (kept,) = (settings.data_dir / "evals").glob("last_run-*.json")
    # Another set of gold files keeps its own previous run; the first one is untouched.
    other = tmp_path / "other"
    other.mkdir()
    other_gold = write_gold(other)
    assert run(["run", "--gold", str(other_gold), "--no-progress"], settings, ask=Oracle())[0] == 0
    assert len(list((settings.data_dir / "evals").glob("last_run-*.json"))) == 2
    assert kept.is_file()


def test_baseline_side_by_side(tmp_path, settings):
    gold = write_gold(tmp_path)
    naive = Oracle(broken=["aw-01", "aw-02", "dept-01"])
    report = tmp_path / "r"
    code, out, _ = run(
        [
            "run",
            "--gold",
            str(gold),
            "--json",
            "--baseline",
            "naive",
            "--report",
            str(report),
            "--no-progress",
        ],
        settings,
        ask=Oracle(),
        baseline_ask=naive,
    )
    assert code == 0  # thresholds apply to the system, not the baseline
    result = json.loads(out)
    assert result["baseline"].keys() >= CONTRACT_KEYS
    assert result["baseline"]["name"] == "naive"
    assert result["summary"]["pass_rate"] == 1.0 and result["baseline"]["pass_rate"] == 0.4
    assert "baseline (naive)" in (report / "report.html").read_text("utf-8")
    assert "baseline (naive)" in (report / "report.md").read_text("utf-8")
