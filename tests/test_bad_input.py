"""Bad input where it enters: the API, ``python -m assistant`` and ``python -m knowledge add``.

Each gets a clear message (Chinese for end users) and a 4xx / exit status 2, never a 5xx or a
traceback. The API cases run against the real server (``live_server``); the CLI cases run
the real commands in a subprocess with their own data folder. tests/test_api.py already
covers empty / over-long / wrongly-typed bodies and award input types; this file adds the
characters people paste (control, zero-width, bidi, emoji, mixed scripts, markup), amounts
that cannot be real, odd JSON, and the command lines. The browser side of markup (no script
runs on the page) is tests/test_web.py::test_user_text_is_never_run_as_script.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge.settings import PROJECT_ROOT, Settings
from tests.conftest import LiveServer, server_env

pytestmark = pytest.mark.slow

FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}  # control, format (zero-width, bidi), surrogates


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as c:
        yield c


def assert_4xx(r: httpx.Response, *statuses: int) -> str:
    """A 4xx with JSON ``{"error": "<message>"}`` and no stack trace; returns the message."""
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert body["error"].strip()
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def ask(client: httpx.Client, question: str, **extra: Any) -> httpx.Response:
    return client.post("/api/ask", json={"question": question, **extra})


# -- API: what people paste -------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "流\u200b片\u200c补\u200d贴\ufeff多少？",  # zero-width space / joiners / BOM
        "\u202e流片补贴多少？\u202c",  # right-to-left override (can disguise text)
        "\u2066流片\u2069补贴\u200f多少？",  # bidi isolates and marks
        "流片\x07补贴\x1b[31m多少？\x00",  # bell, an ANSI escape, NUL
        "流片补贴多少？\r\n\t",
    ],
    ids=["zero-width", "rlo", "bidi-isolates", "control", "crlf-tab"],
)
def test_invisible_characters_are_removed_and_answered(client: httpx.Client, question: str) -> None:
    r = ask(client, question)
    assert r.status_code == 200, r.text
    body = r.json()
    echoed = body["question"]
    assert not [ch for ch in echoed if unicodedata.category(ch) in FORBIDDEN_CATEGORIES], echoed
    assert "流片补贴" in echoed.replace(" ", "").replace("[31m", "")
    # The hidden characters change nothing: the tape-out clause is found as for plain text.
    assert "四.10" in [c["id"] for c in body["citations"][:3]], body["citations"]
    assert not body["refused"]


@pytest.mark.parametrize(
    "question",
    ["\u200b\u200c\u200d", "\u202e\u202c", "\x00\x01\x02", "\ufeff \u3000 \t"],
    ids=["zero-width-only", "bidi-only", "control-only", "bom-and-spaces"],
)
def test_only_invisible_characters_is_an_empty_question(
    client: httpx.Client, question: str
) -> None:
    message = assert_4xx(ask(client, question), 400)
    assert "不能为空" in message


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("🚀🚀 我们首轮流片花了800万元，能补多少？😀👍", "四.10"),
        ("Our chip tape-out 首轮流片 cost 800万元, how much subsidy? 能补多少", "四.10"),
        ("流片補貼有多少？（繁體）", "四.10"),
        ("ＡＩ芯片首轮流片补助比例是多少？", "四.10"),  # full-width Latin
    ],
    ids=["emoji", "english-chinese", "traditional", "full-width"],
)
def test_emoji_and_mixed_languages_are_answered(
    client: httpx.Client, question: str, clause: str
) -> None:
    r = ask(client, question)
    assert r.status_code == 200, r.text
    body = r.json()
    assert has_chinese(body["answer"])
    assert clause in [c["id"] for c in body["citations"][:3]], body["citations"]


def test_emoji_only_is_answered_politely(client: httpx.Client) -> None:
    r = ask(client, "🙂🙂🙂")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refused"] is True and body["citations"] == []
    assert "12345" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>流片补贴多少？",
        "流片补贴</textarea><svg onload=alert(1)>",
        '{"question": "嵌套"}',
        "'; DROP TABLE exchanges; --",
    ],
    ids=["script", "img-onerror", "svg", "json-in-text", "sql"],
)
def test_markup_and_code_come_back_as_data(
    live_server: LiveServer, client: httpx.Client, question: str
) -> None:
    r = ask(client, question)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")  # never rendered as HTML
    echoed = r.json()["question"]
    assert unicodedata.normalize("NFKC", echoed) == unicodedata.normalize("NFKC", question).strip()
    # The log stored it as a value, verbatim (and the SQL in it did nothing).
    conn = sqlite3.connect(live_server.log_path)
    try:
        stored = conn.execute(
            "SELECT question FROM exchanges WHERE id = ?", (r.json()["exchange_id"],)
        ).fetchone()
    finally:
        conn.close()
    assert stored == (echoed,)


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("我们首轮流片花了-800万元，能补多少？", "负数"),
        ("我们首轮流片花了1e30元，能补多少？", "过大"),
        ("我们首轮流片花了999999999999999999亿元，能补多少？", "过大"),
    ],
    ids=["negative", "1e30", "absurd-yi"],
)
def test_absurd_amounts_in_questions_are_questioned_not_computed(
    client: httpx.Client, question: str, says: str
) -> None:
    r = ask(client, question)
    assert r.status_code == 200, r.text
    body = r.json()
    award = body["award"]
    assert award is not None and award["rule"] == "四.10"
    assert award["amount_yuan"] in (None, 0)
    assert award["eligible"] is not True
    assert says in body["answer"]


# -- API: amounts, rules and JSON shapes --------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": -5}}',
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": 1e308}}',
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": 1' + b"0" * 60 + b"}}",
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": "NaN"}}',
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": Infinity}}',
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": "' + "亿".encode() * 3000 + b'"}}',
        b'{"rule": "\\u56db.10", "inputs": {"tapeout_cost_yuan": "' + b"9" * 5000 + b'"}}',
    ],
    ids=["negative", "1e308", "1e60-int", "nan-text", "infinity-literal", "yi-x3000", "9x5000"],
)
def test_award_absurd_and_negative_amounts(client: httpx.Client, content: bytes) -> None:
    message = assert_4xx(
        client.post("/api/award", content=content, headers={"content-type": "application/json"}),
        422,
    )
    assert has_chinese(message)


@pytest.mark.parametrize(
    "rule",
    ["", "\x00", "四.10'; DROP TABLE exchanges; --", "四" * 10000, "<script>", "四.10\u202e"],
    ids=["empty", "nul", "sql", "10k-chars", "markup", "bidi"],
)
def test_award_unknown_rule_ids(client: httpx.Client, rule: str) -> None:
    r = client.post("/api/award", json={"rule": rule, "inputs": {"tapeout_cost_yuan": "800万"}})
    message = assert_4xx(r, 404, 422)
    assert "规则" in message
    assert len(message) < 400  # the input is not echoed back in full


def test_award_unknown_input_names_the_accepted_ones(client: httpx.Client) -> None:
    r = client.post("/api/award", json={"rule": "四.10", "inputs": {"x": "abc"}})
    message = assert_4xx(r, 422)
    assert "x" in message and "tapeout_cost_yuan" in message


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/api/ask", b'{"question": ' + b"[" * 50000 + b"]" * 50000 + b"}"),
        ("/api/award", b'{"rule": "x", "inputs": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}"),
        ("/api/ask", '{"question": "caf\xe9"}'.encode("latin-1")),
        ("/api/ask", json.dumps({"question": "流" * 2_000_000}).encode()),
        ("/api/ask", json.dumps({"question": "流片", "history": ["问"] * 10000}).encode()),
        ("/api/ask", json.dumps({"question": {"text": "流片"}}).encode()),
        ("/api/ask", json.dumps({"question": True}).encode()),
        ("/api/ask", b"null"),
        ("/api/award", json.dumps({"rule": ["四.10"], "inputs": {}}).encode()),
        ("/api/award", json.dumps({"rule": "四.10", "inputs": "800万"}).encode()),
        ("/api/award", json.dumps({"rule": "四.10", "inputs": None}).encode()),
        ("/api/feedback", json.dumps({"exchange_id": "one", "vote": "up"}).encode()),
        (
            "/api/feedback",
            json.dumps({"exchange_id": 1, "vote": "up", "comment": "x" * 5000}).encode(),
        ),
    ],
    ids=[
        "deeply-nested",
        "deeply-nested-inputs",
        "latin1-bytes",
        "2M-chars",
        "history-10000",
        "question-object",
        "question-bool",
        "null-body",
        "rule-list",
        "inputs-string",
        "inputs-null",
        "feedback-id-word",
        "feedback-comment-5000",
    ],
)
def test_json_of_the_wrong_shape(client: httpx.Client, path: str, content: bytes) -> None:
    r = client.post(path, content=content, headers={"content-type": "application/json"})
    assert_4xx(r, 400, 404, 413, 422)


def test_unknown_clause_ids_are_404_json(client: httpx.Client) -> None:
    for ref in ("九.99", "<script>alert(1)</script>", "%00", "四" * 500, "..%2F..%2Fetc%2Fpasswd"):
        r = client.get(f"/api/clauses/{ref}")
        assert_4xx(r, 404)


# -- the command lines ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Own data folder (index copied when present, model shared) so nothing touches .data."""
    data_dir = tmp_path_factory.mktemp("cli-data")
    default = Settings()
    if default.index_dir.is_dir():
        shutil.copytree(default.index_dir, data_dir / "index")
    return server_env(data_dir)


