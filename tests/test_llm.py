"""LLM mode and the numeric guard.

The guard is unit-tested directly (examples and hypothesis properties). LLM mode is tested
without any real model: the real ``Assistant`` (real knowledge base, real embedding model,
real Chroma) drives the real langchain ``ChatOpenAI`` client against ``tests/fake_openai.py``,
a small OpenAI-compatible server on loopback whose replies each test scripts.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import cn2an
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.answer import Answer
from assistant.guard import answer_numbers, check_numbers, strip_numbering
from tests.fake_openai import Body, FakeOpenAI, last_tool_content, reply, tool_call

# -- the guard ----------------------------------------------------------------------------------

CLAUSE_4_10 = (
    "10.支持芯片企业首轮流片,对企业自主研发设计生产核心芯片(MEMS传感器、5G、网络安全、北斗、"
    "新型显示、智能终端),给予工程产品首轮流片费用40%的补助,单个企业每年补助总额不超过500万元。"
)
STEPS = ["800万元 × 40% = 320万元", "上限500万元，未超过"]
VALIDITY = ["2022年6月2日起实施，有效期三年", "有效期至2025年6月1日"]
HOTLINE = "12345政务服务便民热线"  # policy.yaml contact.hotline, which the composer adds
SOURCES = [CLAUSE_4_10, *STEPS, *VALIDITY, HOTLINE]


@pytest.mark.parametrize(
    "answer",
    [
        "可补助320万元。",
        "可补助3200000元。",
        "可补助3,200,000元。",
        "可补助三百二十万元。",
        "可补助320万。",
        "可补助３２０万元，即首轮流片费用的４０％。",  # full-width digits
        "补助比例为百分之四十，上限五百万元。",
        "补助比例为40%，上限0.05亿元。",
        "本政策有效期3年，至2025年6月1日止（2025-06-01）。",
        "2022年6月2日起实施。",
        "如有疑问可拨打12345热线。",
    ],
)
def test_guard_accepts_the_same_value_in_any_notation(answer: str) -> None:
    report = check_numbers(answer, SOURCES)
    assert report.ok, report
    assert report.checked, "the answer's numbers must have been checked"


@pytest.mark.parametrize(
    ("answer", "offending"),
    [
        ("根据【四.10】，可补贴350万元。", "350万元"),
        ("可补贴三百五十万元。", "三百五十万元"),
        ("补助比例为百分之五十。", "百分之五十"),
        ("上限为40万元。", "40万元"),  # 40 exists, but as a percentage, not money
        ("补助比例为500%。", "500%"),  # 500 exists, but as money
        ("有效期至2026年6月1日。", "2026年"),
        ("可补贴3,500,000元。", "3,500,000元"),
        ("约为0.4倍。", "0.4倍"),
        ("最多可申请4次。", "4次"),
    ],
)
def test_guard_rejects_a_number_not_in_the_sources(answer: str, offending: str) -> None:
    report = check_numbers(answer, SOURCES)
    assert not report.ok
    assert report.reason == "invented number"
    assert offending in report.offending


def test_guard_report_lists_every_offender_once_and_what_it_checked() -> None:
    report = check_numbers("可补贴350万元或350万元，比例40%，另有60万元。", SOURCES)
    assert report.offending == ["350万元", "60万元"]
    assert report.checked == ["350万元", "40%", "60万元"]
    assert report.as_dict() == {
        "ok": False,
        "offending": ["350万元", "60万元"],
        "checked": ["350万元", "40%", "60万元"],
        "reason": "invented number",
    }


@pytest.mark.parametrize(
    "text",
    [
        "根据【四.10】和【三.(一)】",
        "根据四.10、二.(二)与zhengzhou-ngit-2022:四.12",
        "根据第四部分第10条（四.10）和第二部分（二）",
        "1. 首先\n2、其次\n（3）再次\n十、最后",
        "第一，支持5G、4K和MPW；第二，统一标准，一次性奖励，百强企业，千方百计。",
        "（一）按政策办理 ① 申报",
    ],
)
def test_guard_ignores_clause_numbering_ordinals_and_names(text: str) -> None:
    assert answer_numbers(text) == []
    assert check_numbers(text, []).ok


def test_guard_sees_numbers_right_after_numbering() -> None:
    # A figure glued to a clause id or list marker is still a figure.
    assert [n.raw for n in answer_numbers("【四.10】350万元")] == ["350万元"]
    assert [n.raw for n in answer_numbers("1. 补贴350万元\n2. 比例40%")] == ["350万元", "40%"]
    assert "四.10" not in strip_numbering("见四.10") and "见" in strip_numbering("见四.10")


def test_guard_reads_sources_permissively() -> None:
    # 三年 in a source grounds "3年" in the answer; bare numerals count in sources.
    assert check_numbers("有效期3年", ["有效期三年"]).ok
    assert not check_numbers("有效期5年", ["有效期三年"]).ok
    assert check_numbers("补助2.5亿元", ['{"amount_yuan": 250000000}']).ok
    assert check_numbers("补助281.4万元", ["2814000"]).ok
    assert check_numbers("补助十二点五亿元", ["1250000000元"]).ok


# Hypothesis: render one value in a random notation on each side.
def _money_forms(v: int) -> list[str]:
    forms = [f"{v}元", f"{v:,}元", f"{cn2an.an2cn(v)}元"]
    if v >= 10000:
        wan = Decimal(v) / 10000
        text = format(wan.normalize(), "f") if wan != wan.to_integral() else str(int(wan))
        forms += [f"{text}万元", f"{text}万"]
    return forms


def _percent_forms(p: int) -> list[str]:
    return [f"{p}%", f"百分之{cn2an.an2cn(p)}", f"{p}％"]


money = st.integers(min_value=1, max_value=10**10)
percent = st.integers(min_value=1, max_value=100)


@settings(deadline=None)  # a shared 2-core machine: timing is not the property
@given(value=money, data=st.data())
def test_property_a_money_value_from_the_sources_is_accepted(value: int, data: Any) -> None:
    src = data.draw(st.sampled_from(_money_forms(value)))
    ans = data.draw(st.sampled_from(_money_forms(value)))
    report = check_numbers(f"根据【四.10】，可获得{ans}。", [f"给予企业{src}的补助", *VALIDITY])
    assert report.ok, (src, ans, report)


@settings(deadline=None)  # a shared 2-core machine: timing is not the property
@given(value=percent, data=st.data())
def test_property_a_percentage_from_the_sources_is_accepted(value: int, data: Any) -> None:
    src = data.draw(st.sampled_from(_percent_forms(value)))
    ans = data.draw(st.sampled_from(_percent_forms(value)))
    assert check_numbers(f"补助比例为{ans}。", [f"按{src}给予补助"]).ok


@settings(deadline=None)  # a shared 2-core machine: timing is not the property
@given(values=st.lists(money, min_size=1, max_size=4), invented=money, data=st.data())
def test_property_a_money_value_absent_from_the_sources_is_rejected(
    values: list[int], invented: int, data: Any
) -> None:
    assume(invented not in values and invented != 12345)
    sources = [f"给予{data.draw(st.sampled_from(_money_forms(v)))}的奖励" for v in values]
    ans = data.draw(st.sampled_from(_money_forms(invented)))
    grounded = data.draw(st.sampled_from(_money_forms(values[0])))
    report = check_numbers(f"根据【四.10】，可获得{grounded}，另有{ans}。", sources)
    assert not report.ok
    assert report.offending == [ans.strip()]


@settings(deadline=None)  # a shared 2-core machine: timing is not the property
@given(chapter=st.sampled_from("一二三四五六七八九十"), item=st.integers(1, 30))
def test_property_clause_ids_are_never_numbers(chapter: str, item: int) -> None:
    ref = f"{chapter}.{item}"
    text = f"依据【{ref}】即第{chapter}部分第{item}条（{ref}），见{ref}。"
    assert answer_numbers(text) == []


# -- LLM mode through the real Assistant ------------------------------------------------------

MODEL_NAME = "fake-policy-model"
TODAY = date(2024, 3, 1)  # inside the policy's validity period
TOOL_4_10 = "clause4_10_first_tapeout"


def _model_dir() -> Path:
    from knowledge.settings import Settings

    return Settings().default_model_dir


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from knowledge.embedding import is_valid_model_dir
    from knowledge.settings import Settings

    model_dir = _model_dir()
    if not is_valid_model_dir(model_dir):
        pytest.fail(f"embedding model missing at {model_dir}: run `make setup` first")
    data_dir = tmp_path_factory.mktemp("llm-data")
    default = Settings()
    if default.index_dir.is_dir():  # reuse the built index: saves the re-embedding
        shutil.copytree(default.index_dir, data_dir / "index")
    return Settings(data_dir=data_dir, embedding_model=str(model_dir), today=TODAY)


@pytest.fixture(scope="session")
def knowledge(kb_settings: Any) -> Any:
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.open(kb_settings, progress=False)


@pytest.fixture(scope="session")
def plain(kb_settings: Any, knowledge: Any) -> Any:
    """The assistant without a model: its answers are what the fallback must return."""
    from assistant.chain import Assistant

    return Assistant(kb_settings, knowledge)


@pytest.fixture
def make_assistant(
    kb_settings: Any, knowledge: Any, fake_llm: FakeOpenAI
) -> Iterator[Callable[..., Any]]:
    from assistant.chain import Assistant

    def make(**overrides: Any) -> Any:
        settings = kb_settings.model_copy(
            update={
                "llm_model": MODEL_NAME,
                "llm_provider": "openai",
                "llm_base_url": fake_llm.base_url,
                "llm_api_key": "test-key",
                "llm_timeout_s": 10.0,
                **overrides,
            }
        )
        return Assistant(settings, knowledge)

    fake_llm.script()
    yield make
    # A request the fake server found malformed would be a client bug, whatever the test says.
    assert fake_llm.errors == []


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _user_message(body: Body) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def _clause_block(body: Body, ref: str) -> str:
    """The clause text the client put under 【ref】 in the prompt (the fake model 'reads' it)."""
    m = re.search(rf"【{re.escape(ref)}】[^\n]*\n([^\n]+)", _user_message(body))
    assert m, f"clause {ref} not in the prompt"
    return m.group(1)


def _quote_clause(ref: str, prefix: str = "根据") -> Callable[[Body], str]:
    """A grounded reply: cites ref and quotes the sentence of the clause it was given."""

    def build(body: Body) -> str:
        text = _clause_block(body, ref)
        sentence = next(s for s in re.split(r"[。；]", text) if "%" in s or "万元" in s)
        return f"{prefix}【{ref}】，{sentence.split(',', 1)[-1]}。最终以责任单位审核认定为准。"

    return build


def _amount_from_tool(body: Body) -> str:
    from assistant.awards.format import format_money

    result = json.loads(last_tool_content(body))
    return f"根据【四.10】，经测算可获得补助{format_money(result['amount_yuan'])}。"


QUESTION_RATE = "芯片首轮流片的补助比例和上限是多少？"
QUESTION_AWARD = "我们首轮流片花了800万元，能补多少？"


@pytest.mark.slow
def test_grounded_answer_is_used_with_the_models_citations(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    fake_llm.script(reply(_quote_clause("四.10")))
    answer = make_assistant().ask(QUESTION_RATE)
    assert answer.composer == "llm", answer.guard
    assert answer.guard["ok"] is True and answer.guard["offending"] == []
    assert "40%" in answer.answer and "500万元" in answer.answer
    assert "40%" in answer.guard["checked"]
    assert [c.id for c in answer.citations] == ["四.10"]
    assert answer.answer != plain.ask(QUESTION_RATE).answer
    # What the model was sent: the system rules, the clause texts with ids, the tools, T=0.
    (body,) = fake_llm.requests
    assert body["model"] == MODEL_NAME and body["temperature"] == 0
    assert "【四.10】" in _user_message(body) and "首轮流片费用40%" in _user_message(body)
    assert body["messages"][0]["role"] == "system" and "测算工具" in body["messages"][0]["content"]
    assert TOOL_4_10 in {t["function"]["name"] for t in body["tools"]}
    assert _nfkc(QUESTION_RATE) in _user_message(body)  # as the chain cleaned it


@pytest.mark.slow
def test_tool_call_to_the_award_rule_grounds_the_amount(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    # The question states no amount; the model asks the rule for 600万 and reports its result.
    fake_llm.script(tool_call(TOOL_4_10, {"tapeout_cost_yuan": 6000000}), reply(_amount_from_tool))
    answer = make_assistant().ask("芯片首轮流片能补贴多少？")
    assert answer.composer == "llm", answer.guard
    assert "240万元" in answer.answer
    assert answer.award is not None and answer.award.amount_yuan == 2400000
    assert answer.citations[0].id == "四.10"
    assert answer.guard["tool_calls"] == 1
    # The second request carried the tool's own result for the model's call.
    assert len(fake_llm.requests) == 2
    tool_msg = json.loads(last_tool_content(fake_llm.requests[1]))
    assert tool_msg["rule"] == "四.10" and tool_msg["amount_yuan"] == 2400000
    assert any(m.get("tool_calls") for m in fake_llm.requests[1]["messages"])


@pytest.mark.slow
def test_the_same_amount_without_the_tool_call_is_rejected(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    # Control for the test above: 240万元 is grounded only by the tool result.
    fake_llm.script(reply("根据【四.10】，经测算可获得补助240万元。"))
    answer = make_assistant().ask("芯片首轮流片能补贴多少？")
    assert answer.composer == "deterministic"
    assert answer.guard["offending"] == ["240万元"]
    assert answer.answer == plain.ask("芯片首轮流片能补贴多少？").answer


@pytest.mark.slow
def test_tool_call_with_the_questions_amount(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(tool_call(TOOL_4_10, {"tapeout_cost_yuan": 8000000}), reply(_amount_from_tool))
    answer = make_assistant().ask(QUESTION_AWARD)
    assert answer.composer == "llm", answer.guard
    assert "320万元" in answer.answer
    assert answer.award is not None and answer.award.amount_yuan == 3200000
    assert answer.citations[0].id == "四.10"


@pytest.mark.slow
def test_invented_number_is_caught_and_logged(
    make_assistant: Callable[..., Any],
    fake_llm: FakeOpenAI,
    plain: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_llm.script(reply("根据【四.10】，贵企业可补贴350万元，比例为40%。"))
    with caplog.at_level(logging.WARNING, logger="assistant.llm"):
        answer = make_assistant().ask(QUESTION_AWARD)
    expected = plain.ask(QUESTION_AWARD)
    assert answer.composer == "deterministic"
    assert answer.answer == expected.answer
    assert [c.id for c in answer.citations] == [c.id for c in expected.citations]
    assert answer.award == expected.award and answer.award.amount_yuan == 3200000
    assert answer.guard["ok"] is False and answer.guard["reason"] == "invented number"
    assert any("350万" in o for o in answer.guard["offending"])
    assert "40%" not in answer.guard["offending"]
    assert any("350万" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_slow_model_times_out_to_the_deterministic_answer(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    fake_llm.script(reply(_quote_clause("四.10"), delay_s=4.0))
    assistant = make_assistant(llm_timeout_s=1.0)
    started = time.monotonic()
    answer = assistant.ask(QUESTION_RATE)
    assert time.monotonic() - started < 3.5
    assert answer.composer == "deterministic" and answer.guard["reason"] == "timeout"
    assert answer.answer == plain.ask(QUESTION_RATE).answer


@pytest.mark.slow
def test_server_error_falls_back(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    fake_llm.script(reply("internal error", status=500))
    answer = make_assistant().ask(QUESTION_RATE)
    assert answer.composer == "deterministic"
    assert answer.guard["reason"].startswith("error: ")
    assert answer.answer == plain.ask(QUESTION_RATE).answer
    assert len(fake_llm.requests) == 1  # max_retries=0: no second wait


@pytest.mark.slow
def test_unreachable_endpoint_falls_back(make_assistant: Callable[..., Any], plain: Any) -> None:
    from tests.conftest import free_port

    answer = make_assistant(llm_base_url=f"http://127.0.0.1:{free_port()}/v1").ask(QUESTION_RATE)
    assert answer.composer == "deterministic" and answer.guard["reason"].startswith("error: ")
    assert answer.answer == plain.ask(QUESTION_RATE).answer


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("补助比例为40%，上限500万元。", "no clause cited"),
        ("根据【九.99】，补助比例为40%。", "cited a clause it was not given"),
        ("", "empty answer"),
    ],
)
def test_answers_without_valid_citations_fall_back(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, text: str, reason: str
) -> None:
    fake_llm.script(reply(text))
    answer = make_assistant().ask(QUESTION_RATE)
    assert answer.composer == "deterministic"
    assert answer.guard["reason"] == reason


@pytest.mark.slow
def test_endless_tool_calls_are_bounded(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    from assistant.llm import MAX_TOOL_ROUNDS

    calls = [tool_call(TOOL_4_10, {"tapeout_cost_yuan": 8000000}) for _ in range(6)]
    fake_llm.script(*calls)
    answer = make_assistant().ask(QUESTION_AWARD)
    assert answer.composer == "deterministic" and answer.guard["reason"].startswith("error")
    assert len(fake_llm.requests) == MAX_TOOL_ROUNDS + 1
    assert "tools" not in fake_llm.requests[-1]  # the last round must answer, not call


@pytest.mark.slow
def test_unknown_tool_and_bad_arguments_are_reported_to_the_model(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(
        tool_call("no_such_rule", {"x": 1}),
        tool_call(TOOL_4_10, {"tapeout_cost_yuan": "很多钱"}),
        reply(_quote_clause("四.10")),
    )
    answer = make_assistant().ask(QUESTION_RATE)
    assert answer.composer == "llm", answer.guard
    assert "error" in json.loads(last_tool_content(fake_llm.requests[1]))
    assert "error" in json.loads(last_tool_content(fake_llm.requests[2]))


@pytest.mark.slow
def test_out_of_scope_questions_never_reach_the_model(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(reply("根据【四.10】，可补贴350万元。"))
    answer = make_assistant().ask("北京市的个人所得税怎么交？")
    assert answer.refused and answer.citations == []
    assert fake_llm.requests == []


@pytest.mark.slow
def test_history_reaches_the_model(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(reply(_quote_clause("四.10")))
    answer = make_assistant().ask("那上限呢？", history=[QUESTION_AWARD])
    assert answer.composer == "llm", answer.guard
    prompt = _user_message(fake_llm.requests[0])
    assert _nfkc(QUESTION_AWARD) in prompt and _nfkc("那上限呢？") in prompt


def _drain(stream: Iterator[Any]) -> tuple[list[str], Answer]:
    items = list(stream)
    assert isinstance(items[-1], Answer)
    assert all(isinstance(p, str) for p in items[:-1])
    return items[:-1], items[-1]


@pytest.mark.slow
def test_streaming_yields_pieces_then_the_checked_answer(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(reply(_quote_clause("四.10"), chunk_chars=3))
    pieces, answer = _drain(make_assistant().stream(QUESTION_RATE))
    assert fake_llm.requests[0]["stream"] is True
    assert len(pieces) > 5
    assert "".join(pieces) == answer.answer
    assert answer.composer == "llm" and [c.id for c in answer.citations] == ["四.10"]


@pytest.mark.slow
def test_streaming_with_a_tool_call(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(tool_call(TOOL_4_10, {"tapeout_cost_yuan": 8000000}), reply(_amount_from_tool))
    pieces, answer = _drain(make_assistant().stream(QUESTION_AWARD))
    assert answer.composer == "llm", answer.guard
    assert "320万元" in "".join(pieces) and "320万元" in answer.answer
    assert answer.award.amount_yuan == 3200000


@pytest.mark.slow
def test_streamed_invented_number_is_replaced_by_the_deterministic_answer(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    fake_llm.script(reply("根据【四.10】，可补贴350万元。"))
    pieces, answer = _drain(make_assistant().stream(QUESTION_AWARD))
    assert "350万元" in "".join(pieces)  # shown provisionally …
    assert answer.composer == "deterministic"  # … then replaced
    assert answer.answer == plain.ask(QUESTION_AWARD).answer
    assert any("350万" in o for o in answer.guard["offending"])


@pytest.mark.slow
def test_streaming_slower_than_the_timeout_falls_back(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI, plain: Any
) -> None:
    # Each piece arrives in time, but the whole answer would take ~4 s against a 1 s budget.
    fake_llm.script(reply(_quote_clause("四.10"), chunk_chars=2, chunk_delay_s=0.2))
    started = time.monotonic()
    _, answer = _drain(make_assistant(llm_timeout_s=1.0).stream(QUESTION_RATE))
    assert time.monotonic() - started < 3.0
    assert answer.composer == "deterministic" and answer.guard["reason"] == "timeout"
    assert answer.answer == plain.ask(QUESTION_RATE).answer


@pytest.mark.slow
def test_streaming_server_error_falls_back(
    make_assistant: Callable[..., Any], fake_llm: FakeOpenAI
) -> None:
    fake_llm.script(reply("boom", status=500))
    _, answer = _drain(make_assistant().stream(QUESTION_RATE))
    assert answer.composer == "deterministic" and answer.guard["reason"].startswith("error")


def test_ollama_without_its_package_says_what_to_install() -> None:
    from assistant.llm import LLMConfigError, make_chat_model
    from knowledge.settings import Settings

    try:
        import langchain_ollama  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("langchain-ollama is installed here")
    with pytest.raises(LLMConfigError, match="langchain-ollama"):
        make_chat_model(Settings(llm_model="qwen2.5", llm_provider="ollama"))


def test_cited_ids_reads_marks_in_order() -> None:
    from assistant.llm import cited_ids

    text = "根据【四.10】与【 四.9、三.（一）】，另见【四.10】和【zhengzhou-ngit-2022:四.12】"
    assert cited_ids(text) == ["四.10", "四.9", "三.(一)", "zhengzhou-ngit-2022:四.12"]
