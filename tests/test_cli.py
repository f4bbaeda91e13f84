"""The command lines as people and scripts use them: real subprocesses, real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow
CONTRACT_KEYS = {"question", "answer", "refused", "citations", "award", "latency_ms"}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli")
    return {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data),
        "ASSISTANT_EMBEDDING_MODEL": str(Settings().default_model_dir),
        "ASSISTANT_TODAY": "2026-11-28",
        "HF_HUB_OFFLINE": "1",
    }


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        env=env,
        cwd=PROJECT_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ask_json_is_the_contract_object(env: dict[str, str]) -> None:
    result = run(env, "assistant", "ask", "我们首轮流片花了800万元，能补多少？", "--json")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, "exactly one JSON object on stdout"
    body = json.loads(lines[0])
    assert body.keys() >= CONTRACT_KEYS
    assert "\\u" not in lines[0], "UTF-8, not ASCII-escaped"
    assert body["award"]["amount_yuan"] == 3_200_000
    assert body["citations"][0]["id"] == "四.10"
    assert body["citations"][0]["departments"] == ["市工信局", "市财政局"]


def test_ask_with_history_file(env: dict[str, str], tmp_path: Path) -> None:
    turns = tmp_path / "turns.json"
    turns.write_text(json.dumps(["首轮流片补助怎么算？"], ensure_ascii=False), "utf-8")
    result = run(
        env, "assistant", "ask", "--json", "--history", str(turns), "如果费用是500万元呢？"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["award"]["amount_yuan"] == 2_000_000


def test_ask_human_output_has_the_clause_id_in_front(env: dict[str, str]) -> None:
    result = run(env, "assistant", "ask", "标识解析二级节点怎么奖励？")
    assert result.returncode == 0, result.stderr
    # the answer opens with its conclusion, which names the clause first (四.5“…”：…)
    assert result.stdout.startswith("四.5")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assistant", "ask", "   "], "不能为空"),
        (["assistant", "ask", "x", "--history", "/nonexistent.json"], "无法读取"),
        (["assistant", "award", "四.10", "-i", "tapeout_cost_yuan=很多钱"], ""),
        (["assistant", "award", "九.99"], ""),
    ],
)
def test_bad_input_exits_2_with_a_message(env, args, message) -> None:
    result = run(env, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr


def test_award_command(env: dict[str, str]) -> None:
    result = run(env, "assistant", "award", "四.10", "-i", "tapeout_cost_yuan=800万", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["amount_yuan"] == 3_200_000
    listing = run(env, "assistant", "award", "--list")
    assert "四.10" in listing.stdout and "四.17" in listing.stdout


def test_chat_session_reset_json_and_eof(env: dict[str, str]) -> None:
    script = (
        "首轮流片补助怎么算？\n如果费用是500万元呢？\n/json\n那上限呢？\n/reset\n找哪个部门？\n"
    )
    result = run(env, "assistant", "chat", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "200万元" in result.stdout
    assert '"amount_yuan": 2000000' in result.stdout  # /json switched the output
    assert "已开始新的对话" in result.stdout


def test_knowledge_list_show_and_logs(env: dict[str, str]) -> None:
    assert "zhengzhou-ngit-2022" in run(env, "knowledge", "list").stdout
    shown = run(env, "knowledge", "show", "四.8")
    assert "责任单位：市工信局、市财政局、市科技局、郑州高新区管委会" in shown.stdout
    assert run(env, "knowledge", "show", "四.99").returncode == 1
    logs = run(env, "assistant", "logs", "--format", "jsonl", "--limit", "50")
    assert logs.returncode == 0, logs.stderr
    assert "首轮流片" in logs.stdout  # the questions above were logged
