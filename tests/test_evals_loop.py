"""The evaluators' whole loop on a real server (``python -m ui`` on loopback, real model and
index): a user asks and dislikes the answer with a reason → ``evals review --accept`` turns the
exchange into a gold case in a temporary gold folder, with provenance → ``evals run --url``
scores that case against the same server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evals.review import HISTORY_FILE, REVIEWED_FILE
from evals.runner import main as evals_main
from knowledge.settings import Settings
from tests.conftest import LiveServer

QUESTION = "我们公司首轮流片花了八百万元，市里能补多少钱？"
REASON = "没有一开头就说能拿多少"
CORRECT = "可补320万元（800万元×40%，未超过500万元上限）"
# Written from the policy text, not from the logged answer: 四.10, 800万 × 40% = 320万 ≤ 500万.
EXPECT = {"citations_any": ["四.10"], "must_include": ["320万"], "amount_yuan": 3200000}


def _evals(argv: list[str], tmp_path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = evals_main(argv, settings=Settings(data_dir=tmp_path / "d"), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_disliked_answer_becomes_a_scored_gold_case(live_server: LiveServer, tmp_path: Path):
    with live_server.client() as client:
        asked = client.post("/api/ask", json={"question": QUESTION})
        assert asked.status_code == 200, asked.text
        body = asked.json()
        exchange_id = body["exchange_id"]
        vote = {
            "exchange_id": exchange_id,
            "vote": "down",
            "comment": REASON,
            "correct_answer": CORRECT,
            "token": body["feedback_token"],  # proves the vote comes from whoever asked
        }
        forged = client.post("/api/feedback", json={**vote, "token": "x" * 32})
        assert forged.status_code == 404, forged.text
        voted = client.post("/api/feedback", json=vote)
        assert voted.status_code == 200, voted.text

    gold = tmp_path / "gold"
    log = str(live_server.log_path)
    common = ["--log", log, "--gold-dir", str(gold)]

    code, out, err = _evals(["review", "--list", "--json", *common], tmp_path)
    assert code == 0, err
    queued = {q["exchange_id"]: q for q in json.loads(out)}
    assert queued[exchange_id]["reason"] == REASON
    assert queued[exchange_id]["correct_answer"] == CORRECT
    assert queued[exchange_id]["question"] == QUESTION
    assert queued[exchange_id]["citations"], "the queue shows what was cited"

    code, out, err = _evals(
        [
            "review",
            "--accept",
            str(exchange_id),
            "--expect-json",
            json.dumps(EXPECT, ensure_ascii=False),
            "--reviewer",
            "loop-test",
            *common,
        ],
        tmp_path,
    )
    assert code == 0, err
    lines = (gold / REVIEWED_FILE).read_text("utf-8").splitlines()
    case = json.loads(lines[-1])
    assert case["question"] == QUESTION and case["expect"] == EXPECT
    assert case["source"] == "reviewed" and case["date"]
    assert case["provenance"]["exchange_id"] == exchange_id
    assert case["provenance"]["reviewer"] == "loop-test"
    assert case["provenance"]["reason"] == REASON
    assert case["provenance"]["correct_answer"] == CORRECT
    decisions = [json.loads(x) for x in (gold / HISTORY_FILE).read_text("utf-8").splitlines()]
    assert decisions[-1]["decision"] == "accept" and decisions[-1]["case_id"] == case["id"]

    lax = tmp_path / "t.yaml"
    lax.write_text("min:\n  pass_rate: 0.0\nmax:\n  wrong_amounts: 0\n", "utf-8")
    code, out, err = _evals(
        [
            "run",
            "--gold",
            str(gold),
            "--url",
            live_server.url,
            "--json",
            "--no-progress",
            "--thresholds",
            str(lax),
        ],
        tmp_path,
    )
    assert code == 0, err
    run = json.loads(out)
    (scored,) = run["cases"]
    assert scored["id"] == case["id"] and scored["source"] == "reviewed"
    assert scored["error"] is None and scored["answer"]
    assert scored["passed"], scored["reasons"]
    assert run["summary"]["by_source"]["reviewed"]["cases"] == 1
    assert run["summary"]["wrong_amounts"] == 0
    assert run["run"]["gold_files"][0]["path"].endswith(REVIEWED_FILE)