def run_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_exit_2(result: subprocess.CompletedProcess, *needles: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == 2, (result.returncode, out[-2000:])
    assert "Traceback" not in out, out[-3000:]
    assert has_chinese(result.stderr + result.stdout)
    for needle in needles:
        assert needle in out, out[-2000:]


def test_cli_ask_empty_question(cli_env: dict[str, str]) -> None:
    assert_exit_2(run_cli(cli_env, "assistant", "ask", "\u200b  ", "--json"), "不能为空")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"question": "不是数组"}', "JSON 字符串数组"),
        ("[1, 2]", "JSON 字符串数组"),
        ("not json at all", "无法读取"),
        (None, "无法读取"),  # missing file
        (b"\xff\xfe\x00\xd8", "无法读取"),  # not text
    ],
    ids=["object", "ints", "not-json", "missing", "binary"],
)
def test_cli_ask_bad_history_file(
    cli_env: dict[str, str], tmp_path: Path, content: str | bytes | None, needle: str
) -> None:
    path = tmp_path / "turns.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, "utf-8")
    result = run_cli(cli_env, "assistant", "ask", "--json", "--history", str(path), "那上限呢？")
    assert_exit_2(result, needle)


@pytest.mark.parametrize(
    ("inputs", "needles"),
    [
        (["x=abc"], ["x", "tapeout_cost_yuan"]),
        (["tapeout_cost_yuan=abc"], ["无法识别"]),
        (["tapeout_cost_yuan=-800万"], ["负数"]),
        (["tapeout_cost_yuan=1e30元"], ["过大"]),
        (["garbage"], ["名称="]),
    ],
    ids=["unknown-input", "not-a-number", "negative", "absurd", "no-equals"],
)
def test_cli_award_bad_inputs(
    cli_env: dict[str, str], inputs: list[str], needles: list[str]
) -> None:
    args = [a for value in inputs for a in ("-i", value)]
    assert_exit_2(run_cli(cli_env, "assistant", "award", "四.10", *args), *needles)


