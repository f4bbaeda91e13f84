"""Reading .txt/.md/.docx/.pdf policy documents into normalised text."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import (
    DocumentError,
    load_document_text,
    normalize_text,
    reflow_pdf_lines,
    strip_markdown,
)
from tests.fixtures import make_docs

SAMPLE = (
    "一、基本情况\n我市高度重视新一代信息技术产业发展。\n(一)指导思想\n"
    "1.做强手机产业。依托郑州航空港区。"
)


# --- plain text and normalisation ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_txt_encodings_read_the_same(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(SAMPLE.encode(encoding))
    assert load_document_text(path) == SAMPLE


def test_normalisation_strips_invisible_characters_and_blank_lines(tmp_path: Path) -> None:
    raw = (
        "\ufeff\u3000\u3000一、基本\u200b情况\r\n\r\n"
        "\u202a我市\u200d高度重视\u202c。\r"
        "   \n\u2028(一)指导思想\t\n"
        "Cafe\u0301\x07"
    )
    expected = "一、基本情况\n我市高度重视。\n(一)指导思想\nCafé"
    assert normalize_text(raw) == expected
    path = tmp_path / "p.txt"
    path.write_text(raw, encoding="utf-8")
    assert load_document_text(path) == expected


def test_half_width_punctuation_is_kept_verbatim() -> None:
    # NFC, not NFKC: the document's own commas and brackets must survive
    assert normalize_text("支持芯片企业首轮流片,对企业(MEMS)给予补助，") == (
        "支持芯片企业首轮流片,对企业(MEMS)给予补助，"
    )


# --- Markdown --------------------------------------------------------------------------


def test_markdown_markup_is_removed_but_numbering_kept() -> None:
    md = (
        "# 一、基本情况\n\n"
        "> 我市**高度**重视*新一代*信息技术，见[链接](http://x.cn)。\n\n"
        "## （一）指导思想 ##\n\n"
        "**1\\.做强手机产业。**依托~~郑州~~航空港区。\n\n"
        "---\n"
        "2. 培育计算终端。__加快__推进。\n"
        "- 责任单位:市工信局、市财政局。\n"
    )
    assert strip_markdown(md).split("\n") == [
        "一、基本情况",
        "",
        "我市高度重视新一代信息技术，见链接。",
        "",
        "（一）指导思想",
        "",
        "1.做强手机产业。依托郑州航空港区。",
        "",
        "2. 培育计算终端。加快推进。",
        "责任单位:市工信局、市财政局。",
    ]


def test_markdown_file(tmp_path: Path) -> None:
    path = make_docs.write_md(SAMPLE, tmp_path / "p.md")
    assert load_document_text(path) == SAMPLE


# --- Word --------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    text = SAMPLE + "\n本意见自公布之日起实施。\n郑州市人民政府办公厅\n2022年6月2日"
    path = make_docs.write_docx(text, tmp_path / "p.docx", table_lines=2)
    assert load_document_text(path) == text


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    with pytest.raises(DocumentError, match="Word"):
        load_document_text(path)


def test_docx_that_is_really_text(tmp_path: Path) -> None:
    path = tmp_path / "renamed.docx"
    path.write_text(SAMPLE, encoding="utf-8")
    with pytest.raises(DocumentError, match="损坏"):
        load_document_text(path)


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_round_trip_reflows_wrapped_lines(tmp_path: Path) -> None:
    long_item = (
        "1.做强手机产业。" + "依托郑州航空港区、郑州经开区、郑东新区,稳定提升智能手机产能," * 6
    ) + "完成。"
    text = f"一、基本情况\n(一)指导思想\n{long_item}\n责任单位:市工信局、市财政局。"
    path = make_docs.write_pdf(text, tmp_path / "p.pdf")
    assert load_document_text(path) == text


def test_pdf_reportlab_cid_font_round_trip(tmp_path: Path) -> None:
    text = (
        "一、基本情况\n"
        + "按照“提升整机、补强研发”的发展思路,以Mini LED和5G为方向" * 5
        + "。\n郑州市人民政府办公厅\n2022年6月2日"
    )
    path = make_docs._write_pdf_reportlab(text, tmp_path / "p.pdf")
    assert load_document_text(path) == text


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage garbage\n%%EOF")
    with pytest.raises(DocumentError, match="PDF"):
        load_document_text(path)


def test_truncated_pdf(tmp_path: Path) -> None:
    good = make_docs.write_pdf(SAMPLE, tmp_path / "good.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(good[: len(good) // 3])
    with pytest.raises(DocumentError):
        load_document_text(path)


def test_scanned_pdf_without_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a "scan": marks on the page, no text
    pdf.set_font("helvetica", size=9)
    pdf.text(100, 290, "- 1 -")  # only a page number
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError, match="扫描件"):
        load_document_text(path)


def test_reflow_rules() -> None:
    full = "依" * 40
    lines = [
        "一、基本情况",  # short heading: never joined with the next line
        "我市高度重视" + full,  # wrapped
        "新一代信息技术产业发展,初步形成了“三基地”",
        "- 2 -",  # page number from a footer
        "(一)指导思想",
        "积极引进新型显示领军型创新团队,加快推动QLED(量子点)" + "依" * 22 + "、Mini",
        "LED等关键工艺突破。",
        "郑州市人民政府办公厅",
        "2022年6月2日",
    ]
    assert reflow_pdf_lines(lines) == [
        "一、基本情况",
        "我市高度重视" + full + "新一代信息技术产业发展,初步形成了“三基地”",
        "(一)指导思想",
        "积极引进新型显示领军型创新团队,加快推动QLED(量子点)"
        + "依" * 22
        + "、Mini LED等关键工艺突破。",
        "郑州市人民政府办公厅",
        "2022年6月2日",
    ]


def test_reflow_keeps_new_units_apart() -> None:
    wide = "加" * 45
    lines = [wide, "1.做强手机产业。", wide, "责任单位:市工信局。", wide, "(一)指导思想"]
    assert reflow_pdf_lines(lines) == lines


# --- errors ------------------------------------------------------------------------------


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "p.doc"
    path.write_bytes(b"x")
    with pytest.raises(DocumentError, match="不支持的文件类型"):
        load_document_text(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="找不到文件"):
        load_document_text(tmp_path / "nope.txt")


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t ", "\u3000\u200b\n".encode()])
def test_empty_documents(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match="空"):
        load_document_text(path)


def test_document_error_is_a_value_error() -> None:
    assert issubclass(DocumentError, ValueError)
