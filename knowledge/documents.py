"""Policy documents (.txt, .md, .docx, .pdf) become plain, normalised text.

The text that comes out has one paragraph per line, no empty lines, NFC-normalised,
without zero-width or bidi control characters, so that the parser sees the official
numbering (``一、`` / ``(一)`` / ``1.``) at the start of a line whatever the source format.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".pdf")


class DocumentError(ValueError):
    """A document cannot be read as text; the message is for end users (Chinese)."""


# Zero-width characters, BOM, soft hyphen and bidi controls: invisible, but they break
# regexes and ids when pasted from web pages.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
# Other C0/C1 control characters (tab is kept as whitespace and stripped with it).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def normalize_text(text: str) -> str:
    """NFC, invisible characters removed, one stripped non-empty line per paragraph."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    lines = _LINE_BREAKS.split(text)
    out = []
    for line in lines:
        # \t becomes a space so that "1.\t做强" keeps its words apart; \u3000 indentation
        # and NBSPs at the ends of lines go with str.strip().
        line = _CONTROL.sub("", line.replace("\t", " ")).strip()
        if line:
            out.append(line)
    return "\n".join(out)


def load_document_text(path: Path) -> str:
    """Read a policy document and return its normalised text.

    Raises ``DocumentError`` (Chinese message) for an unsupported extension, a missing
    file, an empty document, a corrupt .docx/.pdf, or a PDF without extractable text.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise DocumentError(
            f"不支持的文件类型“{path.suffix or '（无扩展名）'}”：{path.name}。"
            f"请提供 {'、'.join(SUPPORTED_EXTENSIONS)} 格式的文件。"
        )
    if not path.is_file():
        raise DocumentError(f"找不到文件：{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"无法读取文件 {path.name}：{exc}") from exc
    if not data.strip():
        raise DocumentError(f"文件 {path.name} 是空的，没有任何文字。")

    if ext == ".txt":
        raw = _decode(data, path.name)
    elif ext == ".md":
        raw = strip_markdown(_decode(data, path.name))
    elif ext == ".docx":
        raw = _docx_text(data, path.name)
    else:
        raw = _pdf_text(data, path.name)

    text = normalize_text(raw)
    if not text:
        raise DocumentError(f"文件 {path.name} 中没有可用的文字内容（只有空白）。")
    return text


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    # utf-8-sig reads plain UTF-8 too and drops a BOM; GB18030 covers GBK/GB2312 files
    # saved by Chinese Windows editors.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"无法识别文件 {name} 的文字编码，请另存为 UTF-8 编码的文本文件。")


# --- Markdown -------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_QUOTE = re.compile(r"^\s{0,3}(>\s?)+")
_MD_BULLET = re.compile(r"^\s{0,3}[-*+]\s+")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
# Only ASCII letters count as "inside a word": Chinese emphasises mid-sentence (重视*新*).
_MD_EM_STAR = re.compile(r"(?<![A-Za-z0-9*])\*(?!\s)(.+?)(?<!\s)\*(?![A-Za-z0-9*])")
_MD_EM_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9_])_(?!\s)(.+?)(?<!\s)_(?![A-Za-z0-9_])")
_MD_STRIKE = re.compile(r"~~(.+?)~~")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def strip_markdown(text: str) -> str:
    """Remove Markdown markup (headings, emphasis, links, quotes) but keep the words.

    The official numbering (``一、``, ``(一)``, ``1.``) is text, not markup, so an
    ordered-list marker ``1.`` stays; only its escaped form ``1\\.`` is unescaped.
    """
    out: list[str] = []
    for line in text.splitlines():
        if _MD_FENCE.match(line) or _MD_RULE.match(line) or _MD_TABLE_SEP.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_QUOTE.sub("", line)
        line = _MD_BULLET.sub("", line)
        if line.strip().startswith("|") and line.strip().endswith("|"):
            # a table row: one cell per line, like the .docx reader does
            out.extend(cell.strip() for cell in line.strip().strip("|").split("|"))
            continue
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_HTML_TAG.sub("", line)
        line = _MD_CODE.sub(r"\1", line)
        for _ in range(2):  # nested emphasis such as ***x***
            line = _MD_STRONG.sub(r"\2", line)
            line = _MD_EM_STAR.sub(r"\1", line)
            line = _MD_EM_UNDERSCORE.sub(r"\1", line)
        line = _MD_STRIKE.sub(r"\1", line)
        line = _MD_ESCAPE.sub(r"\1", line)
        out.append(line)
    return "\n".join(out)


# --- .docx ------------------------------------------------------------------------


def _docx_text(data: bytes, name: str) -> str:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []

        def walk(container) -> None:
            # Paragraphs and tables in document order (tables may nest).
            for block in container.iter_inner_content():
                if isinstance(block, Paragraph):
                    lines.append(block.text)
                elif isinstance(block, Table):
                    seen: set[int] = set()
                    for row in block.rows:
                        for cell in row.cells:
                            # merged cells are returned once per grid column
                            if id(cell._tc) in seen:
                                continue
                            seen.add(id(cell._tc))
                            walk(cell)

        walk(document)
    except Exception as exc:  # python-docx raises many kinds for damaged files
        raise DocumentError(
            f"无法打开 Word 文件 {name}：文件已损坏或不是 .docx 格式（{type(exc).__name__}）。"
        ) from exc
    return "\n".join(lines)


# --- .pdf -------------------------------------------------------------------------

# A PDF line ending like this is a finished paragraph, not a wrapped one (a closing
# quote or bracket alone is not enough: “三基地” and (手机) end lines mid-sentence).
_PARAGRAPH_END = re.compile(r"[。！？；：!?;:…][”’」』)）】》]*$")
# Lines that begin a new unit even when the previous line lacks end punctuation.
# Kept strict, since a wrapped line may start with any words ("本意见。", "2021年…").
_NEW_UNIT = re.compile(
    r"^("
    r"[一二三四五六七八九十]{1,3}、"  # 一、
    r"|[(（][一二三四五六七八九十]{1,3}[)）]"  # (一)
    r"|[0-9０-９]{1,3}[.．、](?![0-9０-９%])"  # 1.
    r"|[(（][0-9０-９]{1,3}[)）]"  # (1)
    r"|[①-⑳]"
    r"|(责任单位|牵头单位|配合单位)\s*[:：]"
    r"|附件\s*[0-9一二三四五六七八九十]*\s*[:：]"
    r"|本(意见|办法|通知|方案|细则|措施|规定)(?=.*(实施|施行))"
    r"|([0-9]{4}|[〇○零一二三四五六七八九]{4})年[0-9一二三四五六七八九十]{1,3}月"
    r"[0-9一二三四五六七八九十]{1,3}日$"
    r")"
)
_HEADING = re.compile(r"^([一二三四五六七八九十百]+[、.．]|[(（][一二三四五六七八九十百]+[)）])")
_PAGE_NUMBER = re.compile(
    r"^([-—–－\s]*[0-9]{1,4}[-—–－\s]*|第\s*[0-9]+\s*页(\s*[,，/]?\s*共\s*[0-9]+\s*页)?"
    r"|[0-9]+\s*/\s*[0-9]+)$"
)


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def reflow_pdf_lines(lines: list[str]) -> list[str]:
    """Re-join paragraphs that the PDF layout wrapped onto several lines.

    A line continues onto the next when it does not end in sentence punctuation, is
    (nearly) as wide as the page's text column, is not a short heading, and the next
    line does not start a new numbered unit (一、 / (一) / 1. / 责任单位 / 本意见… / a date).
    """
    lines = [ln.strip() for ln in lines]
    lines = [ln for ln in lines if ln and not _PAGE_NUMBER.match(ln)]
    if not lines:
        return []
    widths = sorted(_display_width(ln) for ln in lines)
    # a high percentile, not the max: one over-long line must not raise the bar
    full = widths[int(len(widths) * 0.9)] if len(widths) >= 10 else widths[-1]
    threshold = full * 0.75

    out: list[str] = [lines[0]]
    last_width = _display_width(lines[0])  # width of the last physical line joined
    for line in lines[1:]:
        prev = out[-1]
        is_heading = bool(_HEADING.match(prev)) and _display_width(prev) < threshold
        if (
            not _PARAGRAPH_END.search(prev)
            and not _NEW_UNIT.match(line)
            and not is_heading
            and last_width >= threshold
        ):
            # Latin words wrapped at a space lose that space; put it back.
            wrapped_word = _is_latin_letter(prev[-1]) and _is_latin_letter(line[0])
            out[-1] = prev + (" " if wrapped_word else "") + line
        else:
            out.append(line)
        last_width = _display_width(line)
    return out


def _is_latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _pdf_text(data: bytes, name: str) -> str:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"PDF 文件 {name} 已加密，无法读取文字，请提供未加密的版本。")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise DocumentError(
            f"无法打开 PDF 文件 {name}：文件已损坏或不是有效的 PDF（{type(exc).__name__}）。"
        ) from exc
    # page numbers alone (a scan with a printed footer) do not count as text
    lines = reflow_pdf_lines(normalize_text("\n".join(pages)).split("\n"))
    if not lines:
        raise DocumentError(
            f"PDF 文件 {name} 中没有可提取的文字（可能是扫描件或图片），"
            "请提供文字版 PDF、Word 或文本文件。"
        )
    return "\n".join(lines)