def test_cli_award_unknown_rule(cli_env: dict[str, str]) -> None:
    assert_exit_2(run_cli(cli_env, "assistant", "award", "九.99", "-i", "x=1"), "九.99")


# -- python -m knowledge add -----------------------------------------------------------------


def _empty_docx(path: Path) -> None:
    import docx

    docx.Document().save(str(path))


def _blank_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()  # a page with no text at all, like a scan
    pdf.output(str(path))


def _prose_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    for line in ("今天天气很好，我们去公园散步。", "公园里有很多人在跳舞。", "傍晚我们回家吃饭。"):
        document.add_paragraph(line)
    document.save(str(path))


@pytest.mark.parametrize(
    ("name", "make", "needle"),
    [
        ("empty.docx", _empty_docx, "没有"),
        ("zero.docx", lambda p: p.write_bytes(b""), "空的"),
        ("corrupt.docx", lambda p: p.write_bytes(b"PK\x03\x04 this is not a zip"), "docx"),
        ("zero.pdf", lambda p: p.write_bytes(b""), "空的"),
        ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj << >>\ngarbage"), "PDF"),
        ("blank.pdf", _blank_pdf, "文字"),
        ("prose.docx", _prose_docx, ""),
        (
            "prose.txt",
            lambda p: p.write_text("这是一段没有任何编号结构的文字。\n第二段也没有。\n", "utf-8"),
            "",
        ),
        ("binary.txt", lambda p: p.write_bytes(os.urandom(2048)), ""),
    ],
    ids=[
        "empty-docx",
        "zero-byte-docx",
        "corrupt-docx",
        "zero-byte-pdf",
        "corrupt-pdf",
        "blank-pdf",
        "no-structure-docx",
        "no-structure-txt",
        "binary-txt",
    ],
)
def test_knowledge_add_bad_documents(
    cli_env: dict[str, str], tmp_path: Path, name: str, make: Any, needle: str
) -> None:
    source = tmp_path / name
    make(source)
    result = run_cli(cli_env, "knowledge", "add", str(source), "--slug", "zz-bad-doc")
    assert_exit_2(result, "错误", needle)
    added = Path(cli_env["ASSISTANT_DATA_DIR"]) / "policies"
    assert not added.exists() or not any(added.iterdir()), "a failed add left files behind"


