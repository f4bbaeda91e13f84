"""The runner against a URL: a real HTTP server on loopback answering with a test double."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evals.runner import main
from knowledge.settings import Settings
from tests.test_evals_runner import GOLD, Oracle, write_gold


@pytest.fixture
def server():
    oracle = Oracle(broken=["aw-02"])
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(200, {"status": "ok"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            if self.path != "/api/ask":
                self._send(404, {"error": "not found"})
            elif body["question"] == GOLD[2]["question"]:
                self._send(422, {"error": "问题太长了"})
            else:
                self._send(200, oracle(body["question"], body.get("history", [])))

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def test_runner_posts_to_api_ask(tmp_path, server):
    url, seen = server
    gold = write_gold(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["run", "--gold", str(gold), "--url", url, "--json", "--no-progress"],
        settings=Settings(data_dir=tmp_path / "d"),
        stdout=out,
        stderr=err,
    )
    assert code == 1
    result = json.loads(out.getvalue())
    assert result["run"]["target"] == url
    failing = {c["id"]: c["reasons"] for c in result["cases"] if not c["passed"]}
    assert set(failing) == {"aw-02", "dept-01"}
    assert failing["dept-01"] == ["error: AskFailed: HTTP 422: 问题太长了"]
    # multi-turn history travels in the body (plus one untimed warm-up request first)
    assert {"question": "那上限呢？", "history": ["首轮流片补助怎么算？"]} in seen
    assert len(seen) == len(GOLD) + 1


def test_unreachable_url_exits_2(tmp_path):
    gold = write_gold(tmp_path)
    err = io.StringIO()
    code = main(
        ["run", "--gold", str(gold), "--url", "http://127.0.0.1:9"],
        settings=Settings(data_dir=tmp_path / "d"),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == 2 and "nothing answers at http://127.0.0.1:9" in err.getvalue()
