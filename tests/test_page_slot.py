"""The web page is built after the API answers: what ``/`` and ``/healthz`` say meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from knowledge.settings import Settings
from ui.page_slot import LOADING_TEXT
from ui.server import create_app


def test_page_loading_notice_then_the_page(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_failing_factory(settings: Settings) -> Any:
        release.wait(60)
        raise OSError("model folder unreadable")

    app = create_app(Settings(data_dir=tmp_path), factory=slow_failing_factory)
    with TestClient(app, raise_server_exceptions=False) as tc:
        # The API answers at once; the page waits for the assistant's load.
        health = tc.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "loading" and health.json()["page"] == "loading"
        page = tc.get("/", headers={"accept": "text/html"})
        assert page.status_code == 503 and page.headers["retry-after"]
        assert page.headers["content-type"].startswith("text/html")
        assert LOADING_TEXT in page.text and 'http-equiv="refresh"' in page.text
        # Gradio's own paths meanwhile: a short JSON error, never a 500 or a hang.
        api = tc.get("/gradio_api/info")
        assert api.status_code == 503 and "页面正在加载" in api.json()["error"]

        release.set()
        assert app.state.page.wait(120)
        assert tc.get("/healthz").json()["page"] == "ready"
        page = tc.get("/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
