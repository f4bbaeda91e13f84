"""The web page in a real browser (Debian's Chromium via Playwright) against the real server.

Screenshots of every tab go to test-artifacts/screenshots/. Never wait for "networkidle" on a
Gradio page (its queue stream stays open); wait for the element needed instead.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from knowledge.settings import PROJECT_ROOT
from tests.conftest import LiveServer

SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 60_000
FLOW_QUESTION = "我们首轮流片花了800万元，能补多少？"


@pytest.fixture
def page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # any alert() would mean user text ran as script
    try:
        yield pg
    finally:
        context.close()


def open_page(pg: Any, server: LiveServer, query: str = "") -> None:
    pg.goto(server.url + "/" + query)
    pg.locator("#load-status").get_by_text("已加载").wait_for()


def shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_tab(pg: Any, name: str) -> None:
    pg.get_by_role("tab", name=name).click()


def ask_in_chat(pg: Any, question: str) -> None:
    box = pg.locator("#chat-input textarea")
    box.fill(question)
    box.press("Enter")


def wait_for_feedback(server: LiveServer, question: str, vote: str) -> list[tuple]:
    deadline = time.monotonic() + 20
    rows: list[tuple] = []
    while time.monotonic() < deadline:
        conn = sqlite3.connect(server.log_path)
        try:
            rows = conn.execute(
                "SELECT e.channel, f.vote FROM feedback f JOIN exchanges e ON e.id = f.exchange_id"
                " WHERE e.question = ? AND f.vote = ? AND e.channel = 'web'",
                (question, vote),
            ).fetchall()
        finally:
            conn.close()
        if rows:
            return rows
        time.sleep(0.25)
    return rows


# -- 智能问答 --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_chat_answer_sources_and_like(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    ask_in_chat(page, FLOW_QUESTION)
    chat = page.locator("#chat")
    sources = chat.get_by_text(re.compile(r"引用条款（\d+ 条）")).first
    sources.wait_for()
    answer_text = chat.inner_text()
    assert "四.10" in answer_text
    assert "320万" in answer_text.replace(" ", "")

    # The sources block starts folded; opening it shows the verbatim clause and departments.
    # (The answer itself may quote the clause too, so count the visible copies.)
    verbatim = chat.get_by_text("给予工程产品首轮流片费用40%的补助", exact=False)

    def shown() -> int:
        return sum(1 for el in verbatim.all() if el.is_visible())

    folded = shown()
    sources.click()
    deadline = time.monotonic() + 10
    while shown() <= folded and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert shown() == folded + 1
    assert "责任单位：市工信局、市财政局" in chat.inner_text()
    page.wait_for_timeout(600)  # let the block finish unfolding
    verbatim.last.scroll_into_view_if_needed()  # the chat scrolls inside its own box
    shot(page, "chat")
    calc = chat.get_by_text("计算过程", exact=True).first  # the block title, not the answer text
    calc.click()
    chat.get_by_text("计算步骤").first.wait_for(state="visible")

    # Like the answer: the vote lands in the log.
    # Gradio labels the thumb by the browser's locale: 赞 under zh-CN, Like otherwise.
    chat.locator('button[aria-label="赞"], button[aria-label="Like"]').last.click()
    page.locator("#chat-notice").get_by_text("感谢").wait_for()
    assert wait_for_feedback(live_server, FLOW_QUESTION, "up") == [("web", "up")]


@pytest.mark.slow
@pytest.mark.browser
def test_chat_follow_up_and_clear(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    page.get_by_role("button", name="首次进入中国电子信息百强有什么奖励？").click()
    chat = page.locator("#chat")
    chat.get_by_text(re.compile(r"引用条款（\d+ 条）")).first.wait_for()
    assert "四.1" in chat.inner_text() and "300万" in chat.inner_text()
    ask_in_chat(page, "由哪些部门负责？")
    page.wait_for_function(
        "() => document.querySelectorAll('#chat .message-row, #chat [data-testid=\"bot\"]')"
        ".length >= 2",
    )
    chat.get_by_text(re.compile(r"引用条款（\d+ 条）")).nth(1).wait_for()
    assert "市工信局" in chat.inner_text()
    page.locator("#chat-clear").click()
    chat.get_by_text("首次进入中国电子信息百强").first.wait_for(state="detached")


@pytest.mark.slow
@pytest.mark.browser
def test_user_text_is_never_run_as_script(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    attack = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>流片'
    ask_in_chat(page, attack)
    page.locator("#chat").get_by_text("<img src=x", exact=False).first.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.dialogs == []
    # Same in the hotline and policy search boxes.
    open_tab(page, "热线坐席")
    box = page.locator("#hotline-input textarea")
    box.fill(attack)
    box.press("Enter")
    page.locator("#hotline-recent").get_by_text("<img src=x", exact=False).wait_for()
    open_tab(page, "政策原文")
    search = page.locator("#policy-search textarea")
    search.fill('<img src=x onerror="window.__pwned=3">')
    search.press("Enter")
    page.locator("#clause-detail").get_by_text("<img src=x", exact=False).wait_for()
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.dialogs == []


@pytest.mark.slow
@pytest.mark.browser
def test_phone_width(chromium: Any, live_server: LiveServer) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        open_page(pg, live_server)
        ask_in_chat(pg, FLOW_QUESTION)
        pg.locator("#chat").get_by_text(re.compile(r"引用条款（\d+ 条）")).first.wait_for()
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 400, f"page is {width}px wide on a 390px phone"
        shot(pg, "phone-chat")
    finally:
        context.close()


# -- 补贴计算器 ------------------------------------------------------------------------------------


def choose_rule(pg: Any, rule_id: str) -> None:
    combo = pg.locator("#calc-rule input")
    combo.click()
    combo.fill(rule_id)
    pg.get_by_role("option", name=re.compile("^" + re.escape(rule_id) + r"\s")).first.click()


@pytest.mark.slow
@pytest.mark.browser
def test_calculator_tapeout(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    open_tab(page, "补贴计算器")
    choose_rule(page, "四.10")
    cost = page.get_by_label("工程产品首轮流片费用（元）")
    cost.fill("800万")
    page.locator("#calc-go").click()
    result = page.locator("#calc-result")
    result.get_by_text("320万元").first.wait_for()
    assert "符合条件" in result.inner_text()
    assert "40%" in result.inner_text()
    shot(page, "calculator")

    cost.fill("很多钱")
    page.locator("#calc-go").click()
    result.get_by_text("输入有误").wait_for()
    assert "很多钱" in result.inner_text()


@pytest.mark.slow
@pytest.mark.browser
def test_calculator_form_follows_rule(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    open_tab(page, "补贴计算器")
    choose_rule(page, "四.12")
    page.get_by_label(re.compile("投资额")).first.wait_for()
    assert page.get_by_label("工程产品首轮流片费用（元）").count() == 0


# -- 政策原文 -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_policy_browser(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    open_tab(page, "政策原文")
    page.locator("#clause-tree").get_by_text(re.compile(r"四\.10\s")).click()
    detail = page.locator("#clause-detail")
    detail.get_by_text("首轮流片费用40%", exact=False).wait_for()
    assert "责任单位：市工信局、市财政局" in detail.inner_text()
    shot(page, "policy")

    search = page.locator("#policy-search textarea")
    search.fill("市商务局")
    search.press("Enter")
    tree = page.locator("#clause-tree")
    expect(tree.get_by_text(re.compile(r"四\.10\s"))).to_have_count(0)  # the list was filtered
    tree.get_by_text(re.compile(r"四\.17\s")).wait_for()
    assert "找到" in page.locator("#clause-detail").inner_text()


@pytest.mark.slow
@pytest.mark.browser
def test_policy_deep_link(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server, "?clause=" + quote("二.(二)"))
    detail = page.locator("#clause-detail")
    detail.get_by_text("发展目标", exact=False).first.wait_for(state="visible")
    assert page.get_by_role("tab", name="政策原文").get_attribute("aria-selected") == "true"


# -- 热线坐席 -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_hotline_enter_to_ask(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    open_tab(page, "热线坐席")
    box = page.locator("#hotline-input textarea")
    box.fill(FLOW_QUESTION)
    box.press("Enter")
    answer = page.locator("#hotline-answer textarea")
    page.wait_for_function(
        "() => (document.querySelector('#hotline-answer textarea')?.value || '').includes('320')"
    )
    assert "320万" in answer.input_value().replace(" ", "")
    clauses = page.locator("#hotline-clauses")
    clauses.get_by_text("四.10").first.wait_for()
    assert clauses.locator("tbody tr").count() == 5
    assert "市工信局" in clauses.inner_text()
    page.locator("#hotline-calc").get_by_text("计算步骤").wait_for()
    assert FLOW_QUESTION in page.locator("#hotline-recent").inner_text()
    assert box.input_value() == ""  # cleared for the next caller
    shot(page, "hotline")


# -- 一企一策 -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_matcher(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    open_tab(page, "一企一策")
    page.get_by_text(re.compile(r"^四\.10\s")).first.click()  # open the 四.10 accordion
    page.get_by_label("工程产品首轮流片费用（元）").fill("800万")
    page.get_by_text(re.compile(r"^四\.17-展会补贴\s")).first.click()
    page.get_by_label(re.compile("场地租赁费")).first.fill("100万")
    page.locator("#match-go").click()
    result = page.locator("#match-result")
    result.get_by_text("320万元").first.wait_for()
    text = result.inner_text()
    assert "四.10" in text and "四.17" in text
    assert "请核实" in text
    shot(page, "matcher")


@pytest.mark.slow
@pytest.mark.browser
def test_screenshots_of_every_tab(page: Any, live_server: LiveServer) -> None:
    open_page(page, live_server)
    for name, file in (
        ("智能问答", "tab-chat"),
        ("补贴计算器", "tab-calculator"),
        ("政策原文", "tab-policy"),
        ("热线坐席", "tab-hotline"),
        ("一企一策", "tab-matcher"),
    ):
        open_tab(page, name)
        page.wait_for_timeout(300)
        shot(page, file)
        assert (SHOTS / f"{file}.png").stat().st_size > 10_000


# -- without a browser: the queue, the renderers ------------------------------------------------


@pytest.mark.slow
def test_gradio_queue_serves_eight_at_once(live_server: LiveServer) -> None:
    """Eight hotline questions through the Gradio queue at the same moment: all answered,
    all logged, and overlapping rather than one after another."""
    from gradio_client import Client

    from ui.loadtest import questions, run_parallel

    client = Client(live_server.url, verbose=False, analytics_enabled=False, download_files=False)
    try:
        client.predict("流片补贴多少？", False, api_name="/hotline_ask")  # warm-up
        before = _count_channel(live_server, "hotline")
        answers: list[str] = []
        result = run_parallel(
            lambda q: answers.append(client.predict(q, False, api_name="/hotline_ask")[0]),
            questions(8),
        )
    finally:
        client.close()
    assert result["errors"] == []
    assert len(answers) == 8 and all("万元" in a for a in answers)
    assert result["in_flight_max"] == 8
    assert _count_channel(live_server, "hotline") == before + 8


def _count_channel(server: LiveServer, channel: str) -> int:
    conn = sqlite3.connect(server.log_path)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM exchanges WHERE channel = ?", (channel,)
        ).fetchone()[0]
    finally:
        conn.close()


def test_queue_concurrency_is_eight(tmp_path: Any) -> None:
    from knowledge.settings import Settings
    from ui.service import Service
    from ui.web import build_web

    demo = build_web(Service(Settings(data_dir=tmp_path)))  # built, never loaded
    assert demo._queue.default_concurrency_limit == 8
    assert all(fn.concurrency_limit in (None, "default", 8) for fn in demo.fns.values())


def test_render_escapes_and_formats() -> None:
    from ui.render import award_markdown, citations_markdown, esc, money

    assert money(3200000) == "320万元"
    assert money(2814000) == "281.4万元"
    assert money(5000) == "5000元"
    assert money(10000000) == "1000万元"
    assert money(12345) == "1.2345万元"
    assert money(None) == "—"
    assert "<script>" not in esc("<script>alert(1)</script>")
    md = citations_markdown(
        [
            {
                "id": "四.10",
                "title": "<b>t</b>",
                "text": "<img src=x onerror=alert(1)>",
                "departments": ["市工信局"],
            }
        ]
    )
    assert "<img" not in md and "&lt;img" in md and "责任单位：市工信局" in md
    award = {
        "rule": "四.10",
        "eligible": False,
        "amount_yuan": 0,
        "steps": ["<i>x</i>"],
        "assumptions": [],
        "missing": ["流片费用"],
    }
    text = award_markdown(award)
    assert "不符合条件" in text and "<i>" not in text and "尚需提供" in text
