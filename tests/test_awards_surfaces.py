"""The award module's surfaces: langchain tools, the CLI command, and the rule listing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from langchain_core.tools import StructuredTool

from assistant.awards import default_rulebook
from assistant.awards.books import RuleBooks
from assistant.awards.cli import award_command, list_rules
from assistant.awards.format import format_money
from assistant.awards.tools import award_tools
from knowledge.settings import Settings

TODAY = date(2024, 6, 1)
BOOKS = RuleBooks.load(Settings())  # the policies a default set-up loads


def test_one_tool_per_rule_with_schema() -> None:
    book = default_rulebook()
    tools = award_tools(book, today=TODAY)
    assert len(tools) == len(book.rules)
    assert all(isinstance(t, StructuredTool) for t in tools)
    names = [t.name for t in tools]
    assert len(set(names)) == len(names) and all(n.isascii() for n in names)
    tool = next(t for t in tools if t.name == "clause4_10_first_tapeout")
    schema = tool.args_schema.model_json_schema()
    assert "tapeout_cost_yuan" in schema["properties"]
    assert "四.10" in tool.description


def test_tool_computes_and_reports_errors() -> None:
    tools = {t.name: t for t in award_tools(default_rulebook(), today=TODAY)}
    out = json.loads(tools["clause4_10_first_tapeout"].invoke({"tapeout_cost_yuan": "800万"}))
    assert out["amount_yuan"] == 3200000 and out["rule"] == "四.10"
    out = json.loads(tools["clause4_10_first_tapeout"].invoke({"tapeout_cost_yuan": "-5"}))
    assert "负数" in out["error"]
    out = json.loads(
        tools["clause4_15_smart_factory_titles"].invoke(
            {"title": "省级智能工厂", "previous_title": "省级智能车间"}
        )
    )
    assert out["amount_yuan"] == 200000


def test_cli_prints_chinese_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code = award_command("四.10", ["tapeout_cost_yuan=800万"], TODAY, as_json=False, books=BOOKS)
    out = capsys.readouterr().out
    assert code == 0
    assert "800万元 × 40% = 320万元" in out and "320万元" in out and "有效期" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = award_command(
        "四.4-服务收入补助",
        ["service_revenue_yuan=1200万", "served_enterprises=300家", "connected_devices=1万台套"],
        TODAY,
        as_json=True,
        books=BOOKS,
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["amount_yuan"] == 3600000


@pytest.mark.parametrize(
    ("rule", "inputs"),
    [
        ("四.10", ["tapeout_cost_yuan=-800万"]),
        ("四.10", ["tapeout_cost_yuan=1e30元"]),
        ("四.10", ["tapeout_cost_yuan"]),
        ("四.10", ["cost=800万"]),
        ("四.99", []),
    ],
)
def test_cli_bad_input_exits_2_with_chinese(
    rule: str, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert award_command(rule, inputs, TODAY, as_json=False, books=BOOKS) == 2
    err = capsys.readouterr().err
    assert err.startswith("输入有误")


def test_list_rules_names_every_rule() -> None:
    text = list_rules(BOOKS)
    for rule_id in default_rulebook().rules:
        assert rule_id in text


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        (3200000, "320万元"),
        (10000000, "1000万元"),
        (2814000, "281.4万元"),
        (5000, "5000元"),
        (1481481, "148.1481万元"),
        (0, "0元"),
    ],
)
def test_money_display_convention(yuan: int, shown: str) -> None:
    assert format_money(yuan) == shown
