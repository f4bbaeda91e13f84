"""A policy's text becomes its clauses, with the ids of CONTRACT §1.

The parser reads documents in the usual style of Chinese government opinions/measures:

    各开发区管委会,…:                 -> 序  (everything before the first chapter)
    一、基本情况                       -> chapter heading; its own text -> clause 一
    (一)指导思想  /  （一）指导思想     -> section 一.(一), always a clause
    1.做强手机产业。…  (1. 1． 1、)     -> item 三.1 (numbered across the whole chapter)
    责任单位:市工信局、市财政局。        -> departments of the unit just above
    本意见自公布之日起实施…             -> 尾, through the issuing office and the date line

Clause texts are verbatim (the document's own characters after Unicode normalisation,
paragraphs joined with "\\n") but WITHOUT the numbering prefix ("1." / "(一)") and
WITHOUT the 责任单位 line, which is carried in ``departments`` instead. A section whose
heading stands alone (四.(一) 支持企业做大做强) gets its heading title as its text.

Anything the parser cannot structure (no chapter headings, numbering out of sequence,
an item before any chapter, …) raises ``PolicyStructureError`` naming the line, rather
than producing clauses with wrong ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.clause import Clause, ClauseKind, ParsedPolicy, PolicyMeta
from knowledge.documents import DocumentError, load_document_text, normalize_text

# Re-exported: assistant/compose.py imports it from here.
from knowledge.sentences import split_sentences as split_sentences
from knowledge.yaml_load import safe_load

# Bump whenever the clauses produced for the same input change (the index rebuilds).
PARSER_VERSION = "1"

PREAMBLE_ID = "序"
CLOSING_ID = "尾"
PREAMBLE_TITLE = "序言"
CLOSING_TITLE = "施行与落款"
ITEM_TITLE_MAX = 20


class PolicyStructureError(ValueError):
    """The text does not have the structure of a policy document (message in Chinese)."""


# --- line patterns -----------------------------------------------------------------

_CN_DIGITS = "一二三四五六七八九"
_NUMERAL = f"[{_CN_DIGITS}十]{{1,3}}"
_CHAPTER = re.compile(rf"^({_NUMERAL})[、．]\s*(.*)$")
_SECTION = re.compile(rf"^[(（]\s*({_NUMERAL})\s*[)）]\s*(.*)$")
# "1." "1．" "1、" — but not "2.5万个", hence no digit right after the dot.
_ITEM = re.compile(r"^([0-9０-９]{1,3})\s*[.．、](?![0-9０-９])\s*(.*)$")
_DEPARTMENTS = re.compile(r"^责任单位\s*[:：]\s*(.*)$")
_DEPARTMENT_SPLIT = re.compile(r"[、，,;；]")
_CLOSING = re.compile(r"^本(意见|办法|通知|方案|细则|措施|规定)(?=.*(实施|施行))")
_DATE = re.compile(
    r"^([0-9]{4}|[〇○零一二三四五六七八九]{4})年"
    r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})月"
    r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})日$"
)
# "(此件公开发布)" and the like belong to the document even after the date line.
_AFTER_DATE_NOTE = re.compile(r"^[(（][^()（）]{1,20}[)）]$")
_SENTENCE_PUNCT = tuple("。！？；：!?;:，,")
_TITLE_CUT = re.compile(r"[,，;；:：。！？!?]")


# Heading numerals as the document writes them: 一 … 九, 十, 十一 … 九十九 (一十 too); 一一 or 百
# are not headings. The value comes from cn2an, the library the assistant's number reader uses.
_HEADING_NUMERAL = re.compile(f"[{_CN_DIGITS}]|[{_CN_DIGITS}]?十[{_CN_DIGITS}]?")


def chinese_numeral_value(numeral: str) -> int | None:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20, 二十一 -> 21; None if not a heading numeral."""
    if not _HEADING_NUMERAL.fullmatch(numeral):
        return None
    import cn2an  # here, not at import: 0.3 s the server's start does not need

    return int(cn2an.cn2an(numeral, "normal"))


@dataclass
class _Line:
    number: int  # 1-based line number in the normalised text, for messages
    text: str
    kind: str  # chapter | section | item | departments | text
    numeral: str = ""
    value: int = 0
    body: str = ""


def _classify(number: int, text: str) -> _Line:
    m = _CHAPTER.match(text)
    if m and (value := chinese_numeral_value(m.group(1))) is not None:
        return _Line(number, text, "chapter", m.group(1), value, m.group(2).strip())
    m = _SECTION.match(text)
    if m and (value := chinese_numeral_value(m.group(1))) is not None:
        return _Line(number, text, "section", m.group(1), value, m.group(2).strip())
    m = _ITEM.match(text)
    if m:
        digits = m.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        return _Line(number, text, "item", str(int(digits)), int(digits), m.group(2).strip())
    m = _DEPARTMENTS.match(text)
    if m:
        return _Line(number, text, "departments", body=m.group(1).strip())
    return _Line(number, text, "text")


def _where(line: _Line) -> str:
    shown = line.text if len(line.text) <= 30 else line.text[:30] + "…"
    return f"第{line.number}行“{shown}”"


