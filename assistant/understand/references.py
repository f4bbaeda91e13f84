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

from assistant.understand.lexicon import general_pattern, general_words
from knowledge.tokenize import cn_numeral_to_int

_CN = "一二三四五六七八九十"
_CN_NUM = f"[{_CN}]+"
_DIGITS = {str(i): c for i, c in enumerate("零一二三四五六七八九") if i}


def _either(name: str) -> str:
    """A word list of the general lexicon as one alternation, longest word first."""
    return "|".join(re.escape(w) for w in sorted(general_words(name), key=len, reverse=True))


# the words of a clause number said aloud (general_lexicon.yaml ``clause_*``)
_CHAPTER_WORDS = _either("clause_chapter_words")  # 部分, 大项, 块 …
_SECTION_WORDS = _either("clause_section_words")  # 节, 块, 方面 …
_ITEM_WORDS = _either("clause_item_words")  # 条, 项, 个, 点 …
_WITHIN = _either("clause_within")  # 里的, 中, 的 …
_JOINERS = _either("clause_item_joiners")  # 点, 之
_MIDDOTS = re.escape("".join(general_words("clause_item_dots")))  # 4·15: never a decimal point
_BARE_ITEM_WORDS = _either("clause_bare_item_words")  # 第十七项

# an item number said aloud: 17, 十七, 一十七, or digit by digit as a decimal is read (一七, 幺七)
_ITEM_NUM = "[零〇幺一二两三四五六七八九十]{1,3}|\\d{1,2}"
# 四点十条, 四点6条, 4.4条, 4点17条, 第4.17条, 4.17条款, 四之九条, 4·15条: chapter, 点/之 or a
# dot, item, then 条/项/款
_DOTTED = re.compile(
    rf"(?<![\d.])(?:第\s*)?([{_CN[:9]}]|[1-9])\s*(?:{_JOINERS}|[.．{_MIDDOTS}])\s*({_ITEM_NUM})\s*"
    r"(?:条款|条|项|款)"
)
# 四点十七, 四之九, 4·15 (or 四.十七) said without 条 ("四点十七是哪个部门负责"): read as an item
# only when that chapter has that item and nothing around makes it a time (下午四点十七分), a
# decimal amount (四点五万), a fraction (三分之一) or a longer number — the words around it that
# may name a clause are data (general_lexicon.yaml ``bare_clause_before_pattern``,
# ``bare_clause_after_pattern``). A digit chapter only with a mark that is never a decimal point.
_DOTTED_BARE = re.compile(
    rf"(?<![\d.{_CN}零〇两百千万亿点之{_MIDDOTS}])"
    rf"(?:([{_CN[:9]}])\s*(?:{_JOINERS}|[{_MIDDOTS}]|[.．](?=\s*[{_CN}]))"
    rf"|([1-9])\s*(?:之|[{_MIDDOTS}]))"
    rf"\s*({_ITEM_NUM})(?![\d{_CN}零〇两百千万亿点])"
)
# 第四部分第（六）节, 四部分（六）, 第四章第六节, 第四部分（六）, 第4部分(六)
_SECTION = re.compile(
    rf"第?\s*([{_CN[:9]}]|[1-9])\s*(?:部分|章)\s*(?:{_WITHIN})?\s*第?\s*"
    rf"(?:[(（]?\s*({_CN_NUM})\s*[)）]?\s*(?:{_SECTION_WORDS})|[(（]\s*({_CN_NUM})\s*[)）])"
)
# 第四部分第十条, 第4部分第13项, 第五部分的第二条, 第三大项第七个: an item of a chapter that
# numbers items, a section of one that numbers sections only (第四部分十七条, 第四大点第十七小点:
# one 第 may be left out when the measure words say it)
_PART_ITEM = re.compile(
    rf"(?<![{_CN}\d])第?\s*([{_CN[:9]}]|[1-9])\s*(?:{_CHAPTER_WORDS})\s*"
    rf"(?:{_WITHIN})?\s*第?\s*({_CN_NUM}|\d{{1,2}})\s*(?:{_ITEM_WORDS})"
)
# a section said, then an item in it: 第四部分第(三)块的第8条, 第四部分第三节第2条 (and after a
# chapter's heading, 支持政策里第(三)块的第8条: see ``_heading_patterns``)
_IN_SECTION = (
    rf"\s*(?:{_WITHIN})?\s*第?\s*(?:[(（]\s*({_CN_NUM})\s*[)）]\s*(?:{_SECTION_WORDS})?"
    rf"|({_CN_NUM})\s*(?:{_SECTION_WORDS}))"
)
_THEN_ITEM = rf"\s*(?:{_WITHIN})?\s*第?\s*({_ITEM_NUM})\s*(?:{_ITEM_WORDS})"
_PART_SECTION_ITEM = re.compile(
    rf"(?<![{_CN}\d])第?\s*([{_CN[:9]}]|[1-9])\s*(?:{_CHAPTER_WORDS}){_IN_SECTION}{_THEN_ITEM}"
)
# 第十七项 with no chapter said: written 第17条, which the retriever reads as an item number
_BARE_ITEM = re.compile(
    rf"(?<![{_CN}\d.])第\s*({_CN_NUM}|\d{{1,2}})\s*(?:{_BARE_ITEM_WORDS})(?![{_CN}\d])"
)
# an id already written (四.10, 四.(三)) or a bare 第N条: the question names its clause
_WRITTEN_REF = re.compile(rf"[{_CN[:9]}]\.(?:\d|\()|第\s*(?:{_CN_NUM}|\d{{1,2}})\s*条")
# 第四条第二款, 第四条的第二项: the 条 a reader of the law calls a chapter of this policy (四、支持
# 政策) when a 款/项 of it follows — read so only when that numeral is a chapter, else left
_ARTICLE_PARAGRAPH = re.compile(
    rf"第\s*([{_CN[:9]}]|[1-9])\s*条\s*(?:{_WITHIN})?\s*"
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
    # its sections in order, each with the numbers of its items: (("一", (1, 2, 3)), …)
    sections: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def has_item(self, number: int) -> bool:
        if not self.has_items:
            return False
        return number in self.items if self.items else 1 <= number <= 20

    def has_section(self, numeral: str) -> bool:
        return any(s == numeral for s, _ in self.sections)

    def in_section(self, section: str, number: int) -> int | None:
        """The item meant by "the section's 第N条": item N when the section holds it (items
        are numbered across the chapter: 第(三)块的第8条 is 四.8), else the section's N-th
        item (第(三)块的第2条 is its second); None when neither is there."""
        items = next((i for s, i in self.sections if s == section), ())
        if number in items:
            return number
        if 1 <= number <= len(items):
            return items[number - 1]
        return None


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


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else cn_numeral_to_int(raw)


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

    def bare_ok(m: re.Match[str]) -> bool:
        return bool(before_ok.search(text[: m.start()]) and after_ok.match(text, m.end()))

    def dotted_bare(m: re.Match[str]) -> str:
        chapter = by_numeral.get(_chapter_numeral(m.group(1) or m.group(2)))
        number = item_number(m.group(3))
        if chapter is None or number is None or not chapter.has_item(number):
            return m.group(0)
        if not bare_ok(m):
            return m.group(0)
        return f"{chapter.numeral}.{number}"

    def section_item(chapter: Chapter | None, m: re.Match[str], at: int) -> str:
        """A section's item (at: the group of the section's numeral): the item's id, else as
        said."""
        number = item_number(m.group(at + 2))
        section = m.group(at) or m.group(at + 1)
        if chapter is None or number is None or not chapter.has_items:
            return m.group(0)
        item = chapter.in_section(section, number)
        return m.group(0) if item is None else f"{chapter.numeral}.{item}"

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
        number = _number(m.group(2))
        if number is None or numeral not in with_items or "第" not in m.group(0):
            return m.group(0)  # no 第 at all (一块三个人): no clause number said
        if with_items[numeral]:
            return f"{numeral}.{number}"
        section = _numeral(number)
        return f"{numeral}.({section})" if section else m.group(0)

    # after a chapter's heading first: there 第五块 is its section (支持政策第五块第二条 is 四.15)
    for heading, chapter in sorted(chapters.items(), key=lambda kv: -len(kv[0])):
        if heading in text:
            text = _heading_patterns(heading, chapter, text, section_item)
    text = _PART_SECTION_ITEM.sub(
        lambda m: section_item(by_numeral.get(_chapter_numeral(m.group(1))), m, 2), text
    )
    text = _PART_ITEM.sub(part_item, text)
    text = _ARTICLE_PARAGRAPH.sub(part_item, text)
    text = _SECTION.sub(
        lambda m: f"{_chapter_numeral(m.group(1))}.({m.group(2) or m.group(3)})", text
    )
    if not _WRITTEN_REF.search(text):

        def bare_item(m: re.Match[str]) -> str:
            number = _number(m.group(1))
            known = number is not None and any(c.has_item(number) for c in chapters.values())
            return f"第{number}条" if known and bare_ok(m) else m.group(0)

        text = _BARE_ITEM.sub(bare_item, text)
    return text


def _heading_patterns(heading: str, chapter: Chapter, text: str, section_item) -> str:
    """Clause numbers said after a chapter's heading: 支持政策里第(三)块的第8条 (a section's
    item), 支持政策第九条 (an item, or a section of a chapter of sections), 支持政策里第(三)块
    (a section)."""
    head = rf"{re.escape(heading)}\s*(?:部分的?)?"
    text = re.sub(rf"{head}{_IN_SECTION}{_THEN_ITEM}", lambda m: section_item(chapter, m, 1), text)

    def by_heading(m: re.Match[str]) -> str:
        number = _number(m.group(1))
        if number is None:
            return m.group(0)
        if chapter.has_items:
            return f"{chapter.numeral}.{number}"
        section = _numeral(number)
        return f"{chapter.numeral}.({section})" if section else m.group(0)

    text = re.sub(
        rf"{head}\s*(?:{_WITHIN})?\s*第\s*({_CN_NUM}|\d{{1,2}})\s*(?:{_ITEM_WORDS})",
        by_heading,
        text,
    )

    def by_section(m: re.Match[str]) -> str:
        numeral = m.group(1) or m.group(2)
        return f"{chapter.numeral}.({numeral})" if chapter.has_section(numeral) else m.group(0)

    # (not when an item of it follows that it does not have: as said, 支持政策第(一)块的第5条)
    return re.sub(rf"{head}{_IN_SECTION}(?!\s*(?:{_SECTION_WORDS})?{_THEN_ITEM})", by_section, text)


def chapters_of(clauses) -> dict[str, Chapter]:
    """Chapter headings (支持政策) → numeral, whether the chapter numbers items, its items and
    its sections with theirs, from a policy's clauses (their heading path)."""
    heads: dict[str, str] = {}
    with_items: set[str] = set()
    items: dict[str, set[int]] = {}
    sections: dict[str, dict[str, list[int]]] = {}
    for clause in clauses:
        if not clause.chapter:
            continue
        if clause.kind == "item":
            with_items.add(clause.chapter)
            if clause.item is not None:
                items.setdefault(clause.chapter, set()).add(clause.item)
        if clause.section and clause.kind in ("section", "item"):
            held = sections.setdefault(clause.chapter, {}).setdefault(clause.section, [])
            if clause.kind == "item" and clause.item is not None:
                held.append(clause.item)
        if clause.path:
            heading = re.sub(rf"^[{_CN}]+\s*[、.．]\s*", "", clause.path[0]).strip()
            if heading:
                heads.setdefault(heading, clause.chapter)
    return {
        h: Chapter(
            numeral=n,
            has_items=n in with_items,
            items=frozenset(items.get(n, ())),
            sections=tuple((s, tuple(sorted(i))) for s, i in sections.get(n, {}).items()),
        )
        for h, n in heads.items()
    }
