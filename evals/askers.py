"""The answering system of an eval run: the in-process Assistant or a server over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

AskFn = Callable[[str, Sequence[str]], Any]


class AskFailed(RuntimeError):
    """The system gave no answer (HTTP 4xx/5xx, QuestionError, a crash); the case fails."""


def as_answer_dict(answer: Any) -> dict[str, Any]:
    """Accept an ``Answer`` (pydantic), or the CONTRACT §2 dict."""
    if hasattr(answer, "model_dump"):
        return answer.model_dump(mode="json")
    if isinstance(answer, Mapping):
        return dict(answer)
    raise TypeError(f"the answerer returned {type(answer).__name__}, not an answer object")


def in_process_asker(settings: Any) -> tuple[AskFn, Any]:
    """The real system, in this process (no server needed). Returns (ask, assistant)."""
    from assistant.chain import Assistant  # heavy: model and index load here

    assistant = Assistant.from_settings(settings)

    def ask(question: str, history: Sequence[str]) -> Any:
        return assistant.ask(question, history=list(history))

    return ask, assistant


def http_asker(url: str, timeout_s: float = 60.0) -> AskFn:
    """A running service: ``POST {url}/api/ask`` (CONTRACT §5)."""
    import httpx

    client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s)

    def ask(question: str, history: Sequence[str]) -> Any:
        try:
            response = client.post(
                "/api/ask", json={"question": question, "history": list(history)}
            )
        except httpx.HTTPError as e:
            raise AskFailed(f"HTTP request to {url} failed: {e}") from None
        if response.status_code != 200:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            raise AskFailed(f"HTTP {response.status_code}: {str(detail)[:200]}")
        return response.json()

    return ask


def preflight(url: str, timeout_s: float = 10.0) -> None:
    """Fail fast (exit 2) when nothing answers at ``url``, instead of 400 failing cases."""
    import httpx

    try:
        httpx.get(url.rstrip("/") + "/healthz", timeout=timeout_s)
    except httpx.HTTPError as e:
        raise AskFailed(f"nothing answers at {url}: {e}") from None
