"""The CLI for people: ``award --list`` in Chinese, and ``ask`` says what it is loading."""

from __future__ import annotations

import io
from datetime import date

import pytest

from assistant.awards.cli import KIND_NAMES, list_rules
from assistant.awards.rules import default_rulebook


def test_award_list_is_in_chinese() -> None:
    from assistant.awards.books import RuleBooks
    from knowledge.settings import Settings

    text = list_rules(RuleBooks.load(Settings()))
    book = default_rulebook()
    for rule in book.rules.values():
        assert rule.id in text
        assert f"［计算方式：{KIND_NAMES[rule.kind]}］" in text
    for kind in {r.kind for r in book.rules.values()}:
        assert f"[{kind}]" not in text  # no English type names
    assert "工程产品首轮流片费用" in text and "必填" in text and "输入名：tapeout_cost_yuan" in text
    assert "=yuan" not in text and "=bool" not in text


@pytest.mark.slow
def test_loading_message_with_progress(tmp_path) -> None:
    from assistant.__main__ import load_with_progress
    from knowledge.settings import Settings

    settings = Settings(
        data_dir=tmp_path,
        embedding_model=str(Settings().default_model_dir),
        today=date(2026, 11, 28),
    )
    out = io.StringIO()
    assistant = load_with_progress(settings, progress=False, out=out)
    said = out.getvalue()
    assert said.startswith("正在加载政策助手")
    for n, step in enumerate(("加载嵌入模型", "读取政策文本", "打开检索索引", "准备问答流程"), 1):
        assert f"[{n}/4] {step}……完成（" in said
    assert "加载完成，共" in said
    assert assistant.ask("首轮流片花了800万元，能补多少？").award.amount_yuan == 3_200_000
