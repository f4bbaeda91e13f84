"""Clause numbers said aloud, rewritten to the form the clause reader knows (CONTRACT §1).

People read ids the way they hear them: 四点十条 and 4.4条 for 四.10 and 四.4, 第四部分第（六）节
for 四.(六), and chapters by their heading: 支持政策第九条 is 四.9, 保障措施里的第一条 is 五.(一)
(that chapter numbers sections, not items). The chapter headings come from the policy's own
clause tree, so another policy's headings work the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.understand.lexicon import general_pattern
from knowledge.tokenize import cn_numeral_to_int

_CN = "一二三四五六七八九十"
_CN_NUM = f"[{_CN}]+"
_DIGITS = {str(i): c for i, c in enumerate("零一二三四五六七八九") if i}

# an item number said aloud: 17, 十七, 一十七, or digit by digit as a decimal is read (一七, 幺七)
_ITEM_NUM = "[零〇幺一二两三四五六七八九十]{1,3}|\\d{1,2}"
# 四点十条, 四点6条, 4.4条, 4点17条, 第4.17条, 4.17条款: chapter, 点 or a dot, item, then 条/项/款
_DOTTED = re.compile(
    rf"(?<![\d.])(?:第\s*)?([{_CN[:9]}]|[1-9])\s*(?:点|[.．])\s*({_ITEM_NUM})\s*"
    r"(?:条款|条|项|款)"
)
# 四点十七 (or 四.十七) said without 条 ("四点十七是哪个部门负责"): read as an item only when
# that chapter has that item and nothing around makes it a time (下午四点十七分), a decimal
# amount (四点五万) or a longer number — the words around it that may name a clause are data
# (general_lexicon.yaml ``bare_clause_before_pattern``, ``bare_clause_after_pattern``)
_DOTTED_BARE = re.compile(
    rf"(?<![\d.{_CN}零〇两百千万亿点])([{_CN[:9]}])\s*(?:点|[.．](?=\s*[{_CN}]))\s*({_ITEM_NUM})"
    rf"(?![\d{_CN}零〇两百千万亿点])"
)
# 第四部分第（六）节, 四部分（六）, 第四章第六节, 第四部分（六）, 第4部分(六)
_SECTION = re.compile(
    rf"第?\s*([{_CN[:9]}]|[1-9])\s*(?:部分|章)\s*(?:的|里的|中的)?\s*第?\s*"
    rf"(?:[(（]?\s*({_CN_NUM})\s*[)）]?\s*(?:节|部分|小节|段)|[(（]\s*({_CN_NUM})\s*[)）])"
)
# 第四部分第十条, 第4部分第13项, 第五部分的第二条: an item of a chapter that numbers items,
# a section of one that numbers sections only
# (第四部分十七条, 第四大点第十七小点: either 第 may be left out when the measure words say it)
_PART_ITEM = re.compile(
    rf"(?<![{_CN}\d])第?\s*([{_CN[:9]}]|[1-9])\s*(?:部分|章|大点|大条|大项)\s*"
    rf"(?:的|里的|中的|里|中)?\s*第?\s*({_CN_NUM}|\d{{1,2}})\s*(?:条|项|款|小点|小条|小项|点)"
)
# 第四条第二款, 第四条的第二项: the 条 a reader of the law calls a chapter of this policy (四、支持
# 政策) when a 款/项 of it follows — read so only when that numeral is a chapter, else left
_ARTICLE_PARAGRAPH = re.compile(
    rf"第\s*([{_CN[:9]}]|[1-9])\s*条\s*(?:的|里的|中的|里|中)?\s*"
    rf"第\s*({_CN_NUM}|\d{{1,2}})\s*(?:款|项)"
)


# English ways of citing (after the glossary wrote clause/article as 条款): "clause 4.10",
# "Article 4.13", "section 4(6)", "Article 17" (an item of the chapter that numbers items)
_EN_DOTTED = re.compile(
    r"(?:条款|clause|article|art\.|item|point|section|sec\.|§)\s*(?:no\.\s*)?"
    r"([1-9])\s*[.．]\s*(\d{1,2})(?![\d.])",
    re.IGNORECASE,
)
_EN_SECTION = re.compile(
    r"(?:条款|clause|article|section|part|sec\.)\s*([1-9])\s*[(（]\s*(\d{1,2})\s*[)）]",
    re.IGNORECASE,
)
_EN_ITEM = re.compile(
    r"(?:条款|clause|article|art\.|item)\s*(?:no\.\s*)?(\d{1,2})(?![\d.(（])", re.IGNORECASE
)


@dataclass(frozen=True)
class Chapter:
    numeral: str  # 四
    has_items: bool  # numbers items (四.1 …) rather than sections only (五.(一) …)
    items: frozenset[int] = frozenset()  # the item numbers it has (empty: not known)

    def has_item(self, number: int) -> bool:
        if not self.has_items:
            return False
        return number in self.items if self.items else 1 <= number <= 20


def item_number(raw: str) -> int | None:
    """An item number as said: 17, 十七, 一十七, or read digit by digit (一七, 幺七 → 17)."""
    if raw.isascii() and raw.isdigit():
        return int(raw)
    number = cn_numeral_to_int(raw)
    if number is None and "十" not in raw and 1 <= len(raw) <= 2:
        import cn2an  # here, not at import (as knowledge.parse does)

        try:
            number = int(cn2an.cn2an(raw.replace("〇", "零"), "smart"))
        except (ValueError, KeyError, TypeError):
            return None
    return number if number is not None and 1 <= number <= 99 else None


def _numeral(n: int) -> str | None:
    if 1 <= n <= 10:
        return _CN[n - 1]
    if 11 <= n <= 19:
        return "十" + _CN[n - 11]
    if n == 20:
        return "二十"
    return None


def _chapter_numeral(raw: str) -> str:
    return _DIGITS.get(raw, raw)


def spoken_references(text: str, chapters: Mapping[str, Chapter]) -> str:
    """``text`` with spoken clause numbers written as ids (四.10, 四.(六)); ``chapters`` maps a
    chapter's heading (支持政策) to its numeral and whether it numbers items."""

    def dotted(m: re.Match[str]) -> str:
        number = item_number(m.group(2))
        if number is None:
            return m.group(0)
        return f"{_chapter_numeral(m.group(1))}.{number}"

    by_numeral = {c.numeral: c for c in chapters.values()}
    before_ok = general_pattern("bare_clause_before")
    after_ok = general_pattern("bare_clause_after")

    def dotted_bare(m: re.Match[str]) -> str:
        chapter = by_numeral.get(m.group(1))
        number = item_number(m.group(2))
        if chapter is None or number is None or not chapter.has_item(number):
            return m.group(0)
        if not before_ok.search(text[: m.start()]) or not after_ok.match(text, m.end()):
            return m.group(0)
        return f"{chapter.numeral}.{number}"

    text = _EN_DOTTED.sub(lambda m: f"{_chapter_numeral(m.group(1))}.{int(m.group(2))}", text)
    text = _EN_SECTION.sub(
        lambda m: f"{_chapter_numeral(m.group(1))}.({_numeral(int(m.group(2))) or m.group(2)})",
        text,
    )
    text = _EN_ITEM.sub(lambda m: f"第{int(m.group(1))}条", text)
    text = _DOTTED.sub(dotted, text)
    text = _DOTTED_BARE.sub(dotted_bare, text)
    with_items = {c.numeral: c.has_items for c in chapters.values()}

    def part_item(m: re.Match[str]) -> str:
        numeral = _chapter_numeral(m.group(1))
        raw = m.group(2)
        number = int(raw) if raw.isdigit() else cn_numeral_to_int(raw)
        if number is None or numeral not in with_items:
            return m.group(0)
        if with_items[numeral]:
            return f"{numeral}.{number}"
        section = _numeral(number)
        return f"{numeral}.({section})" if section else m.group(0)

    text = _PART_ITEM.sub(part_item, text)
    text = _ARTICLE_PARAGRAPH.sub(part_item, text)
    text = _SECTION.sub(
        lambda m: f"{_chapter_numeral(m.group(1))}.({m.group(2) or m.group(3)})", text
    )
    for heading, chapter in sorted(chapters.items(), key=lambda kv: -len(kv[0])):
        if heading not in text:
            continue
        pattern = re.compile(
            rf"{re.escape(heading)}\s*(?:里的|中的|里|中|的|部分的?)?\s*"
            rf"第\s*({_CN_NUM}|\d{{1,2}})\s*(?:条|项|款|点)"
        )

        def by_heading(m: re.Match[str], chapter: Chapter = chapter) -> str:
            raw = m.group(1)
            number = int(raw) if raw.isdigit() else cn_numeral_to_int(raw)
            if number is None:
                return m.group(0)
            if chapter.has_items:
                return f"{chapter.numeral}.{number}"
            section = _numeral(number)
            return f"{chapter.numeral}.({section})" if section else m.group(0)

        text = pattern.sub(by_heading, text)
    return text


def chapters_of(clauses) -> dict[str, Chapter]:
    """Chapter headings (支持政策) → numeral and whether the chapter numbers items, from a
    policy's clauses (their heading path)."""
    heads: dict[str, str] = {}
    with_items: set[str] = set()
    items: dict[str, set[int]] = {}
    for clause in clauses:
        if not clause.chapter:
            continue
        if clause.kind == "item":
            with_items.add(clause.chapter)
            if clause.item is not None:
                items.setdefault(clause.chapter, set()).add(clause.item)
        if clause.path:
            heading = re.sub(rf"^[{_CN}]+\s*[、.．]\s*", "", clause.path[0]).strip()
            if heading:
                heads.setdefault(heading, clause.chapter)
    return {
        h: Chapter(numeral=n, has_items=n in with_items, items=frozenset(items.get(n, ())))
        for h, n in heads.items()
    }
