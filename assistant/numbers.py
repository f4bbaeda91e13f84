"""Chinese amounts, counts and percentages as people write them → exact ``Decimal``.

Chinese numerals (一千二百万, 两千万) are converted by the maintained ``cn2an`` library;
Arabic digits (8000万, 2.5亿, 1,200万) go straight to ``Decimal``. ``cn2an`` returns a float
for decimal numerals (十二点五 → 12.5), so a numeral with 点 is split: the integer part goes
through ``cn2an`` and the digits after 点 are read one by one — no float is ever created.

Only whitelisted units make a quantity: money (元/万/万元/亿/亿元/千万/百万), counts
(台/台套/套/家/条/个/项), times (次), percent (% / 百分之… / 个百分点). Negative and absurd
values raise :class:`NumberError` (a ``ValueError``) with a Chinese message.

Spoken forms: 一个亿 / 1个亿 / 半个亿 (个 between a number and 亿), 一亿二 (a lone digit after
the last unit means the next lower unit: 一亿二千万), 1亿2000万 (two adjacent parts add up).
Approximate amounts (三千来万, 八百多万, 1000万左右, 大约3000万) are read as the stated
number with ``approx=True``, so callers can say that the exact figure decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

QuantityKind = Literal["money", "count", "percent", "times", "number"]

# Upper bounds beyond which a value is certainly a typo or an attack, not a business fact.
MAX_VALUE: dict[str, Decimal] = {
    "money": Decimal(10) ** 12,  # 1万亿元
    "count": Decimal(10) ** 11,
    "times": Decimal(10) ** 13,
    "percent": Decimal(10) ** 5,
    "number": Decimal(10) ** 13,
}


class NumberError(ValueError):
    """A number in the text that cannot be used; ``str(err)`` is a Chinese message."""


@dataclass(frozen=True)
class Quantity:
    value: Decimal  # yuan for money, items for counts, percentage points for percent
    kind: QuantityKind
    unit: str  # the unit as written after the number ("万元", "台套", "%", "")
    span: tuple[int, int]
    raw: str
    approx: bool = False  # 三千来万, 八百多万, 3000万左右: the stated number is a round figure
    # 一千多万, 1000余万, 十几万, 几十万, 20%多: the stated number is only a floor, the excess
    # unknown — never the figure itself (``approx`` is set too)
    at_least: bool = False


_FULLWIDTH = str.maketrans("０１２３４５６７８９％．－", "0123456789%.-")
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_CHARS = _CN_DIGITS + "十百千万亿拾佰仟"
_CN_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_DIGIT_VALUE.update({"〇": 0, "两": 2, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5})
_CN_DIGIT_VALUE.update({"陆": 6, "柒": 7, "捌": 8, "玖": 9})

MULTIPLIERS = {  # Chinese multipliers people write after a number (also used by the guard)
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
# Units after the (number + multiplier); longest first so 台套 wins over 台.
_UNITS: list[tuple[str, QuantityKind]] = [
    ("个百分点", "percent"),
    ("百分点", "percent"),
    ("块钱", "money"),
    ("台（套）", "count"),
    ("台(套)", "count"),
    ("台套", "count"),
    ("元", "money"),
    ("块", "money"),
    ("台", "count"),
    ("套", "count"),
    ("家", "count"),
    ("条", "count"),
    ("个", "count"),
    ("项", "count"),
    ("户", "count"),
    ("件", "count"),
    ("张", "count"),
    ("份", "count"),
    ("次", "times"),
    ("%", "percent"),
]
# A unit glued to these characters is part of a word, not a unit: 一次性, 个人, 项目, 条款 …
_NOT_AFTER_UNIT = {
    "次": "性数级",
    "个": "人体",
    "项": "目",
    "条": "款件例",
    "家": "庭乡",
    "套": "餐",
    "块": "",
    "户": "口",
    "件": "事",
    "份": "额",
}

_ARABIC = r"\d+(?:,\d{3})*(?![\d,])(?:\.\d+)?(?:[eE][+-]?\d+)?"
_CN_NUM = rf"[{_CN_CHARS}]+(?:点[{_CN_DIGITS}]+[十百千万亿]*)?"
_MULT_RE = r"(?:万亿|千万|百万|十万|亿|万|千)?"
_UNIT_RE = "|".join(re.escape(u) for u, _ in _UNITS)
# 来/多/余/几 between a number and its multiplier or unit: 三千来万, 八百多万, 300多家, 十几万
_APPROX_RE = rf"(?:来|多|余|几)(?=万亿|千万|百万|十万|亿|万|千|{_UNIT_RE})"
_QUANTITY_RE = re.compile(
    rf"(?P<neg>[-−负])?"
    rf"(?:(?P<pct>百分之)(?P<pnum>{_ARABIC}|{_CN_NUM})"
    rf"|(?P<half>半)个?(?P<hmult>亿|万)"
    rf"|(?P<num>{_ARABIC})\s*(?P<approx>{_APPROX_RE})?(?:个(?P<gapprox>多|余)?(?=亿))?(?P<mult>{_MULT_RE})"
    rf"|(?P<cnum>{_CN_NUM})(?:(?P<capprox>{_APPROX_RE})|个(?P<cgapprox>多|余)?(?=亿))?(?P<cmult>(?<=[来多余几个])(?:亿|万))?)"
    rf"\s*(?P<unit>{_UNIT_RE})?"
)
# 一家 / 一户 / 一套 / 一台 before a noun is the indefinite article ("北京的一家双跨平台",
# "上了一套智能产线"), never a count.
_ARTICLE_UNITS = ("家", "户", "套", "台", "件", "张", "份")
# Words around a number that make it a round figure: 3000万左右, 大约3000万, 将近3000万
_APPROX_AFTER = ("左右", "上下", "出头", "开外")
_APPROX_BEFORE = re.compile(
    r"(?:大约|大概|差不多|将近|接近|约莫|估计|(?<![签合预节制契协公条和邀违履特])约)$"
)
# 多/余 right after a percentage ("20%多"), not the question word 多少
_FLOOR_AFTER = re.compile(r"[多余](?!少)")
# 一亿二 = 一亿二千万: a lone digit after the last unit stands for the next lower unit
_ELIDED = re.compile(rf"^(?P<head>[{_CN_CHARS}]*(?P<u>[亿万千百]))(?P<d>[{_CN_DIGITS}])$")
_NEXT_LOWER = {"亿": "千万", "万": "千", "千": "百", "百": "十"}


def _arabic(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - regex admits only valid digits
        raise NumberError(f"无法识别的数字：{text}") from exc
    if not value.is_finite():
        raise NumberError(f"无法识别的数字：{text}")
    return value


def _cn_integer(text: str) -> Decimal:
    """A Chinese integer numeral (may contain 万/亿) via cn2an, which raises on odd input."""
    m = _ELIDED.match(text)
    if m and m.group("d") not in "零〇":
        text = text + _NEXT_LOWER[m.group("u")]  # 一亿二 → 一亿二千万 (cn2an refuses 一亿二)
    import cn2an  # here, not at import: 0.3 s of the server's start (warm_up loads it)

    try:
        result = cn2an.cn2an(text, "normal")
    except Exception as exc:  # cn2an raises ValueError, KeyError, IndexError on odd input
        raise NumberError(f"无法识别的中文数字“{text}”") from exc
    if not isinstance(result, int):  # never let a float through
        raise NumberError(f"无法识别的中文数字“{text}”")
    return Decimal(result)


def _cn_number(text: str) -> Decimal:
    """十二点五亿 → 1250000000: integer part by cn2an, fraction digit by digit, then multiplier."""
    if "点" not in text:
        return _cn_integer(text)
    int_part, _, rest = text.partition("点")
    m = re.fullmatch(rf"([{_CN_DIGITS}]+)([十百千万亿]*)", rest)
    if not m or not int_part:
        raise NumberError(f"无法识别的中文数字“{text}”")
    frac_digits, mult = m.groups()
    value = _cn_integer(int_part) + Decimal(
        "0." + "".join(str(_CN_DIGIT_VALUE[c]) for c in frac_digits)
    )
    for ch in mult:
        value *= {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}[ch]
    return value


@lru_cache(maxsize=4096)  # scanners meet the same few numerals again and again; cn2an is slow
def chinese_numeral(text: str) -> Decimal:
    """十二点五亿, 一千二百万, 一亿二 (= 一亿二千万) → exact ``Decimal``; NumberError otherwise."""
    if not text or any(c not in _CN_CHARS + "点" for c in text):
        raise NumberError(f"无法识别的中文数字“{text}”")
    return _cn_number(text)


@lru_cache(maxsize=4096)  # remembers the misses too
def chinese_numeral_or_none(text: str) -> Decimal | None:
    """:func:`chinese_numeral` for scanners that skip what is not a numeral."""
    try:
        return chinese_numeral(text)
    except NumberError:
        return None


def _check(value: Decimal, kind: QuantityKind, raw: str, negative: bool) -> Decimal:
    if negative and value != 0:
        raise NumberError(f"数额不能为负数：{raw}")
    if value > MAX_VALUE[kind]:
        raise NumberError(f"数额过大，无法据此计算：{raw}（请核对单位）")
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))  # 2.5亿 → 250000000, not 250000000.0
    return value


def _unit_ok(text: str, end: int, unit: str) -> bool:
    nxt = text[end : end + 1]
    return not (nxt and nxt in _NOT_AFTER_UNIT.get(unit, ""))


def _convert(m: re.Match[str], text: str) -> Quantity | None:
    raw = m.group(0)
    negative = bool(m.group("neg"))
    unit = m.group("unit") or ""
    unit_kind = dict(_UNITS).get(unit)
    if unit and not _unit_ok(text, m.end(), unit):
        unit, unit_kind = "", None
        raw = raw[: raw.rfind(m.group("unit"))]
    if m.group("pct"):
        body = m.group("pnum")
        value = _arabic(body) if body[0].isdigit() else _cn_number(body)
        return Quantity(_check(value, "percent", raw, negative), "percent", "百分之", m.span(), raw)
    approx = bool(m.group("approx") or m.group("capprox"))
    # 1个多亿, 一个多亿: 个 and then 多 before 亿
    approx = approx or bool(m.group("gapprox") or m.group("cgapprox"))
    if m.group("half"):
        # 半个亿 = 5000万, 半万 = 5000
        value = MULTIPLIERS[m.group("hmult")] / 2
        kind_h: QuantityKind = unit_kind or "money"
        end = m.span()[0] + len(raw)
        return Quantity(_check(value, kind_h, raw, negative), kind_h, unit, (m.span()[0], end), raw)
    if m.group("num") is not None:
        value = _arabic(m.group("num")) * MULTIPLIERS.get(m.group("mult"), Decimal(1))
        mult = m.group("mult")
    else:
        body = m.group("cnum")
        # 十, 十万 (= 100000) begin with an implicit 一; other digitless bodies do not
        if not any(c in _CN_DIGITS for c in body) and body[0] not in "十拾":
            # 百强, 万企, 千万家 …: a magnitude word alone is not a number; but 亿亿元 is garbage
            if unit_kind == "money" and len(body) > 1:
                raise NumberError(f"无法识别的数额：{raw}")
            return None
        # A lone digit char glued to a word (一次性, 两化, 三年) is not a quantity.
        value = _cn_number(body)
        mult = "万" if body.rstrip("点" + _CN_DIGITS).endswith(("万", "亿")) else ""
        if m.group("cmult"):  # 三千来万, 一个亿: the multiplier stands after 来/多/个
            value *= MULTIPLIERS[m.group("cmult")]
            mult = m.group("cmult")
    if m.group("num") is None and m.group("cnum") and m.group("neg") == "-":
        negative = True
    if unit_kind:
        kind: QuantityKind = unit_kind
    elif mult in ("万", "亿", "千万", "百万", "十万", "万亿"):
        kind = "money"  # "800万" without 元 means yuan in this domain
    else:
        kind = "number"
    if kind == "number" and m.group("cnum"):
        return None  # bare Chinese numerals (三年, 第一) are words, not data
    end = m.span()[0] + len(raw)
    value = _check(value, kind, raw, negative)
    return Quantity(value, kind, unit, (m.span()[0], end), raw, approx, at_least=approx)


def extract_quantities(text: str) -> list[Quantity]:
    """All quantities in ``text`` in order; raises NumberError on a negative or absurd one."""
    return list(_quantities_of(text))


# The understanding stage reads the same few texts (the question, its parts) about seven
# times a question: each is parsed once. A raise is not kept (it raises again).
@lru_cache(maxsize=512)
def _quantities_of(text: str) -> tuple[Quantity, ...]:
    norm = text.translate(_FULLWIDTH)
    out: list[Quantity] = []
    for m in _QUANTITY_RE.finditer(norm):
        if m.group("num") is not None:
            start = m.start("num")
            # 5G, 4K, 2022年: digits glued to letters are names, not amounts
            end = m.start() + len(m.group(0).rstrip())  # "80万 at": a space is no glue
            glued_before = start > 0 and norm[start - 1].isascii() and norm[start - 1].isalpha()
            glued_after = end < len(norm) and norm[end].isascii() and norm[end].isalpha()
            if glued_before or glued_after:
                continue
            if m.group("neg") and m.start() > 0 and norm[m.start() - 1].isdigit():
                continue
            if m.group("neg") and m.start() > 0 and norm[m.start() - 1] in "万亿千元块":
                # "200万-300万": a dash between two amounts is a range, not a minus sign
                m = _QUANTITY_RE.match(norm, m.start() + 1) or m
            # CCTV-2, 中央一级媒体-2: a hyphen in a name, not a minus (增长-5% keeps its sign)
            hyphen = m.group("neg") and m.start() > 0 and norm[m.start() - 1].isalpha()
            if hyphen and not (m.group("mult") or m.group("unit")):
                continue
        elif m.group("cnum") is not None and norm[max(0, m.start("cnum") - 1)] == "第":
            continue  # ordinals
        elif m.group("cnum") == "一" and m.group("unit") in _ARTICLE_UNITS:
            continue  # 一家双跨平台, 一户企业: an article, not a count of one
        q = _convert(m, norm)
        if q is not None:
            out.append(_mark_approx(_year_ordinal(q, norm), norm))
    return tuple(_join_parts(out))


def _year_ordinal(q: Quantity, text: str) -> Quantity:
    """ "第4年" (the fourth year of a subsidy period) counts years; a bare 4 does not."""
    start, end = q.span
    if q.kind != "number" or text[start - 1 : start] != "第" or text[end : end + 1] != "年":
        return q
    return replace(q, kind="count", unit="年", span=(start, end + 1), raw=q.raw + "年")


def _mark_approx(q: Quantity, text: str) -> Quantity:
    """Flag a round figure; the words that say so (大约…, …左右) join its ``raw`` and span."""
    start, end = q.span
    if q.kind == "percent" and _FLOOR_AFTER.match(text, end):
        # "增长了20%多", "20个百分点多": the excess over the figure is unknown
        q = replace(q, approx=True, at_least=True, raw=q.raw + text[end], span=(start, end + 1))
        end += 1
    if start > 0 and text[start - 1] == "几" and q.raw[:1] in "十拾":
        # "几十万": some tens, at least ten
        q = replace(q, approx=True, at_least=True, raw="几" + q.raw, span=(start - 1, end))
        start -= 1
    if text[end : end + 2] in _APPROX_AFTER:
        q = replace(q, approx=True, raw=q.raw + text[end : end + 2], span=(start, end + 2))
    before = _APPROX_BEFORE.search(text[:start])
    if before:
        q = replace(q, approx=True, raw=before.group(0) + q.raw, span=(before.start(), q.span[1]))
    return q


def _join_parts(qs: list[Quantity]) -> list[Quantity]:
    """1亿2000万 → one amount; 1亿2 → 1.2亿; 2万5 → 25000 (adjacent parts of one figure)."""
    out: list[Quantity] = []
    for q in qs:
        prev = out[-1] if out else None
        if prev is None or prev.span[1] != q.span[0] or prev.kind != "money" or prev.unit:
            out.append(q)
            continue
        top = "亿" if prev.raw.endswith("亿") else "万" if prev.raw.endswith("万") else ""
        if top and q.kind == "money" and q.value < MULTIPLIERS[top]:
            added = q.value
        elif top and q.kind == "number" and re.fullmatch(r"[1-9]", q.raw):
            added = int(q.raw) * MULTIPLIERS[top] / 10  # 1亿2 → 1亿 + 2千万
        else:
            out.append(q)
            continue
        out[-1] = Quantity(
            prev.value + added,
            "money",
            q.unit if q.kind == "money" else "",
            (prev.span[0], q.span[1]),
            prev.raw + q.raw,
            prev.approx or q.approx,
            at_least=prev.at_least or q.at_least,
        )
    return out


def parse_quantity(text: str) -> Quantity:
    """Exactly one quantity that is the whole of ``text`` (CLI / API values like "800万")."""
    if not isinstance(text, str):
        raise NumberError(f"需要文字或数字，收到 {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise NumberError("数额为空")
    norm = stripped.translate(_FULLWIDTH)
    q = _whole_quantity(norm)
    if q is None:
        # Other forms (800k, 5 million yuan, 伍佰万元, 三成, 1,200万) through the front door's
        # amount reader; imported here because that package builds on this module.
        from assistant.understand.amounts import rewrite_amounts

        rewritten, _ = rewrite_amounts(unicodedata.normalize("NFKC", stripped))
        q = _whole_quantity(rewritten) if rewritten != norm else None
        if q is not None:
            q = replace(q, span=(0, len(stripped)), raw=stripped)
    if q is None:
        raise NumberError(f"无法识别的数额：{stripped}")
    return q


def _whole_quantity(norm: str) -> Quantity | None:
    m = _QUANTITY_RE.fullmatch(norm)
    if not m:
        return None
    q = _convert(m, norm)
    if q is None or q.span != (0, len(norm)):
        return None
    return q


def parse_amount(text: str) -> Decimal:
    """Money in yuan from text like "2.5亿", "8000万元", "一千二百万", "1,200万", "5000元"."""
    q = parse_quantity(text)
    if q.kind not in ("money", "number"):
        raise NumberError(f"“{text}”不是金额")
    return q.value


def to_decimal(value: object, what: str = "数值") -> Decimal:
    """Any numeric input as Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise NumberError(f"{what}应为数字，收到真假值")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        result = parse_quantity(value).value
    else:
        raise NumberError(f"{what}应为数字，收到 {type(value).__name__}")
    if not result.is_finite():
        raise NumberError(f"{what}不是有效数字")
    return result


def warm_up() -> None:
    """Load cn2an (and its patterns) before the first question needs them."""
    _cn_integer("一千二百万")