# --- the unit tree -----------------------------------------------------------------


@dataclass
class _Unit:
    kind: ClauseKind
    id: str
    chapter: str | None = None
    section: str | None = None
    item: int | None = None
    title: str = ""
    path: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    children: list[_Unit] = field(default_factory=list)  # items of a section
    start: _Line | None = None  # the heading/number line, for messages

    def add_departments(self, names: list[str]) -> None:
        for name in names:
            if name not in self.departments:
                self.departments.append(name)


def _heading_title(body: str) -> tuple[str, list[str]]:
    """A heading line's title and the text that follows it on the same line.

    ``(一)指导思想`` -> ("指导思想", []); ``(一)指导思想。以…`` -> ("指导思想", [whole body]).
    """
    head, sep, rest = body.partition("。")
    if sep and rest.strip():
        return head, [body]
    return body.rstrip("。"), []


def _item_title(body: str) -> str:
    """Words before the first 。 when short, else before the first comma (cut if long)."""
    first_line = body.split("\n", 1)[0]
    head, sep, _ = first_line.partition("。")
    if sep and 0 < len(head) <= ITEM_TITLE_MAX:
        return head
    head = _TITLE_CUT.split(first_line, 1)[0] or first_line
    return head if len(head) <= ITEM_TITLE_MAX else head[:ITEM_TITLE_MAX] + "…"


def _split_departments(body: str, line: _Line) -> list[str]:
    names = [n.strip().strip("。.").strip() for n in _DEPARTMENT_SPLIT.split(body)]
    names = [n for n in names if n]
    if not names:
        raise PolicyStructureError(f"{_where(line)}：责任单位一行没有列出任何单位。")
    return names


def _closing_span(lines: list[_Line], last_structural: int) -> tuple[int, int]:
    """Index where 尾 starts and index after its last line (trailing web residue cut).

    尾 starts at the first 本意见/本办法…实施/施行 line after the last numbered unit, or
    failing that at a trailing issuing-office + date pair; it ends with the date line
    (plus a "(此件公开发布)" note), so stray lines like 相关信息 are dropped.
    """
    n = len(lines)
    start = next((i for i in range(last_structural + 1, n) if _CLOSING.match(lines[i].text)), None)
    if start is None:
        date = next((i for i in range(last_structural + 1, n) if _DATE.match(lines[i].text)), None)
        if date is None:
            return n, n
        office = lines[date - 1].text if date - 1 > last_structural else ""
        looks_like_office = 0 < len(office) <= 30 and not office.endswith(_SENTENCE_PUNCT)
        # the office line must not be the only text of the last unit
        start = date - 1 if looks_like_office and date - 2 > last_structural else date
    date = next((i for i in range(start, n) if _DATE.match(lines[i].text)), None)
    if date is None:
        return start, n
    end = date + 1
    while end < n and _AFTER_DATE_NOTE.match(lines[end].text):
        end += 1
    return start, end


