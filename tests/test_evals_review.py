"""``python -m evals review``: the queue read from a real SQLite conversation log (written by
assistant.log), accept/reject/skip, provenance, the append-only history, duplicates, and the
interactive prompts. No model: the exchanges are logged answers built here."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.answer import Answer, AwardResult, Citation
from assistant.log import ConversationLog
from evals.cases import load_cases
from evals.review import HISTORY_FILE, REVIEWED_FILE, main, parse_amount, question_key
from evals.runner import main as evals_main
from knowledge.settings import Settings


def _answer(question: str, amount: int | None = None, cite: str = "四.10") -> Answer:
    award = (
        AwardResult(rule=cite, amount_yuan=amount, steps=[f"{amount}元"])
        if amount is not None
        else None
    )
    return Answer(
        question=question,
        answer=f"答复 {question}",
        citations=[Citation(id=cite, policy="p", title="首轮流片", text="…", score=0.5)],
        award=award,
        awards=[award] if award else [],
    )


@pytest.fixture
def log(tmp_path: Path) -> tuple[ConversationLog, dict[str, int]]:
    """Four exchanges: disliked with a reason, liked, liked with a comment, no feedback."""
    log = ConversationLog(tmp_path / "log.sqlite3")
    ids = {
        "down": log.record(_answer("流片花了800万能补多少？", 5_000_000), channel="web"),
        "up": log.record(_answer("百强奖励多少？", 3_000_000), channel="api"),
        "comment": log.record(
            _answer("那上限呢？"), history=["首轮流片补助怎么算？"], channel="web"
        ),
        "silent": log.record(_answer("你好"), channel="web"),
    }
    log.feedback(ids["down"], "down", "金额算错了，应该是320万")
    log.feedback(ids["up"], "up")
    log.feedback(ids["comment"], "up", "答对了但没说上限", correct_answer="上限500万元")
    return log, ids


@pytest.fixture
def gold_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "written.jsonl").write_text(
        json.dumps(
            {
                "id": "aw-1",
                "category": "award",
                "source": "written",
                "question": "首次进入百强奖多少？",
                "expect": {"citations_any": ["四.1"], "amount_yuan": 3000000},
            },
            ensure_ascii=False,
        )
        + "\n",
        "utf-8",
    )
    return folder


def review(argv: list[str], log: ConversationLog, gold_dir: Path, **kw) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [*argv, "--log", str(log.path), "--gold-dir", str(gold_dir)],
        stdout=out,
        stderr=err,
        **kw,
    )
    return code, out.getvalue(), err.getvalue()


def history(gold_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (gold_dir / HISTORY_FILE).read_text("utf-8").splitlines()]


def test_queue_lists_disliked_and_commented_newest_first(log, gold_dir):
    log_, ids = log
    code, out, _ = review(["--list", "--json"], log_, gold_dir)
    assert code == 0
    queue = json.loads(out)
    assert [q["exchange_id"] for q in queue] == [ids["comment"], ids["down"]]
    down = queue[1]
    assert down["reason"] == "金额算错了，应该是320万"
    assert down["vote"] == "down"
    assert down["awards"][0]["amount_yuan"] == 5_000_000
    assert down["citations"][0]["id"] == "四.10"
    assert queue[0]["history"] == ["首轮流片补助怎么算？"]
    assert queue[0]["correct_answer"] == "上限500万元"
    assert down["correct_answer"] is None
    code, text, _ = review(["--list"], log_, gold_dir)
    assert "金额算错了" in text and str(ids["down"]) in text
    assert "correct: 上限500万元" in text


def test_log_without_correct_answer_column_is_read(tmp_path, gold_dir):
    """A log written before the feedback table had correct_answer (schema 3) still queues."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """CREATE TABLE exchanges (id INTEGER PRIMARY KEY, created_at TEXT, channel TEXT,
               question TEXT, history TEXT, answer TEXT, refused INTEGER, citations TEXT,
               award TEXT, latency_ms REAL);
           CREATE TABLE feedback (id INTEGER PRIMARY KEY, exchange_id INTEGER,
               created_at TEXT, vote TEXT, comment TEXT);
           INSERT INTO exchanges VALUES (7, '2026-11-30T10:00:00', 'web', '流片补多少？', '[]',
               '答', 0, '[{"id": "四.10", "title": "t"}]', NULL, 1.0);
           INSERT INTO feedback VALUES (1, 7, '2026-11-30T10:01:00', 'down', '不对');"""
    )
    conn.commit()
    conn.close()
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--list", "--json", "--log", str(path), "--gold-dir", str(gold_dir)],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    (item,) = json.loads(out.getvalue())
    assert item["exchange_id"] == 7 and item["reason"] == "不对"
    assert item["correct_answer"] is None and item["citations"][0]["id"] == "四.10"


def test_accept_writes_a_case_with_provenance_the_runner_scores(log, gold_dir, tmp_path):
    log_, ids = log
    expect = {"citations_any": ["四.10"], "must_include": ["320万"], "amount_yuan": 3200000}
    code, out, err = review(
        ["--accept", str(ids["down"]), "--expect-json", json.dumps(expect), "--reviewer", "王芳"],
        log_,
        gold_dir,
    )
    assert code == 0, err
    (case,) = [json.loads(x) for x in (gold_dir / REVIEWED_FILE).read_text("utf-8").splitlines()]
    assert case == json.loads(out)
    assert case["id"] == f"rv-{ids['down']}" and case["source"] == "reviewed"
    assert case["question"] == "流片花了800万能补多少？" and case["expect"] == expect
    assert case["category"] == "award" and len(case["date"]) == 10
    prov = case["provenance"]
    assert prov["exchange_id"] == ids["down"] and prov["reviewer"] == "王芳"
    assert prov["reason"] == "金额算错了，应该是320万"
    assert prov["logged_amounts"] == [5_000_000]
    (entry,) = history(gold_dir)
    assert entry["decision"] == "accept" and entry["case_id"] == case["id"]
    # it has left the queue, and a second accept is refused
    _, out, _ = review(["--list", "--json"], log_, gold_dir)
    assert ids["down"] not in [q["exchange_id"] for q in json.loads(out)]
    code, _, err = review(
        ["--accept", str(ids["down"]), "--expect-json", json.dumps(expect)], log_, gold_dir
    )
    assert code == 2 and "already accepted" in err
    # the runner reads the folder (the history file is not a gold file) and scores the case
    cases = load_cases([gold_dir])
    assert {c.id for c in cases} == {"aw-1", case["id"]}

    def wrong(question, history):  # the logged mistake, replayed
        return _answer(question, 5_000_000).model_dump()

    out_buf = io.StringIO()
    code = evals_main(
        ["run", "--gold", str(gold_dir / REVIEWED_FILE), "--json", "--no-progress"],
        ask=wrong,
        settings=Settings(data_dir=tmp_path / "d"),
        stdout=out_buf,
        stderr=io.StringIO(),
    )
    run = json.loads(out_buf.getvalue())
    assert code == 1
    assert run["summary"]["wrong_amount_cases"] == [case["id"]]
    assert run["summary"]["by_source"]["reviewed"]["cases"] == 1


def test_multi_turn_exchange_becomes_turns(log, gold_dir):
    log_, ids = log
    code, out, _ = review(
        ["--accept", str(ids["comment"]), "--expect-json", '{"citations_any": ["四.10"]}'],
        log_,
        gold_dir,
    )
    assert code == 0
    case = json.loads(out)
    assert case["turns"] == ["首轮流片补助怎么算？", "那上限呢？"] and "question" not in case
    assert case["category"] == "reviewed"


def test_reject_needs_a_reason_and_history_is_appended_never_rewritten(log, gold_dir):
    log_, ids = log
    code, _, err = review(["--reject", str(ids["comment"])], log_, gold_dir)
    assert code == 2 and "--reason" in err
    assert not (gold_dir / HISTORY_FILE).exists()
    code, _, _ = review(
        ["--reject", str(ids["comment"]), "--reason", "用户误解", "--reviewer", "李"],
        log_,
        gold_dir,
    )
    assert code == 0
    before = (gold_dir / HISTORY_FILE).read_text("utf-8")
    review(["--accept", str(ids["down"]), "--expect-json", '{"refuse": false}'], log_, gold_dir)
    after = (gold_dir / HISTORY_FILE).read_text("utf-8")
    assert after.startswith(before)
    assert [e["decision"] for e in history(gold_dir)] == ["reject", "accept"]
    assert history(gold_dir)[0]["reason"] == "用户误解"
    _, out, _ = review(["--list", "--json"], log_, gold_dir)
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["四.10"]', "JSON object"),
        ('{"citation_any": ["四.10"]}', "citation_any"),
        ('{"amount_yuan": "320万"}', "amount_yuan"),
        ("{}", "checks nothing"),
    ],
)
def test_bad_expectations_exit_2_and_write_nothing(log, gold_dir, expect, message):
    log_, ids = log
    code, _, err = review(["--accept", str(ids["down"]), "--expect-json", expect], log_, gold_dir)
    assert code == 2 and message in err
    assert not (gold_dir / REVIEWED_FILE).exists() and not (gold_dir / HISTORY_FILE).exists()


def test_unknown_exchange_and_missing_log_exit_2(log, gold_dir, tmp_path):
    log_, _ = log
    code, _, err = review(["--accept", "999", "--expect-json", '{"refuse": true}'], log_, gold_dir)
    assert code == 2 and "999" in err
    out, err_buf = io.StringIO(), io.StringIO()
    code = main(["--list", "--log", str(tmp_path / "none.sqlite3")], stdout=out, stderr=err_buf)
    assert code == 2 and "no conversation log" in err_buf.getvalue()


def test_duplicate_question_is_flagged(tmp_path, gold_dir):
    log = ConversationLog(tmp_path / "dup.sqlite3")
    eid = log.record(_answer("首次进入百强 奖多少?", 3_000_000), channel="web")  # spacing, width
    log.feedback(eid, "down", "没说清楚")
    _, out, _ = review(["--list", "--json"], log, gold_dir)
    assert json.loads(out)[0]["duplicate_of"] == "aw-1"
    code, out, err = review(
        ["--accept", str(eid), "--expect-json", '{"amount_yuan": 3000000}'], log, gold_dir
    )
    assert code == 0 and "duplicates gold case aw-1" in err
    assert json.loads(out)["duplicate_of"] == "aw-1"
    assert history(gold_dir)[0]["duplicate_of"] == "aw-1"


def test_fresh_file_is_never_opened(tmp_path, gold_dir, log):
    """fresh.jsonl is held out: its questions are never shown, not even as a duplicate."""
    log_, ids = log
    fresh = gold_dir / "fresh.jsonl"
    held_out = {"id": "fr-1", "question": "流片花了800万能补多少？", "expect": {"refuse": False}}
    fresh.write_text(json.dumps(held_out, ensure_ascii=False) + "\n", "utf-8")
    code, out, err = review(["--list", "--json"], log_, gold_dir)
    assert code == 0, err
    down = next(q for q in json.loads(out) if q["exchange_id"] == ids["down"])
    assert down["duplicate_of"] is None
    assert "fr-1" not in out


def test_interactive_accept_reject_skip(log, gold_dir):
    log_, ids = log
    answers = iter(
        [
            "赵审核",  # reviewer
            # 1st (newest): the commented multi-turn exchange → reject
            "r",
            "",  # an empty reason is asked again
            "不是政策问题",
            # 2nd: the disliked one → accept, with a bad amount retyped
            "a",
            "n",  # refuse?
            "四.10， 四.(三)",
            "320万|市工信局",
            "320万或500万,很多",  # not one whole amount each: asked again
            "320万",
            "y",  # eligible
            "",  # category: default
        ]
    )
    prompts: list[str] = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    code, out, _ = review([], log_, gold_dir, input_fn=fake_input)
    assert code == 0
    assert "1 accepted, 1 rejected, 0 skipped" in out
    assert "金额算错了" in out and "award 四.10" in out  # the exchange was shown
    (case,) = [json.loads(x) for x in (gold_dir / REVIEWED_FILE).read_text("utf-8").splitlines()]
    assert case["expect"] == {
        "citations_any": ["四.10", "四.(三)"],
        "must_include": ["320万", "市工信局"],
        "amount_yuan": 3200000,
        "eligible": True,
        "refuse": False,
    }
    assert case["provenance"]["reviewer"] == "赵审核"
    assert [e["decision"] for e in history(gold_dir)] == ["reject", "accept"]
    assert sum("why reject" in p for p in prompts) == 2
    # nothing left; a skip keeps an exchange in the queue
    log_.feedback(ids["silent"], "down", "答非所问")
    code, out, _ = review(["--reviewer", "赵"], log_, gold_dir, input_fn=lambda p: "s")
    assert "0 accepted, 0 rejected, 1 skipped" in out
    _, out, _ = review(["--list", "--json"], log_, gold_dir)
    assert [q["exchange_id"] for q in json.loads(out)] == [ids["silent"]]


def test_amount_and_question_normalisation():
    assert parse_amount("3200000") == 3200000
    assert parse_amount("320万") == 3200000
    assert parse_amount("3,200,000元") == 3200000
    assert parse_amount("0") == 0
    with pytest.raises(ValueError):
        parse_amount("很多")
    assert question_key(["能补多少？"]) == question_key(["能补 多少?"])
    assert question_key(["能补多少"]) != question_key(["前面", "能补多少"])


def test_python_m_evals_review_dispatches(log, gold_dir):
    log_, _ = log
    out = io.StringIO()
    code = evals_main(
        ["review", "--list", "--json", "--log", str(log_.path), "--gold-dir", str(gold_dir)],
        stdout=out,
        stderr=io.StringIO(),
    )
    assert code == 0 and len(json.loads(out.getvalue())) == 2


def test_python_m_evals_review_interactive_on_stdin(log, gold_dir):
    """The real entry point with real input(): prompts on stdout, answers piped on stdin."""
    import os
    import subprocess
    import sys

    log_, ids = log
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "review",
            "--log",
            str(log_.path),
            "--gold-dir",
            str(gold_dir),
        ],
        input="终端审核\ns\nr\n不是问题\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "reviewer name" in proc.stdout and "0 accepted, 1 rejected, 1 skipped" in proc.stdout
    skipped, rejected = history(gold_dir)
    assert skipped["decision"] == "skip" and skipped["exchange_id"] == ids["comment"]
    assert rejected["decision"] == "reject" and rejected["reviewer"] == "终端审核"
    # stdin closed mid-review: what was decided is kept, no traceback
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "review",
            "--log",
            str(log_.path),
            "--gold-dir",
            str(gold_dir),
            "--reviewer",
            "x",
        ],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "decisions so far are kept" in proc.stderr
