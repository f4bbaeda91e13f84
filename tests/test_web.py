"""The web page in a real browser (Debian's Chromium via Playwright) against the real server.

Screenshots of every tab go to test-artifacts/screenshots/. Never wait for "networkidle" on a
Gradio page (its queue stream stays open); wait for the element needed instead.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from knowledge.settings import PROJECT_ROOT
from tests.conftest import LiveServer

SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 60_000
FLOW_QUESTION = "我们首轮流片花了800万元，能补多少？"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


def new_page(chromium: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    phone = viewport["width"] < 600
    context = chromium.new_context(
        viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone, accept_downloads=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # any alert() would mean user text ran as script
    return context, pg


@pytest.fixture
def page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    context, pg = new_page(chromium, DESKTOP)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(params=SIZES)
def sized(chromium: Any, live_server: LiveServer, request: Any) -> Iterator[Any]:
    """The page at 1366×900 and at 390×844 (a phone)."""
    context, pg = new_page(chromium, request.param)
    pg.size_name = "phone" if request.param is PHONE else "desktop"
    try:
        yield pg
    finally:
        context.close()


def open_page(pg: Any, server: LiveServer, query: str = "") -> None:
    pg.goto(server.url + "/" + query)
    pg.locator("#page-head").get_by_text("有效期", exact=False).first.wait_for()


def top_of(pg: Any, selector: str) -> float:
    box = pg.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] + pg.evaluate("() => window.scrollY")


def clipboard(pg: Any) -> str:
    return pg.evaluate("() => navigator.clipboard.readText()")


def feedback_rows(server: LiveServer, question: str) -> list[tuple]:
    conn = sqlite3.connect(server.log_path)
    try:
        return conn.execute(
            "SELECT f.vote, f.comment, f.correct_answer FROM feedback f"
            " JOIN exchanges e ON e.id = f.exchange_id"
            " WHERE e.question = ? ORDER BY f.id",
            (question,),
        ).fetchall()
    finally:
        conn.close()


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
    assert top_of(page, "#calc-result") < top_of(page, "#calc-go")  # where the eye is
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
    detail.get_by_text("首轮流片费用40%", exact=False).first.wait_for()
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
def test_hotline_call_keeps_context_until_new_call(sized: Any, live_server: LiveServer) -> None:
    pg = sized
    open_page(pg, live_server)
    open_tab(pg, "热线坐席")
    box = pg.locator("#hotline-input textarea")
    box.fill(FLOW_QUESTION)
    box.press("Enter")
    script = pg.locator("#hotline-script")
    script.get_by_text("口径", exact=False).first.wait_for()
    assert FLOW_QUESTION in pg.locator("#hotline-echo").inner_text()  # the question, echoed
    said = script.inner_text().replace(" ", "")
    assert "320万元" in said and "市工信局" in said
    if pg.size_name == "desktop":  # conclusion, amount and departments above the fold
        box_ = script.bounding_box()
        assert box_ is not None and box_["y"] + box_["height"] <= 900, box_
    # related clauses link to the policy browser
    links = pg.locator("#hotline-clauses a[href*='clause=']")
    assert links.count() >= 3
    assert "clause=%E5%9B%9B.10" in links.first.get_attribute("href")
    # 复制工单摘要: plain text with question, conclusion, clause ids, departments, steps, time
    pg.locator("#hotline-copy").click()
    pg.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
    order = clipboard(pg)
    for part in (
        "来电问题：" + FLOW_QUESTION,
        "答复结论：",
        "涉及条款：四.10",
        "市工信局",
        "800万元 × 40% = 320万元",
        "受理时间：",
    ):
        assert part in order, (part, order)
    assert "**" not in order and "<" not in order and "|" not in order
    shot(pg, f"hotline-{pg.size_name}")
    # a follow-up keeps the call's context by default
    box.fill("那上限呢？")
    box.press("Enter")
    pg.locator("#hotline-echo").get_by_text("第2问", exact=False).wait_for()
    assert "四.10" in pg.locator("#hotline-answer textarea").input_value()
    # 新来电 clears it
    pg.locator("#hotline-new").click()
    pg.locator("#hotline-recent").get_by_text("尚无问题", exact=False).wait_for()
    box.fill("这个找哪个部门？")
    box.press("Enter")
    pg.locator("#hotline-echo").get_by_text("新来电第1问", exact=False).wait_for()


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
    assert "请核实" in text and "合计约 390万元" in text.replace("\xa0", " ")  # 320 + 70
    assert top_of(page, "#match-result") < top_of(page, "#match-go")  # results on top
    page.wait_for_timeout(300)
    box = result.bounding_box()
    assert box is not None and box["y"] < 900 and box["y"] + 40 > 0  # scrolled into view
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
        client.predict("流片补贴多少？", False, api_name="/hotline_ask")  # warm-up (no context)
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


# -- the page at both sizes (issue 11) ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_header_validity_and_no_developer_line(sized: Any, live_server: LiveServer) -> None:
    pg = sized
    open_page(pg, live_server)
    head = pg.locator("#page-head").inner_text()
    assert "2022年6月2日" in head and "2025年6月1日" in head and "已过有效期" in head
    assert "已加载" not in pg.locator("body").inner_text()
    # Chinese labels for screen readers, and a live region for new answers
    english = pg.evaluate(
        "() => [...document.querySelectorAll('[aria-label]')]"
        ".map(e => e.getAttribute('aria-label'))"
        ".filter(a => ['Like','Dislike','Copy','Clear','Submit'].includes(a))"
    )
    assert english == []
    assert pg.locator("#chat").get_attribute("aria-live") == "polite"


@pytest.mark.slow
@pytest.mark.browser
def test_chat_citations_link_guide_copy_and_export(sized: Any, live_server: LiveServer) -> None:
    pg = sized
    open_page(pg, live_server)
    if pg.size_name == "phone":  # the input is above the fold on a phone
        box = pg.locator("#chat-input textarea").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, box
    ask_in_chat(pg, FLOW_QUESTION)
    chat = pg.locator("#chat")
    chat.get_by_text(re.compile(r"引用条款（\d+ 条）")).first.click()
    link = chat.locator("a[href*='clause=']").first
    link.wait_for()
    assert "clause=%E5%9B%9B.10" in link.get_attribute("href")
    chat.get_by_text("申兑指南（四.10）").first.click()
    chat.get_by_text("原文未规定", exact=False).first.wait_for()
    # the first line is the conclusion with the amount
    first = chat.locator(".message-row, [data-testid='bot']").nth(1).inner_text()
    assert "可获320万元" in first.replace(" ", "")[:80]
    # copy yields plain text
    copy = chat.locator('button[aria-label="复制"]').first
    copy.click()
    pg.wait_for_function("() => navigator.clipboard.readText().then(t => t.includes('320'))")
    copied = clipboard(pg)
    assert "&lt;" not in copied and "**" not in copied and "<br" not in copied
    shot(pg, f"chat-{pg.size_name}")
    # export the conversation as text
    with pg.expect_download() as info:
        pg.locator("#chat-export").click()
    path = info.value.path()
    text = Path(path).read_text("utf-8")
    assert FLOW_QUESTION in text and "320万元" in text and "**" not in text


@pytest.mark.slow
@pytest.mark.browser
def test_dislike_asks_why_and_stores_it(sized: Any, live_server: LiveServer) -> None:
    pg = sized
    question = f"首轮流片费用一千万元，补助多少？（{pg.size_name}）"
    open_page(pg, live_server)
    ask_in_chat(pg, question)
    chat = pg.locator("#chat")
    chat.get_by_text(re.compile(r"引用条款（\d+ 条）")).first.wait_for()
    chat.locator('button[aria-label="踩"]').first.click()
    pg.locator("#dislike-wrong textarea").wait_for(state="visible")
    pg.locator("#dislike-wrong textarea").fill("金额没错，但没说清要先认定")
    pg.locator("#dislike-right textarea").fill("应先说明需经认定")
    pg.locator("#dislike-send").click()
    pg.locator("#chat-notice").get_by_text("已记录").wait_for()
    deadline = time.monotonic() + 20
    rows: list[tuple] = []
    while time.monotonic() < deadline and not any(r[1] for r in rows):
        rows = feedback_rows(live_server, question)
        time.sleep(0.25)
    assert rows and rows[-1][0] == "down", rows
    assert rows[-1][1] == "金额没错，但没说清要先认定"  # for evaluators: what was wrong
    assert rows[-1][2] == "应先说明需经认定"  # … and the correct answer


@pytest.mark.slow
@pytest.mark.browser
def test_policy_browser_address_guide_and_phone_order(sized: Any, live_server: LiveServer) -> None:
    pg = sized
    open_page(pg, live_server, "?clause=" + quote("四.10"))
    detail = pg.locator("#clause-detail")
    detail.get_by_text("首轮流片费用40%", exact=False).first.wait_for(state="visible")
    assert "已过有效期" in detail.inner_text()  # validity, from the metadata
    detail.get_by_text("申兑指南").first.click()
    detail.get_by_text("原文未规定", exact=False).first.wait_for(state="visible")
    if pg.size_name == "phone":  # the deep-linked clause comes first, not under the TOC
        assert top_of(pg, "#clause-detail") < 844
        assert top_of(pg, "#clause-detail") < top_of(pg, "#clause-tree")
    shot(pg, f"policy-{pg.size_name}")
    # picking a clause writes its address
    pg.locator("#clause-tree").get_by_text(re.compile(r"四\.17\s")).click()
    detail.get_by_text("展销会", exact=False).first.wait_for()
    pg.wait_for_function("() => decodeURIComponent(location.search).includes('clause=四.17')")


def test_plain_text_helpers() -> None:
    """口径, 工单摘要 and the exported conversation are plain text built from the answer."""
    from datetime import datetime

    from ui.render import clause_link, conversation_text, script_line, work_order

    answer = {
        "answer": "按您提供的信息测算，可获320万元（四.10）。\n计算过程：…",
        "citations": [
            {"id": "四.10", "departments": ["市工信局", "市财政局"]},
            {"id": "尾", "departments": []},
        ],
        "award": {"rule": "四.10", "steps": ["800万元 × 40% = 320万元", "上限500万元，未超过"]},
        "awards": [],
    }
    assert script_line(answer) == (
        "按您提供的信息测算，可获320万元（四.10）。具体请向市工信局、市财政局咨询。"
    )
    order = work_order("流片800万能补多少", answer, datetime(2026, 11, 28, 9, 5))
    assert order.splitlines() == [
        "来电问题：流片800万能补多少",
        "答复结论：按您提供的信息测算，可获320万元（四.10）。",
        "涉及条款：四.10、尾",
        "责任单位：市工信局、市财政局",
        "测算过程：800万元 × 40% = 320万元；上限500万元，未超过",
        "受理时间：2026-11-28 09:05",
    ]
    text = conversation_text([("问一", "答一")], "记录", datetime(2026, 11, 28))
    assert "【问1】问一" in text and "【答1】答一" in text
    assert clause_link("二.(二)") == "/?clause=%E4%BA%8C.%28%E4%BA%8C%29"
