"""Amounts in every form people write them → one Arabic form ``assistant.numbers`` reads.

800k / 800K RMB → 80万元, 5 million yuan / 5m → 500万元, 1.2 billion → 12亿元, RMB 800,000 →
80万元, 300w → 300万, 伍佰万元整 → 500万元, 八千万 → 8000万, 3千万 → 3000万, 1,200万 → 1200万,
百分之三十 → 30%, 三成 → 30%, 翻番 / 翻一番 / 增长一倍 → 增长100%, 翻两番 → 增长300%.

Numbers that are part of names stay as written: 5G, 4K, 8K, 12英寸, 北斗三号, 第二轮, 500强,
2022年. A form that cannot be read exactly is left alone (the reader then sees what the user
wrote), and anything in another currency ($, USD, 美元 …) is never turned into yuan.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from assistant.numbers import NumberError, chinese_numeral
from assistant.understand.lexicon import general_mapping, general_pattern, general_words

Change = tuple[str, str]


# (as written, as rewritten) — the rewrites worth a note

_YI = Decimal(10) ** 8
_WAN = Decimal(10) ** 4
_STEP = Decimal("0.0001")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def as_question_figure(value: Decimal) -> str:
    """A figure written back into the question text for the mention reader, not for people:
    12亿 / 1.25万 / 5000 (the largest of 亿 and 万 that keeps four decimals at most; no 元 —
    the caller adds it where the text said money). Answers are formatted by
    ``assistant.awards.format.format_money``."""
    for unit, size in (("亿", _YI), ("万", _WAN)):
        scaled = value / size
        if value >= size and scaled == scaled.quantize(_STEP):
            return _plain(scaled) + unit
    return _plain(value)


# ── English and symbols ──────────────────────────────────────────────────────────────
_MULT = {
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "mln": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
    "w": _WAN,  # 300w: the chat shorthand for 万
    "wan": _WAN,  # 30 wan: 万 in pinyin, as English-writing users say it
}
_CURRENCY_WORDS = ("yuan", "rmb", "cny", "renminbi")
_EN_AMOUNT = re.compile(
    r"(?:(?<![A-Za-z_$€£])(?P<pre>(?:(?:RMB|CNY|¥)\s*)+)|(?<![A-Za-z0-9_.,$€£]))"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<mult>thousand|million|billion|mln|mn|bn|wan|k|m|b|w)"
    r"(?:(?![A-Za-z0-9^])|(?=(?:RMB|CNY|yuan)(?![A-Za-z]))))?"
    r"(?:\s*(?P<post>yuan|RMB|CNY|renminbi|元|块钱|块)(?![A-Za-z]))?"
    r"(?!\s*[%\d十百千万亿])",  # ¥30% is a ratio, ¥8000万 already readable; a digit: cut short
    re.IGNORECASE,
)
# Currencies other than yuan, by name (general_lexicon.yaml: other_currencies): written before
# or after a figure. $ and its prefixed forms (US$, HK$, NT$) are symbols, not words.
_CURRENCY_NAMES = "|".join(
    re.escape(w) for w in sorted(general_words("other_currencies"), key=len, reverse=True)
)
_CURRENCY_SYMBOLS = r"(?:US|HK|NT|S|A|C)?\$|€|£"
_OTHER_CURRENCY_BEFORE = re.compile(
    rf"(?:{_CURRENCY_SYMBOLS}|{_CURRENCY_NAMES})\s*$", re.IGNORECASE
)
_OTHER_CURRENCY_AFTER = re.compile(
    rf"\s*(?:dollars?|euros?|pounds?|{_CURRENCY_NAMES})", re.IGNORECASE
)
# An amount in another currency, as the front door leaves it (USD 1 million, 50万美元, HK$2m,
# 新台币3000万): never converted, so the award asks for the figure in yuan (dialogue.py).
_FOREIGN_BEFORE = rf"(?:{_CURRENCY_SYMBOLS}|{_CURRENCY_NAMES})"
_FOREIGN_AFTER = rf"(?:dollars?|euros?|pounds?|{_CURRENCY_NAMES})"
_FOREIGN_NUMBER = (
    r"\d+(?:,\d{3})*(?:\.\d+)?\s*(?:thousand|million|billion|mln|mn|bn|k|m|b|千万|百万|十万|万|亿|千)?"
    r"|[零〇一二两三四五六七八九十百千万亿]+"
)
_FOREIGN_AMOUNT = re.compile(
    rf"{_FOREIGN_BEFORE}\s*(?:{_FOREIGN_NUMBER})|(?:{_FOREIGN_NUMBER})\s*{_FOREIGN_AFTER}",
    re.IGNORECASE,
)


def foreign_amounts(text: str) -> list[str]:
    """Amounts the text states in a currency other than yuan, as written."""
    return [text[a:b].strip() for a, b in foreign_spans(text)]


def foreign_spans(text: str) -> list[tuple[int, int]]:
    """Where the text states an amount in a currency other than yuan (never a yuan figure)."""
    return [
        m.span()
        for m in _FOREIGN_AMOUNT.finditer(text)
        if re.search(r"[\d一二两三四五六七八九十]", m.group(0))
    ]


# 4K/8K are display resolutions, not 4000/8000; so is anything followed by a display word.
_DISPLAY_AFTER = re.compile(r"\s*(?:超高清|高清|电视|屏|显示|视频|分辨率|摄像|投影|TV|HDR|UHD)")
_COUNT_AFTER = re.compile(r"\s*[台套家个条次项户人]")
_WORD_AFTER = re.compile(r"\s*[A-Za-z]")  # 5 million users: a number of something, no 元
_EN_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:percent|per cent|pct)(?![A-Za-z])", re.I)
_EN_TIMES = {"doubled": "增长100%", "tripled": "增长200%"}
_EN_TIMES_RE = re.compile(r"(?<![A-Za-z])(doubled|tripled)(?![A-Za-z])", re.IGNORECASE)


# "80M to 120M yuan", "80M-120M RMB": the first figure of a range takes the second's currency
_RANGE_TO_YUAN = re.compile(
    r"\s*(?:to|and|-|–|~|→)\s*(?:RMB|CNY|¥)?\s*\d+(?:\.\d+)?\s*(?:M|m|mn|million)\s*(?:yuan|RMB|CNY|元)",
    re.IGNORECASE,
)


_MONEY_M_AFTER = general_pattern("money_m_after")


def after_range(text: str, m: re.Match[str]) -> str:
    return text[m.end() : m.end() + 32]


def _english_amount(m: re.Match[str], text: str, changes: list[Change]) -> str:
    raw = m.group(0)
    pre, post, mult = m.group("pre"), m.group("post"), m.group("mult")
    english_currency = bool(pre) or (post or "").lower() in _CURRENCY_WORDS
    if not (mult or english_currency):
        return raw  # 2022年, 800元: nothing English about it
    # a bounded look around: a long message must not make every number scan its whole prefix
    before, after = text[max(0, m.start() - 8) : m.start()], text[m.end() : m.end() + 16]
    if _OTHER_CURRENCY_BEFORE.search(before) or _OTHER_CURRENCY_AFTER.match(after):
        return raw
    num = Decimal(m.group("num").replace(",", ""))
    key = (mult or "").lower()
    if key:
        whole = num.to_integral_value()
        if mult in ("M", "B", "W") and not english_currency and not post:
            # 100M宽带, 5B, 300W: megabits, bytes, watts — unless a range runs on to a
            # figure in yuan ("from 80M to 120M yuan") or is said as money shared out or
            # summed ("1M each", "4M total": general lexicon money_m_after_pattern)
            to_yuan = _RANGE_TO_YUAN.match(after_range(text, m)) or _MONEY_M_AFTER.match(after)
            key = key if mult == "M" and to_yuan else ""
        elif (
            key == "k"
            and not (english_currency or post)
            and (
                (whole < 10 and not (mult == "k" and _COUNT_AFTER.match(after)))
                or (mult == "K" and whole < 100)
                or _DISPLAY_AFTER.match(after)
            )
        ):
            key = ""  # 4K, 8K超高清: a resolution
    if not key and not english_currency:
        return raw
    if not key:
        # "RMB 800,000" / "800,000 yuan": only the currency word changes
        new = as_question_figure(num) + "元"
    elif key == "w":
        new = as_question_figure(num * _MULT[key]) + (post or "")
    else:
        counted = (
            not english_currency
            and not post
            and (_COUNT_AFTER.match(after) or _WORD_AFTER.match(after))
            and not _MONEY_M_AFTER.match(after)
        )
        new = as_question_figure(num * _MULT[key]) + ("" if counted else "元")
    changes.append((raw.strip(), new))
    return new


@lru_cache(maxsize=1)
def _unit_after() -> tuple[re.Pattern[str], dict[str, Decimal]]:
    units = {
        re.sub(r"\s+", " ", k.lower()): Decimal(v)
        for k, v in general_mapping("unit_after_figure").items()
    }
    alternation = "|".join(
        re.escape(u).replace(r"\ ", r"\s*") for u in sorted(units, key=len, reverse=True)
    )
    pattern = re.compile(
        r"(?<![A-Za-z0-9_.,])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?![\d,.%万亿千百元块])"
        rf"(?:\s*[(（]\s*(?:(?:in|unit|单位)\s*[:：]?\s*)?(?P<bracketed>{alternation})\s*[)）]"
        rf"|\s+in\s+(?P<after_in>{alternation})(?![A-Za-z]))",
        re.IGNORECASE,
    )
    return pattern, units


def rewrite_unit_after(text: str, changes: list[Change]) -> str:
    """A figure followed by its unit in brackets or after "in" ("12,000 (10k yuan)",
    "12000（万元）") → the amount in yuan, written as the reader knows it (1.2亿元); the
    units are data (``unit_after_figure``)."""
    if "(" not in text and "（" not in text and " in " not in text.lower():
        return text
    pattern, units = _unit_after()

    def scaled(m: re.Match[str]) -> str:
        unit = re.sub(r"\s+", " ", (m.group("bracketed") or m.group("after_in")).lower())
        size = units.get(unit) or units.get(unit.replace(" ", ""))
        if size is None:
            return m.group(0)
        num = Decimal(m.group("num").replace(",", ""))
        new = as_question_figure(num * size) + "元"
        changes.append((m.group(0).strip(), new))
        return new

    return pattern.sub(scaled, text)


def rewrite_english(text: str, changes: list[Change]) -> str:
    """English and symbol forms (800k, 5 million yuan, ¥800,000, 30 percent, doubled); first a
    figure with its unit after it (12,000 (10k yuan) → 1.2亿元)."""
    text = rewrite_unit_after(text, changes)
    if not re.search(r"[A-Za-z¥]", text):
        return text

    def percent(m: re.Match[str]) -> str:
        new = f"{m.group(1)}%"
        changes.append((m.group(0), new))
        return new

    def times(m: re.Match[str]) -> str:
        new = _EN_TIMES[m.group(1).lower()]
        changes.append((m.group(0), new))
        return new

    text = _EN_PERCENT.sub(percent, text)
    text = _EN_TIMES_RE.sub(times, text)
    for _ in range(3):  # a rewrite can open a match that its neighbour blocked (RMB0RMB1)
        new = _EN_AMOUNT.sub(lambda m: _english_amount(m, m.string, changes), text)
        if new == text:
            break
        text = new
    return text


# ── Chinese forms ────────────────────────────────────────────────────────────────────
_CAPITALS = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")
_CAPITAL_RUN = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿])"
    r"(?P<num>[壹贰叁肆伍陆柒捌玖拾][零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿]*)"
    r"(?P<unit>元|圆)?(?P<whole>整)?"
)
_PERCENT_WORDS = re.compile(
    r"百分之(?P<num>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?|\d+(?:\.\d+)?)"
)
_CN_RUN = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿点几数好第上近\d.])"
    r"(?P<int>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*)"
    r"(?:点(?P<frac>[零〇一二三四五六七八九]+)(?P<fmult>[十百千万亿]*))?"
    r"(?:(?P<approx>[来多余])(?P<amult>[万亿])|(?P<ge>个)(?=亿))?"
)
_ELIDED = re.compile(r"[万亿千百][一二两三四五六七八九]$")
# After 一亿二 (= 1.2亿) only a unit, a particle or punctuation may follow; otherwise the last
# numeral begins the next word (一千万一次性, 三千万两个项目).
_ELIDED_END = re.compile(r"$|[\s的了呢吗啊吧呀元块,，.。?？!！、;；:：)）]")
# A numeral without 万/亿 is an amount only before these (一块牌子 is a piece, not 1 yuan).
_MONEY_AFTER = re.compile(r"元|个百分点|百分点")
_KUAI_AFTER = re.compile(r"块")
_TENS = re.compile(r"[十百千]")
# OpenCC writes the traditional capital 參 as the ordinary 参; before 拾佰仟 it is 叁.
_CAN = re.compile(r"参(?=[拾佰仟])")
_MAGNITUDE = {
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": _WAN * 10,
    "千": Decimal(1000),
}
_ARABIC_MAGNITUDE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(千万|百万|十万|千(?=元|块))")
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_CHENG = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万亿\d.第几])"
    r"(?P<num>[一二两三四五六七八九十]|10|[1-9](?:\.\d)?)成(?P<frac>[一二三四五六七八九半](?![十百千万亿成]))?"
    r"(?!不变|员|立|本|功|果|品|型|交|绩|就|熟|长|为|都|年|人|套|片|批|群|像|分|效|材|因|形|份|家|规|事|器|全|语|龙)"
)
_PROBABLY = re.compile(r"[是要会不没就也又得]")  # 八成是…: "probably", not 80%
_FAN = re.compile(r"翻(?P<le>了)?(?P<n>一|两|二|三|四|[1-4])?番")
_FAN_BEI = re.compile(r"翻(?P<le>了)?(?:一|1)?倍")
_TIMES = re.compile(r"(?P<verb>增长|增加|提高|提升|上涨|上升)(?P<le>了)?(?P<n>一|1|半|0\.\d+)倍")
# 增长了三分之一 → 增长了33.33% (cut, never rounded up); 是上年的1.6倍 → 比上年增长60% (a
# multiple of a named base year is unambiguous, unlike 增长两倍)
_FRACTION = re.compile(
    r"(?P<verb>增长|增加|提高|提升|上涨|上升|涨|多)(?P<le>了)?"
    r"(?P<den>[二两三四五六七八九十]|\d{1,2})分之(?P<num>[一二两三四五六七八九]|\d{1,2})"
)
# 增幅12个点 → 增幅12个百分点: a growth said in points (only right after a word of growth;
# 四点五, 12点开会 are no points of growth)
_POINTS = re.compile(
    r"(?P<head>(?:增幅|增速|增长率|涨幅|增长|增加|提高|提升|上涨|上升|涨)(?:了|为|是|达到|达|约|近)*)"
    r"(?P<n>\d+(?:\.\d+)?)个?点(?![击赞钟半\d])"
)
# 增长了一半 → 增长了50% (a half of the base; not 一半多, a bound)
_HALF = re.compile(r"(?P<verb>增长|增加|提高|提升|上涨|上升|涨|多)(?P<le>了)?一半(?![多以])")
_MULTIPLE = re.compile(
    r"是(?P<base>上一年度|上年度|上一年|上年|去年|前一年|大前年|前年)的(?P<n>\d+(?:\.\d+)?|[两二三四五六七八九])倍"
)
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=[万亿千百元块%])|(?<=[万亿])\s+(?=元)")
_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _capital(m: re.Match[str], changes: list[Change]) -> str:
    body = m.group("num")
    if not (m.group("unit") or "万" in body or "亿" in body):
        return m.group(0)  # 队伍, 收拾, 陆续: a capital numeral alone is a word
    try:
        value = chinese_numeral(body.translate(_CAPITALS))
    except NumberError:
        return m.group(0)
    new = as_question_figure(value) + ("元" if m.group("unit") else "")
    changes.append((m.group(0), new))
    return new


def _percent_words(m: re.Match[str]) -> str:
    body = m.group("num")
    try:
        value = Decimal(body) if body[0].isdigit() else chinese_numeral(body)
    except NumberError:
        return m.group(0)
    return _plain(value) + "%"


def _chinese_run(m: re.Match[str], text: str) -> str:
    whole = m.group(0)
    body = m.group("int")
    after = text[m.end() : m.end() + 4]  # bounded: a long message has many numerals
    if m.group("approx"):
        if "万" in body or "亿" in body:
            return whole
        try:
            return _plain(chinese_numeral(body)) + m.group("approx") + m.group("amult")
        except NumberError:
            return whole
    if m.group("ge"):
        if any(c in body for c in "万亿"):
            return whole
        try:
            return _plain(chinese_numeral(body))
        except NumberError:
            return whole
    tail = ""
    if m.group("frac") is None and _ELIDED.search(body) and not _ELIDED_END.match(after):
        body, tail = body[:-1], body[-1]
    numeral = body + (f"点{m.group('frac')}{m.group('fmult')}" if m.group("frac") else "")
    magnitude = "万" in numeral or "亿" in numeral
    money_after = _MONEY_AFTER.match(after) or (_KUAI_AFTER.match(after) and _TENS.search(numeral))
    if not magnitude and not (not tail and money_after):
        return whole
    if after[:1] in ("多", "来", "余") or after[:1] in ("倍", "成", "番"):
        return whole  # 一万多元 stays for the reader's approximate form; 倍/成 are ratios
    try:
        value = chinese_numeral(numeral)
    except NumberError:
        return whole
    return as_question_figure(value) + tail


def _thousands(m: re.Match[str], changes: list[Change]) -> str:
    # noted: 300,200万 could be a list of two figures, and the user should see how it was read
    new = m.group(0).replace(",", "")
    changes.append((m.group(0), new))
    return new


def _cheng(m: re.Match[str], changes: list[Change]) -> str:
    num = m.group("num")
    if num == "八" and _PROBABLY.match(m.string, m.end()):
        return m.group(0)
    tenths = Decimal(_SMALL[num]) if num in _SMALL else Decimal(10) if num == "十" else Decimal(num)
    if tenths > 10:
        return m.group(0)
    frac = m.group("frac")
    value = tenths * 10 + (5 if frac == "半" else _SMALL[frac] if frac else 0)  # 三成半 → 35%
    new = _plain(value) + "%"
    changes.append((m.group(0), new))
    return new


def _fan(m: re.Match[str], changes: list[Change]) -> str:
    n = m.group("n") or "一"
    count = int(n) if n.isdigit() else _SMALL[n]
    new = f"增长{m.group('le') or ''}{(2**count - 1) * 100}%"
    changes.append((m.group(0), new))
    return new


def _fan_bei(m: re.Match[str], changes: list[Change]) -> str:
    new = f"增长{m.group('le') or ''}100%"
    changes.append((m.group(0), new))
    return new


def _times(m: re.Match[str], changes: list[Change]) -> str:
    n = m.group("n")
    ratio = Decimal(1) if n in ("一", "1") else Decimal("0.5") if n == "半" else Decimal(n)
    new = f"{m.group('verb')}{m.group('le') or ''}{_plain(ratio * 100)}%"
    changes.append((m.group(0), new))
    return new


def _small_or_digits(raw: str) -> Decimal:
    return Decimal(raw) if raw[0].isdigit() else Decimal(_SMALL.get(raw, 10 if raw == "十" else 0))


def _fraction(m: re.Match[str], changes: list[Change]) -> str:
    den, num = _small_or_digits(m.group("den")), _small_or_digits(m.group("num"))
    if den <= 0 or num <= 0 or num >= den:
        return m.group(0)
    share = (num / den * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    new = f"{m.group('verb')}{m.group('le') or ''}{_plain(share)}%"
    changes.append((m.group(0), new))
    return new


def _points(m: re.Match[str], changes: list[Change]) -> str:
    new = f"{m.group('head')}{m.group('n')}个百分点"
    changes.append((m.group(0), new))
    return new


def _half(m: re.Match[str], changes: list[Change]) -> str:
    new = f"{m.group('verb')}{m.group('le') or ''}50%"
    changes.append((m.group(0), new))
    return new


def _multiple(m: re.Match[str], changes: list[Change]) -> str:
    n = _small_or_digits(m.group("n"))
    if n <= 1:
        return m.group(0)
    new = f"比{m.group('base')}增长{_plain((n - 1) * 100)}%"
    changes.append((m.group(0), new))
    return new


def rewrite_chinese(text: str, changes: list[Change]) -> str:
    """Chinese forms: capital and ordinary numerals, 千万 after digits, 成, 翻番, 1,200.

    Repeated until nothing changes (at most a few rounds): one form can uncover another
    ("2成一一万": 2成一 → 21% leaves 一万 for a second round), and the front door must leave
    its own output unchanged."""
    for _ in range(4):
        rewritten = _rewrite_chinese_once(text, changes)
        if rewritten == text:
            break
        text = rewritten
    return text


# "三四百万", "七八千万", "两三万": two neighbouring digits before a magnitude say a range, never
# one number (三四百万 is 300万 to 400万, not 34百万); written as a range the figure readers
# know ("300万到400万"), so the answer asks for the exact figure instead of computing on a guess.
_NEIGHBOURS = re.compile(
    r"(?<![第零〇一二两三四五六七八九十百千万亿\d.])(?P<a>[一二两三四五六七八])(?P<b>[二三四五六七八九])"
    r"(?P<tens>[十百千])?(?P<big>[万亿])?(?![零〇一二两三四五六七八九])"
)
_DIGIT_OF = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _neighbours(m: re.Match[str], changes: list[Change]) -> str:
    a, b = _DIGIT_OF[m.group("a")], _DIGIT_OF[m.group("b")]
    tens, big = m.group("tens") or "", m.group("big") or ""
    if b != a + 1 or not (tens or big):
        return m.group(0)
    scale = {"": 1, "十": 10, "百": 100, "千": 1000}[tens]
    new = f"{a * scale}{big}到{b * scale}{big}"
    changes.append((m.group(0), new))
    return new


def _rewrite_chinese_once(text: str, changes: list[Change]) -> str:
    text = _CAN.sub("叁", text)
    text = _CAPITAL_RUN.sub(lambda m: _capital(m, changes), text)
    text = _PERCENT_WORDS.sub(_percent_words, text)
    text = _NEIGHBOURS.sub(lambda m: _neighbours(m, changes), text)
    text = _CN_RUN.sub(lambda m: _chinese_run(m, m.string), text)
    text = _ARABIC_MAGNITUDE.sub(
        lambda m: as_question_figure(Decimal(m.group(1)) * _MAGNITUDE[m.group(2)]), text
    )
    text = _THOUSANDS.sub(lambda m: _thousands(m, changes), text)
    text = _CHENG.sub(lambda m: _cheng(m, changes), text)
    text = _FAN.sub(lambda m: _fan(m, changes), text)
    text = _FAN_BEI.sub(lambda m: _fan_bei(m, changes), text)
    text = _TIMES.sub(lambda m: _times(m, changes), text)
    text = _FRACTION.sub(lambda m: _fraction(m, changes), text)
    text = _POINTS.sub(lambda m: _points(m, changes), text)
    text = _HALF.sub(lambda m: _half(m, changes), text)
    text = _MULTIPLE.sub(lambda m: _multiple(m, changes), text)
    return _DIGIT_SPACE.sub("", text)


def rewrite_amounts(text: str) -> tuple[str, list[Change]]:
    """Every amount form → the canonical Arabic form; returns the text and the noted changes."""
    changes: list[Change] = []
    text = rewrite_english(text, changes)
    text = rewrite_chinese(text, changes)
    return text, changes