# -- issue 12: slugs, surrogates, sizes, echoes, routes nothing on the page needs -----------------


# "<outside>" stands for the absolute path of a folder outside the data folder (never a real
# system folder: before the fix, `remove /abs/path` deleted whatever it named).
@pytest.mark.parametrize("slug", ["..", "../../x", "<outside>", ".", "a/b", "ZZ", "x\n", "ab\x00"])
def test_remove_refuses_a_slug_that_names_another_folder(tmp_path: Path, slug: str) -> None:
    """``remove ..`` once deleted the whole data folder, log included; ``../../x`` a
    folder outside it."""
    data_dir = tmp_path / "a" / "b" / "data"
    (data_dir / "policies").mkdir(parents=True)
    (data_dir / "log.sqlite3").write_bytes(b"keep")
    outside = tmp_path / "a" / "x"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    env = server_env(data_dir)
    if slug == "<outside>":
        slug = str(outside)
    if "\x00" in slug:  # a NUL cannot be passed in argv; the library refuses it
        from knowledge.catalog import CatalogError, remove_policy

        with pytest.raises(CatalogError):
            remove_policy(Settings(data_dir=data_dir), slug)
        return
    result = subprocess.run(
        [sys.executable, "-m", "knowledge", "remove", slug],
        cwd=data_dir / "policies",  # so that relative paths would reach the test's folders
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_exit_2(result, "政策标识")
    assert (data_dir / "log.sqlite3").read_bytes() == b"keep"
    assert (outside / "keep.txt").read_text() == "keep"


def test_lone_surrogate_in_history_is_answered_and_logged(
    live_server: LiveServer, client: httpx.Client
) -> None:
    # JSON text with lone-surrogate escapes (Python's json module reads them as such).
    body = '{"question": "流片补贴多少", "history": ["\\ud800前问", "\\udfff"]}'.encode()
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["recorded"] is True
    conn = sqlite3.connect(live_server.log_path)
    try:
        (history,) = conn.execute(
            "SELECT history FROM exchanges WHERE id = ?", (answer["exchange_id"],)
        ).fetchone()
    finally:
        conn.close()
    assert json.loads(history) == ["\ufffd前问", "\ufffd"]


def test_history_is_bounded_before_it_is_logged(
    live_server: LiveServer, client: httpx.Client
) -> None:
    history = [f"第{i}个问题" + "很长" * 480 for i in range(50)]
    r = ask(client, "流片补贴多少？", history=history)
    assert r.status_code == 200, r.text
    conn = sqlite3.connect(live_server.log_path)
    try:
        (stored,) = conn.execute(
            "SELECT history FROM exchanges WHERE id = ?", (r.json()["exchange_id"],)
        ).fetchone()
    finally:
        conn.close()
    items = json.loads(stored)
    assert len(items) <= 10 and all(len(h) <= 301 for h in items)
    assert len(stored) < 10_000  # was 50 × 1,000 characters


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_gets_413_in_chinese(client: httpx.Client, chunked: bool) -> None:
    payload = json.dumps({"question": "流片" + "啊" * 400_000}).encode()  # ~1.2 MB
    if chunked:
        r = client.post(
            "/api/ask",
            content=iter([payload[i : i + 65536] for i in range(0, len(payload), 65536)]),
            headers={"content-type": "application/json"},
        )
    else:
        r = client.post("/api/ask", content=payload, headers={"content-type": "application/json"})
    message = assert_4xx(r, 413)
    assert has_chinese(message) and "KB" in message


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/award", {"rule": "四.10", "inputs": {"tapeout_cost_yuan": "九" * 100_000}}),
        ("/api/award", {"rule": "四." + "1" * 100_000, "inputs": {}}),
        ("/api/ask", {"question": "流" * 100_000}),
        ("/api/clauses/" + "四" * 2_000, None),
        ("/api/feedback", {"exchange_id": 1, "vote": "x" * 100_000, "token": "t"}),
    ],
    ids=["award-input", "award-rule", "ask", "clause-id", "feedback-vote"],
)
def test_error_messages_quote_only_a_short_prefix(
    client: httpx.Client, path: str, body: dict | None
) -> None:
    r = client.get(path) if body is None else client.post(path, json=body)
    assert 400 <= r.status_code < 500, r.text[:300]
    assert len(r.content) < 2_000, len(r.content)


