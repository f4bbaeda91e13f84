"""The REST API of CONTRACT §5 against the real server (``python -m ui``) on loopback."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

ANSWER_KEYS = {"question", "answer", "refused", "citations", "award", "latency_ms"}
CITATION_KEYS = {"id", "policy", "title", "text", "departments", "score"}
AWARD_KEYS = {"rule", "eligible", "amount_yuan", "steps", "assumptions", "missing"}
FLOW_QUESTION = "我们首轮流片花了800万元，能补多少？"


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> httpx.Client:
    with live_server.client() as c:
        yield c


def assert_error(r: httpx.Response, *statuses: int) -> str:
    """A 4xx with a JSON body {"error": "<non-empty message>"} and nothing like a trace."""
    assert r.status_code in statuses, (r.status_code, r.text)
    assert 400 <= r.status_code < 500
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert body["error"].strip()
    assert "Traceback" not in r.text
    return body["error"]


def log_rows(server: LiveServer, where: str = "1=1", args: tuple[Any, ...] = ()) -> list[dict]:
    conn = sqlite3.connect(server.log_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM exchanges WHERE {where}", args)]
    finally:
        conn.close()


# -- health and start-up -------------------------------------------------------------------------


def test_healthz_ready(client: httpx.Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["clauses"] >= 57
    assert body["rules"] >= 17
    assert "multilingual-e5-small" in body["model"]


def test_while_loading_answers_503(live_server: LiveServer) -> None:
    # The port opens before the model is loaded; the fixture recorded what it saw meanwhile.
    seen = live_server.while_loading
    assert seen, "server was ready at once: loading happens off the start-up path?"
    for kind, status, body in seen:
        assert status == 503, (kind, status, body)
        if kind == "healthz":
            assert body["status"] == "loading" and body["log"]["writable"] is True
        else:
            assert "加载" in body["error"]


# -- /api/ask ------------------------------------------------------------------------------------


def test_ask_award_question(live_server: LiveServer, client: httpx.Client) -> None:
    r = client.post("/api/ask", json={"question": FLOW_QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.keys() >= ANSWER_KEYS
    # the answer echoes the question as typed (full-width punctuation kept)
    assert body["question"] == FLOW_QUESTION
    assert body["refused"] is False
    assert "四.10" in [c["id"] for c in body["citations"][:3]]
    for c in body["citations"]:
        assert c.keys() >= CITATION_KEYS
    first = next(c for c in body["citations"] if c["id"] == "四.10")
    assert first["departments"] == ["市工信局", "市财政局"]
    assert "首轮流片" in first["text"]
    assert body["award"].keys() >= AWARD_KEYS
    assert body["award"]["amount_yuan"] == 3200000
    assert body["award"]["eligible"] is True
    assert "320万" in body["answer"].replace(" ", "")
    assert isinstance(body["latency_ms"], (int, float)) and body["latency_ms"] > 0
    # logged, with the API channel
    assert isinstance(body["exchange_id"], int)
    rows = log_rows(live_server, "id = ?", (body["exchange_id"],))
    assert len(rows) == 1
    assert rows[0]["channel"] == "api" and rows[0]["question"] == body["question"]
    assert rows[0]["amount_yuan"] == 3200000 and "四.10" in rows[0]["citations"]


def test_ask_follow_up_uses_history(client: httpx.Client) -> None:
    r = client.post(
        "/api/ask",
        json={"question": "那单个企业每年最多能补多少？", "history": ["芯片首轮流片有补贴吗？"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "四.10" in [c["id"] for c in body["citations"][:3]]
    assert "500万" in body["answer"].replace(" ", "")


def test_ask_outside_policy_is_refused(client: httpx.Client) -> None:
    r = client.post("/api/ask", json={"question": "明天郑州天气怎么样？"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refused"] is True
    assert body["citations"] == []
    assert body["award"] is None
    assert "12345" in body["answer"]


def test_ask_markup_comes_back_as_data(client: httpx.Client) -> None:
    question = "<script>alert(1)</script>流片补贴？"
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    # JSON carries it as data (not stripped); the page escapes it
    assert r.json()["question"] == question


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": ""}, 400),
        ({"question": "   \n\t "}, 400),
        ({"question": "流" * 20000}, 400),
        ({"question": 5}, 422),
        ({"question": None}, 422),
        ({"question": ["流片"]}, 422),
        ({"question": "流片补贴？", "history": "earlier"}, 422),
        ({"question": "流片补贴？", "history": [1, 2]}, 422),
        ({"question": "流片补贴？", "history": ["x" * 5000]}, 400),
        ({}, 422),
        ({"history": []}, 422),
        (["流片补贴？"], 422),
        ("流片补贴？", 422),
    ],
    ids=[
        "empty",
        "whitespace",
        "20000-chars",
        "int",
        "null",
        "list",
        "history-str",
        "history-ints",
        "history-too-long",
        "no-question",
        "only-history",
        "json-list",
        "json-string",
    ],
)
def test_ask_bad_input(client: httpx.Client, body: Any, status: int) -> None:
    assert_error(client.post("/api/ask", json=body), status)


def test_ask_over_long_message_is_chinese(client: httpx.Client) -> None:
    message = assert_error(client.post("/api/ask", json={"question": "流" * 20000}), 400)
    assert "过长" in message


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        ('{"question": "流片'.encode(), {"content-type": "application/json"}),
        (b"{question: 1}", {"content-type": "application/json"}),
        (b"\xff\xfe\x00garbage", {"content-type": "application/json"}),
        (b"", {"content-type": "application/json"}),
        (b"question=hi", {"content-type": "application/x-www-form-urlencoded"}),
        (b"just text", {"content-type": "text/plain"}),
    ],
    ids=["truncated", "not-json", "binary", "empty-body", "form", "text"],
)
def test_ask_malformed_body(client: httpx.Client, content: bytes, headers: dict) -> None:
    assert_error(client.post("/api/ask", content=content, headers=headers), 400, 422)


# -- /api/clauses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause_id", "needle"),
    [
        ("四.10", "首轮流片"),
        ("二.(二)", "发展目标"),
        ("序", "本意见"),
        ("三.1", "手机"),
        ("尾", "有效期"),
        ("三", "重点任务"),
    ],
)
def test_clause(client: httpx.Client, clause_id: str, needle: str) -> None:
    r = client.get(f"/api/clauses/{quote(clause_id)}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == clause_id
    assert {"id", "title", "text", "departments"} <= body.keys()
    assert needle in body["title"] + body["text"] + "".join(body["path"])


def test_clause_departments(client: httpx.Client) -> None:
    body = client.get(f"/api/clauses/{quote('四.17')}").json()
    assert body["departments"] == ["市工信局", "市商务局", "市财政局"]
    assert "70%" in body["text"]


@pytest.mark.parametrize(
    "clause_id", ["九.99", "四.999", "nonsense", "四", "x" * 300, "..%2F..%2Fetc", "四.10.1"]
)
def test_unknown_clause_is_404(client: httpx.Client, clause_id: str) -> None:
    # "四" is a chapter without text of its own (unlike "三"), so it has no id
    assert_error(client.get(f"/api/clauses/{quote(clause_id, safe='%')}"), 404)


def test_clause_list(client: httpx.Client) -> None:
    body = client.get("/api/clauses").json()
    ids = [c["id"] for c in body]
    assert ids[0] == "序" and ids[-1] == "尾"
    assert "四.10" in ids and len(ids) == len(set(ids))


# -- /api/rules and /api/award --------------------------------------------------------------------


def test_rules(client: httpx.Client) -> None:
    r = client.get("/api/rules")
    assert r.status_code == 200
    rules = r.json()
    assert len(rules) >= 17
    for rule in rules:
        assert rule["id"] and rule["clause"] and isinstance(rule["inputs"], list)
        for spec in rule["inputs"]:
            assert {"name", "label", "unit", "type"} <= spec.keys()
    tapeout = next(r for r in rules if r["id"] == "四.10")
    assert tapeout["clause"] == "四.10"
    assert "tapeout_cost_yuan" in [s["name"] for s in tapeout["inputs"]]


@pytest.mark.parametrize(
    ("cost", "amount"),
    [("800万", 3200000), (8000000, 3200000), ("800万元", 3200000), ("2000万", 5000000)],
)
def test_award(client: httpx.Client, cost: Any, amount: int) -> None:
    r = client.post("/api/award", json={"rule": "四.10", "inputs": {"tapeout_cost_yuan": cost}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.keys() >= AWARD_KEYS
    assert body["rule"] == "四.10"
    assert body["amount_yuan"] == amount
    assert body["eligible"] is True
    assert body["steps"]


def test_award_missing_input_says_what_is_needed(client: httpx.Client) -> None:
    r = client.post("/api/award", json={"rule": "四.10", "inputs": {}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["amount_yuan"] is None and body["missing"]


def test_award_ruled_out(client: httpx.Client) -> None:
    r = client.post(
        "/api/award",
        json={"rule": "四.10", "inputs": {"tapeout_cost_yuan": "800万", "self_developed": False}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["eligible"] is False and r.json()["amount_yuan"] == 0


def test_award_unknown_rule(client: httpx.Client) -> None:
    message = assert_error(
        client.post("/api/award", json={"rule": "九.99", "inputs": {"x": 1}}), 404
    )
    assert "九.99" in message


@pytest.mark.parametrize(
    "inputs",
    [
        {"tapeout_cost_yuan": [800]},
        {"tapeout_cost_yuan": {"v": 800}},
        {"tapeout_cost_yuan": "很多钱"},
        {"tapeout_cost_yuan": "-800万"},
        {"tapeout_cost_yuan": True},
        {"tapeout_cost_yuan": "1e30元"},
        {"self_developed": "maybe", "tapeout_cost_yuan": "800万"},
        {"no_such_input": 1},
    ],
    ids=["list", "object", "words", "negative", "bool", "absurd", "bad-bool", "unknown-input"],
)
def test_award_wrong_input_types(client: httpx.Client, inputs: dict) -> None:
    assert_error(client.post("/api/award", json={"rule": "四.10", "inputs": inputs}), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"rule": 4.10, "inputs": {}},
        {"rule": "四.10", "inputs": [1]},
        {"inputs": {}},
        {"rule": None},
    ],
    ids=["rule-number", "inputs-list", "no-rule", "rule-null"],
)
def test_award_bad_request_shape(client: httpx.Client, body: dict) -> None:
    assert_error(client.post("/api/award", json=body), 422)


def test_award_malformed_json(client: httpx.Client) -> None:
    r = client.post(
        "/api/award",
        content='{"rule": "四.10", '.encode(),
        headers={"content-type": "application/json"},
    )
    assert_error(r, 400)


# -- /api/feedback (extension) ---------------------------------------------------------------------


def test_feedback_is_stored(live_server: LiveServer, client: httpx.Client) -> None:
    ask = client.post("/api/ask", json={"question": "智能工厂奖励多少？"}).json()
    exchange_id, token = ask["exchange_id"], ask["feedback_token"]
    assert ask["recorded"] is True and isinstance(token, str) and len(token) >= 16
    r = client.post(
        "/api/feedback",
        json={
            "exchange_id": exchange_id,
            "vote": "down",
            "comment": "不够具体",
            "correct_answer": "应写明奖励上限",
            "token": token,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["exchange_id"] == exchange_id
    conn = sqlite3.connect(live_server.log_path)
    try:
        votes = conn.execute(
            "SELECT vote, comment, correct_answer FROM feedback WHERE exchange_id = ?",
            (exchange_id,),
        ).fetchall()
    finally:
        conn.close()
    assert votes == [("down", "不够具体", "应写明奖励上限")]


def test_feedback_needs_the_answers_token_and_does_not_enumerate(client: httpx.Client) -> None:
    """Nobody votes on someone else's exchange, and a stranger cannot tell which ids exist."""
    mine = client.post("/api/ask", json={"question": "流片补贴多少？"}).json()
    theirs = client.post("/api/ask", json={"question": "百强企业奖励多少？"}).json()
    wrong_token = client.post(
        "/api/feedback",
        json={
            "exchange_id": theirs["exchange_id"],
            "vote": "down",
            "token": mine["feedback_token"],
        },
    )
    unknown_id = client.post(
        "/api/feedback",
        json={"exchange_id": 987654321, "vote": "down", "token": mine["feedback_token"]},
    )
    assert wrong_token.status_code == unknown_id.status_code == 404
    assert wrong_token.json() == unknown_id.json()
    assert "987654321" not in unknown_id.text
    no_token = client.post("/api/feedback", json={"exchange_id": mine["exchange_id"], "vote": "up"})
    assert_error(no_token, 422)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"exchange_id": 987654321, "vote": "up", "token": "t"}, 404),
        ({"exchange_id": 1, "vote": "meh", "token": "t"}, 422),
        ({"exchange_id": "abc", "vote": "up", "token": "t"}, 422),
        ({"vote": "up", "token": "t"}, 422),
        ({"exchange_id": 1, "vote": "up", "token": "t", "comment": "x" * 5000}, 422),
        ({"exchange_id": 1, "vote": "up", "token": "t", "correct_answer": "x" * 5000}, 422),
        ({"exchange_id": 1, "vote": "up", "token": ""}, 422),
    ],
    ids=[
        "unknown-exchange",
        "bad-vote",
        "id-not-int",
        "no-id",
        "comment-too-long",
        "correct-answer-too-long",
        "empty-token",
    ],
)
def test_feedback_bad_input(client: httpx.Client, body: dict, status: int) -> None:
    assert_error(client.post("/api/feedback", json=body), status)