def parse_policy(text: str, meta: PolicyMeta) -> ParsedPolicy:
    """Split a policy's text into clauses with CONTRACT §1 ids, in document order.

    ``text`` is normalised first (as ``load_document_text`` does), so raw text works.
    Clause text: verbatim body without the numbering prefix and without 责任单位 lines.
    Raises ``PolicyStructureError`` when the text cannot be structured.
    """
    normalised = normalize_text(text)
    if not normalised:
        raise PolicyStructureError("文档为空，没有可拆分的条款。")
    lines = [_classify(i + 1, t) for i, t in enumerate(normalised.split("\n"))]

    first_chapter = next((i for i, ln in enumerate(lines) if ln.kind == "chapter"), None)
    if first_chapter is None:
        raise PolicyStructureError(
            "没有找到章标题（形如“一、基本情况”的行），无法按政策文件的结构拆分条款。"
        )
    for ln in lines[:first_chapter]:
        if ln.kind in ("section", "item", "departments"):
            raise PolicyStructureError(
                f"{_where(ln)}：出现在第一个章标题（{_where(lines[first_chapter])}）之前，"
                "编号不属于任何一章。"
            )
    last_structural = max(i for i, ln in enumerate(lines) if ln.kind != "text")
    closing_start, closing_end = _closing_span(lines, last_structural)

    units: list[_Unit] = []
    if first_chapter > 0:
        units.append(
            _Unit(
                "preamble",
                PREAMBLE_ID,
                title=PREAMBLE_TITLE,
                lines=[ln.text for ln in lines[:first_chapter]],
            )
        )

    chapter: _Unit | None = None
    section: _Unit | None = None
    current: _Unit | None = None  # the unit that receives plain text lines
    chapter_count = 0
    section_count = 0
    item_count = 0

    for ln in lines[first_chapter:closing_start]:
        if ln.kind == "chapter":
            if ln.value != chapter_count + 1:
                expected = "第一章“一、”" if chapter_count == 0 else f"第{chapter_count + 1}章"
                raise PolicyStructureError(
                    f"{_where(ln)}：章编号“{ln.numeral}、”不连续，此处应为{expected}。"
                )
            chapter_count, section_count, item_count = ln.value, 0, 0
            title, inline = _heading_title(ln.body)
            if not title:
                raise PolicyStructureError(f"{_where(ln)}：章标题为空。")
            chapter = _Unit("chapter", ln.numeral, chapter=ln.numeral, title=title, lines=inline)
            units.append(chapter)
            section, current = None, chapter
        elif ln.kind == "section":
            assert chapter is not None  # the first line of this loop is a chapter
            if ln.value != section_count + 1:
                raise PolicyStructureError(
                    f"{_where(ln)}：节编号“({ln.numeral})”在第{chapter.chapter}章中不连续，"
                    f"此处应为第{section_count + 1}节。"
                )
            section_count = ln.value
            title, inline = _heading_title(ln.body)
            if not title:
                raise PolicyStructureError(f"{_where(ln)}：节标题为空。")
            section = _Unit(
                "section",
                f"{chapter.chapter}.({ln.numeral})",
                chapter=chapter.chapter,
                section=ln.numeral,
                title=title,
                path=[f"{chapter.chapter}、{chapter.title}"],
                lines=inline,
            )
            units.append(section)
            current = section
        elif ln.kind == "item":
            assert chapter is not None
            if ln.value != item_count + 1:
                raise PolicyStructureError(
                    f"{_where(ln)}：条目编号“{ln.value}.”在第{chapter.chapter}章中不连续"
                    f"（条目在整章内连续编号），此处应为第{item_count + 1}条。"
                )
            item_count = ln.value
            path = [f"{chapter.chapter}、{chapter.title}"]
            if section is not None:
                path.append(f"({section.section}){section.title}")
            item = _Unit(
                "item",
                f"{chapter.chapter}.{ln.value}",
                chapter=chapter.chapter,
                section=section.section if section else None,
                item=ln.value,
                path=path,
                lines=[ln.body] if ln.body else [],
                start=ln,
            )
            units.append(item)
            if section is not None:
                section.children.append(item)
            current = item
        elif ln.kind == "departments":
            assert current is not None
            current.add_departments(_split_departments(ln.body, ln))
        else:
            assert current is not None
            current.lines.append(ln.text)

    if closing_start < len(lines):
        units.append(
            _Unit(
                "closing",
                CLOSING_ID,
                title=CLOSING_TITLE,
                lines=[ln.text for ln in lines[closing_start:closing_end]],
            )
        )
    return ParsedPolicy(meta=meta, clauses=_to_clauses(units, meta))


def _to_clauses(units: list[_Unit], meta: PolicyMeta) -> list[Clause]:
    clauses: list[Clause] = []
    seen: set[str] = set()
    for unit in units:
        if unit.kind == "chapter" and not unit.lines:
            continue  # a chapter made only of sections has no clause of its own
        if unit.kind == "item" and not unit.lines:
            assert unit.start is not None
            raise PolicyStructureError(f"{_where(unit.start)}：条目 {unit.id} 没有正文。")
        if unit.id in seen:  # cannot happen with sequential numbering; kept as a guard
            raise PolicyStructureError(f"条款编号“{unit.id}”重复出现。")
        seen.add(unit.id)
        departments = list(unit.departments)
        for child in unit.children:
            departments.extend(d for d in child.departments if d not in departments)
        if unit.kind == "item":
            text = "\n".join(unit.lines)
            title = _item_title(text)
        else:
            # a heading-only section's text is its title
            text = "\n".join(unit.lines) or unit.title
            title = unit.title
        clauses.append(
            Clause(
                id=unit.id,
                slug=meta.slug,
                kind=unit.kind,
                chapter=unit.chapter,
                section=unit.section,
                item=unit.item,
                title=meta.titles.get(unit.id, title),
                path=unit.path,
                text=text,
                departments=departments,
                order=len(clauses),
            )
        )
    unknown = sorted(set(meta.titles) - seen)
    if unknown:
        raise PolicyStructureError(
            f"policy.yaml 的 titles 中有文档里不存在的条款编号：{'、'.join(unknown)}。"
        )
    return clauses


def load_policy_dir(folder: Path) -> ParsedPolicy:
    """Read ``policy.yaml`` and the source document it names, and parse them.

    Raises ``DocumentError`` for unreadable files and ``PolicyStructureError`` for
    documents (or metadata) that cannot be structured.
    """
    folder = Path(folder)
    meta = load_policy_meta(folder)
    text = load_document_text(folder / meta.source_file)
    return parse_policy(text, meta)


def load_policy_meta(folder: Path) -> PolicyMeta:
    """``folder/policy.yaml`` alone (no text parsed): what a policy says about itself."""
    meta_path = Path(folder) / "policy.yaml"
    if not meta_path.is_file():
        raise DocumentError(f"政策目录 {folder} 中缺少 policy.yaml。")
    try:
        raw = safe_load(meta_path.read_text(encoding="utf-8"))
        return PolicyMeta.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
        raise DocumentError(f"无法读取 {meta_path}：{exc}") from exc