def test_upload_route_is_refused_and_stores_nothing(client: httpx.Client, tmp_path: Path) -> None:
    r = client.post(
        "/gradio_api/upload", files={"files": ("evil.html", b"<script>alert(1)</script>" * 1000)}
    )
    assert r.status_code == 404, r.text[:300]
    assert r.json()["error"]
    r = client.post("/gradio_api/upload?upload_id=x", content=b"x" * 10)
    assert r.status_code == 404


@pytest.mark.parametrize("path", ["/monitoring", "/monitoring/summary", "/monitoring/abc"])
def test_monitoring_is_not_served_anonymously(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "latency" not in r.text.lower() and "count" not in r.text.lower()


def test_healthz_shows_no_paths_or_exception_text(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    text = json.dumps(body, ensure_ascii=False)
    assert "/" not in text.replace("multilingual-e5-small", ""), text  # no absolute path
    assert "Error" not in text and "Traceback" not in text
    assert body["log"]["writable"] is True and body["log"]["disk"]["state"] in ("ok", "low")


def test_page_search_is_bounded_on_the_server(client: httpx.Client) -> None:
    """The clause search box has max_length=200 in the browser only; the server cuts too."""

    def search(query: str) -> Any:
        r = client.post("/gradio_api/call/search_clauses", json={"data": [query]})
        assert r.status_code == 200, r.text[:300]
        event_id = r.json()["event_id"]
        stream = client.get(f"/gradio_api/call/search_clauses/{event_id}")
        assert "event: complete" in stream.text, stream.text[:500]
        return stream.text.split("event: complete", 1)[1]

    head = "流片补贴" * 50  # 200 characters
    assert search(head + "啊" * 300_000) == search(head)  # the rest never reaches the search


def _chat_call(client: httpx.Client, body: bytes) -> list[Any]:
    """One turn through the page's public ``chat`` event; the outputs of its last event."""
    r = client.post(
        "/gradio_api/call/chat", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text[:300]
    stream = client.get(f"/gradio_api/call/chat/{r.json()['event_id']}").text
    assert "event: error" not in stream, stream[-1000:]
    assert "event: complete" in stream, stream[-1000:]
    data = stream.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    return json.loads(data)


def test_lone_surrogate_in_a_chat_turn_does_not_break_the_conversation(
    client: httpx.Client,
) -> None:
    first = _chat_call(client, '{"data": ["流片\\ud800补贴多少", []]}'.encode())
    history = first[0]
    shown = json.dumps(history)
    assert "\\ud800" not in shown and "\\ufffd" in shown  # replaced where it came in
    assert len(history) >= 2  # the question and its answer
    # The next turn carries the conversation so far and still gets its answer.
    body = json.dumps({"data": ["那上限呢？", history]}).encode()
    second = _chat_call(client, body)
    assert len(second[0]) > len(history)