# -- everything else ---------------------------------------------------------------------------


def test_unknown_api_path_and_method(client: httpx.Client) -> None:
    assert_error(client.get("/api/nothing-here"), 404)
    assert_error(client.delete("/api/rules"), 405)
    assert_error(client.get("/api/ask"), 405)


def test_openapi_served(client: httpx.Client) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    for path in ("/healthz", "/api/ask", "/api/award", "/api/rules", "/api/clauses/{clause_id}"):
        assert path in paths, path
    assert "exchange_id" in spec["components"]["schemas"]["AskResponse"]["properties"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_web_page_served(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    assert "gradio" in r.text.lower()


def test_eight_parallel_requests_all_answered_and_logged(
    live_server: LiveServer, client: httpx.Client
) -> None:
    before = len(log_rows(live_server))
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with live_server.client() as c:
            r = c.post("/api/ask", json={"question": f"首轮流片花了{100 * (i + 1)}万元能补多少？"})
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 8
    amounts = sorted(r.json()["award"]["amount_yuan"] for r in results)
    assert amounts == sorted(min(400000 * (i + 1), 5000000) for i in range(8))
    assert len(log_rows(live_server)) == before + 8


# -- error paths that need a broken Assistant (in process) -------------------------------------


class _Broken:
    """An Assistant whose every answer fails with a bug, to see the last-resort handler."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def ask(self, question: str, history: Any = ()) -> Any:
        raise RuntimeError("boom: a bug deep in the chain")

    def rules(self) -> list[dict]:
        raise RuntimeError("boom")


def _failing_factory(settings: Any) -> Any:
    raise OSError("model folder unreadable")


def test_unexpected_errors_become_503_json(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from knowledge.settings import Settings
    from ui.server import create_app

    app = create_app(Settings(data_dir=tmp_path), factory=_Broken)
    with TestClient(app, raise_server_exceptions=False) as tc:
        assert app.state.service.wait(30)
        r = tc.post("/api/ask", json={"question": "流片补贴？"})
        assert r.status_code == 503
        assert r.json()["error"] and "boom" not in r.text and "Traceback" not in r.text
        r = tc.get("/api/rules")
        assert r.status_code == 503 and "boom" not in r.text


def test_failed_load_is_reported_not_crashed(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from knowledge.settings import Settings
    from ui.server import create_app

    app = create_app(Settings(data_dir=tmp_path), factory=_failing_factory)
    with TestClient(app, raise_server_exceptions=False) as tc:
        app.state.service.wait(30)
        health = tc.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "error"
        r = tc.post("/api/ask", json={"question": "流片补贴？"})
        assert r.status_code == 503 and "加载失败" in r.json()["error"]
        assert app.state.page.wait(120)  # the page is built after the (failed) load
        assert tc.get("/").status_code == 200  # the page still says what is wrong
