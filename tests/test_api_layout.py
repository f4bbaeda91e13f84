"""The API's shape, as split over ui/api_*.py: the documented routes and their response
models, the 405 catch-all knowing every route's methods, and the names ``ui.api`` exports.
Built without loading the assistant (no model, no index): only the wiring is under test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from knowledge.settings import Settings
from ui.api import build_api
from ui.service import Service

# (path, method) → the schema of its 200 answer, as the API has documented it since CONTRACT §5.
ROUTES = {
    ("/healthz", "get"): "#/components/schemas/HealthOut",
    ("/api/ask", "post"): "#/components/schemas/AskResponse",
    ("/api/clauses", "get"): "#/components/schemas/ClauseOut",  # a list of them
    ("/api/clauses/{clause_id}", "get"): "#/components/schemas/ClauseWithGuide",
    ("/api/rules", "get"): "#/components/schemas/RuleOut",  # a list of them
    ("/api/award", "post"): "#/components/schemas/AwardResult",
    ("/api/feedback", "post"): "#/components/schemas/FeedbackResponse",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    data = Path(tmp_path_factory.mktemp("data"))
    return TestClient(build_api(Service(Settings(data_dir=data))))


def _ok_schema(operation: dict) -> str:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return schema.get("$ref") or schema["items"]["$ref"]


def test_documented_routes_and_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    found = {
        (path, method): _ok_schema(op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    assert found == ROUTES
    ask = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert ask["question"]["minLength"] == 1 and "pattern" in ask["question"]
    assert isinstance(
        spec["components"]["schemas"]["FeedbackRequest"]["properties"]["exchange_id"]["maximum"],
        int,
    )


@pytest.mark.parametrize(("path", "method"), sorted(ROUTES))
def test_wrong_method_names_the_right_one(client: TestClient, path: str, method: str) -> None:
    other = "DELETE" if method == "get" else "PUT"
    r = client.request(other, path.replace("{clause_id}", "四.10"))
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == method.upper()
    assert "error" in r.json()


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404 and "error" in r.json()


def test_public_names_stay_in_ui_api() -> None:
    import ui.api

    for name in ui.api.__all__:
        assert getattr(ui.api, name) is not None
    assert {"build_api", "AskResponse", "AskRequest", "ERRORS", "short"} <= set(ui.api.__all__)
