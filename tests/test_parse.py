"""Policy text -> clauses with CONTRACT §1 ids, titles, departments, paths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.clause import Clause, ParsedPolicy, PolicyMeta
from knowledge.documents import DocumentError, load_document_text
from knowledge.parse import (
    PARSER_VERSION,
    PolicyStructureError,
    chinese_numeral_value,
    load_policy_dir,
    parse_policy,
    split_sentences,
)
from tests.fixtures import make_docs

POLICY_DIR = Path(__file__).resolve().parent.parent / "knowledge/policies/zhengzhou-ngit-2022"
SOURCE = (POLICY_DIR / "policy.txt").read_text(encoding="utf-8")
CN = "一二三四五六七八九十"

EXPECTED_IDS = (
    ["序", "一", "二.(一)", "二.(二)", "三"]
    + [f"三.({CN[i]})" for i in range(6)]
    + [f"四.({CN[i]})" for i in range(6)]
    + [f"五.({CN[i]})" for i in range(4)]
    + [f"三.{n}" for n in range(1, 22)]
    + [f"四.{n}" for n in range(1, 18)]
    + ["尾"]
)

TWO = ["市工信局", "市财政局"]
SUPPORT_DEPARTMENTS = {n: TWO for n in range(1, 18)} | {
    8: ["市工信局", "市财政局", "市科技局", "郑州高新区管委会"],
    9: ["市工信局", "市财政局", "中原区人民政府"],
    17: ["市工信局", "市商务局", "市财政局"],
}


@pytest.fixture(scope="module")
def policy() -> ParsedPolicy:
    return load_policy_dir(POLICY_DIR)


@pytest.fixture(scope="module")
def clauses(policy: ParsedPolicy) -> dict[str, Clause]:
    return policy.by_id()


def _meta(**kw) -> PolicyMeta:
    return PolicyMeta(slug=kw.pop("slug", "test"), title="测试政策", **kw)


# --- the real policy ------------------------------------------------------------------


def test_every_contract_id_exactly_once(policy: ParsedPolicy) -> None:
    ids = [c.id for c in policy.clauses]
    assert len(ids) == 60 == len(set(ids))
    assert sorted(ids) == sorted(EXPECTED_IDS)
    assert "二" not in ids and "四" not in ids and "五" not in ids


def test_document_order_and_order_field(policy: ParsedPolicy) -> None:
    ids = [c.id for c in policy.clauses]
    assert ids[:7] == ["序", "一", "二.(一)", "二.(二)", "三", "三.(一)", "三.1"]
    assert ids[ids.index("三.(二)") - 1] == "三.4"
    assert ids[ids.index("四.(一)") - 1] == "三.21"
    assert ids[ids.index("五.(一)") - 1] == "四.17"
    assert ids[-1] == "尾"
    assert [c.order for c in policy.clauses] == list(range(60))
    assert all(c.slug == "zhengzhou-ngit-2022" for c in policy.clauses)


@pytest.mark.parametrize(
    ("cid", "start", "end"),
    [
        ("序", "各开发区管委会,各区县(市)人民政府", "特制定本意见。"),
        ("一", "我市高度重视新一代信息技术产业发展", "为工业增长作出了突出贡献。"),
        ("二.(一)", "以习近平新时代中国特色社会主义思想为指导", "提供产业支撑。"),
        ("二.(二)", "产业规模稳步提升。", "力争带动全市10万家企业上云上平台。"),
        ("三", "聚焦智能终端、智能传感器、5G", "新一代信息技术产业生态圈。"),
        ("三.(一)", "按照“提升整机、补强研发", "建成全球重要的智能终端产业基地。"),
        ("三.1", "做强手机产业。依托郑州航空港区", "推动产品向高端转型。"),
        ("三.7", "发展MEMS传感器。加快建设MEMS传感器中试平台", "加速产业链优质资源快速聚集。"),
        ("三.14", "谋划前沿新型显示产业。", "Micro LED以及蒸馏和封装关键工艺突破和产业化。"),
        ("三.21", "建设工业互联网应用创新体系。", "拓展企业上云深度。"),
        ("四.(一)", "支持企业做大做强", "支持企业做大做强"),
        ("四.1", "加大龙头企业支持力度。对首次进入", "给予300万元的一次性奖励。"),
        ("四.10", "支持芯片企业首轮流片,对企业自主研发", "单个企业每年补助总额不超过500万元。"),
        ("四.12", "对投资在2000万元以上的新一代信息技术产业新建项目", "给予特别政策支持。"),
        ("四.17", "鼓励企业积极参加各级展销会、博览会", "奖励资金主要用于企业市场开拓方面。"),
        ("五.(四)", "探索建立符合新技术、新业态、新模式", "依规依纪依法不作负面评价和责任追究。"),
        ("尾", "本意见自公布之日起实施,有效期三年", "郑州市人民政府办公厅\n2022年6月2日"),
    ],
)
def test_clause_texts(clauses: dict[str, Clause], cid: str, start: str, end: str) -> None:
    text = clauses[cid].text
    assert text.startswith(start)
    assert text.endswith(end)


def test_texts_are_verbatim_slices_of_the_source(policy: ParsedPolicy) -> None:
    for clause in policy.clauses:
        for paragraph in clause.text.split("\n"):
            assert paragraph in SOURCE, clause.id
        assert "责任单位" not in clause.text
        assert not re.match(r"^[0-9]+[.．、]", clause.text), clause.id  # number stripped


def test_specific_facts(clauses: dict[str, Clause]) -> None:
    assert "首轮流片费用40%" in clauses["四.10"].text
    assert clauses["三.1"].text != clauses["四.1"].text
    assert "百强" in clauses["四.1"].text and "手机" in clauses["三.1"].text
    assert "2022年6月2日" in clauses["尾"].text
    assert "相关信息" not in clauses["尾"].text
    assert all("相关信息" not in c.text for c in clauses.values())
    assert "三基地" in clauses["一"].text
    # the chapter's lead is not part of its first section and vice versa
    assert "按照" not in clauses["三"].text
    assert clauses["三.(一)"].text.count("\n") == 0
    assert clauses["二.(二)"].text.count("\n") == 2  # three paragraphs


def test_support_departments(clauses: dict[str, Clause]) -> None:
    for n, expected in SUPPORT_DEPARTMENTS.items():
        assert clauses[f"四.{n}"].departments == expected, n
    for n in range(1, 22):
        assert clauses[f"三.{n}"].departments == []
    for cid in ("序", "一", "三", "尾", "二.(一)", "五.(二)"):
        assert clauses[cid].departments == []


def test_section_departments_are_the_union_of_items(clauses: dict[str, Clause]) -> None:
    assert clauses["四.(一)"].departments == TWO
    assert clauses["四.(三)"].departments == [
        "市工信局",
        "市财政局",
        "市科技局",
        "郑州高新区管委会",
        "中原区人民政府",
    ]
    assert clauses["四.(六)"].departments == ["市工信局", "市商务局", "市财政局"]
    assert clauses["三.(一)"].departments == []


def test_titles(clauses: dict[str, Clause]) -> None:
    expected = {
        "一": "基本情况",
        "三": "重点任务",
        "二.(一)": "指导思想",
        "三.(一)": "持续壮大智能终端产业",
        "四.(三)": "鼓励产业创新发展",
        "三.1": "做强手机产业",
        "三.7": "发展MEMS传感器",
        "四.1": "加大龙头企业支持力度",
        "四.10": "支持芯片企业首轮流片",
        "四.5": "支持工业互联网标识解析体系建设",
        # overrides from policy.yaml
        "四.12": "支持新一代信息技术产业新建项目",
        "四.14": "融合发展试点示范奖励",
    }
    for cid, title in expected.items():
        assert clauses[cid].title == title, cid
    for clause in clauses.values():
        assert 0 < len(clause.title) <= 21, clause.id


def test_derived_titles_without_overrides() -> None:
    meta = PolicyMeta(slug="x", title="t")
    by_id = parse_policy(SOURCE, meta).by_id()
    assert by_id["四.10"].title == "支持芯片企业首轮流片"  # before the first comma
    assert by_id["四.2"].title == "支持重点新兴领域加快发展"  # before the first 。
    assert by_id["四.9"].title.endswith("…") and len(by_id["四.9"].title) == 21


def test_paths_and_fields(clauses: dict[str, Clause]) -> None:
    c = clauses["四.10"]
    assert c.path == ["四、支持政策", "(三)鼓励产业创新发展"]
    assert (c.kind, c.chapter, c.section, c.item) == ("item", "四", "三", 10)
    s = clauses["五.(三)"]
    assert (s.kind, s.chapter, s.section, s.item, s.path) == (
        "section",
        "五",
        "三",
        None,
        ["五、保障措施"],
    )
    assert clauses["三"].kind == "chapter" and clauses["三"].path == []
    assert clauses["序"].kind == "preamble" and clauses["尾"].kind == "closing"


def test_parser_version() -> None:
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION


# --- variants of the same document ----------------------------------------------------------


def _signature(parsed: ParsedPolicy) -> list[tuple[str, str, list[str], str]]:
    return [(c.id, c.text, c.departments, c.title) for c in parsed.clauses]


def test_full_width_variant_gives_same_clauses(policy: ParsedPolicy) -> None:
    variant = re.sub(r"^\(([一二三四五六七八九十]+)\)", r"（\1）", SOURCE, flags=re.M)
    variant = re.sub(r"^([0-9]+)\.", r"\1．", variant, flags=re.M)
    variant = variant.replace("责任单位:", "责任单位：")
    assert variant != SOURCE
    assert _signature(parse_policy(variant, policy.meta)) == _signature(policy)


def test_item_separator_variants(policy: ParsedPolicy) -> None:
    variant = re.sub(r"^([0-9]+)\.", r"\1、", SOURCE, flags=re.M)
    variant = variant.replace("\n", "\r\n").replace("。", "。\u200b")
    assert [c.id for c in parse_policy(variant, policy.meta).clauses] == [
        c.id for c in policy.clauses
    ]


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_other_formats_parse_identically(tmp_path: Path, policy: ParsedPolicy, fmt: str) -> None:
    writer = {"md": make_docs.write_md, "docx": make_docs.write_docx}[fmt]
    path = writer(SOURCE, tmp_path / f"policy.{fmt}")
    parsed = parse_policy(load_document_text(path), policy.meta)
    assert _signature(parsed) == _signature(policy)


@pytest.mark.parametrize("engine", ["fpdf2", "reportlab"])
def test_pdf_parses_to_same_clauses(tmp_path: Path, policy: ParsedPolicy, engine: str) -> None:
    if engine == "fpdf2":
        if not make_docs.WQY_FONT.is_file():
            pytest.skip("fonts-wqy-microhei is not installed")
        path = make_docs._write_pdf_fpdf(SOURCE, tmp_path / "policy.pdf")
    else:
        path = make_docs._write_pdf_reportlab(SOURCE, tmp_path / "policy.pdf")
    parsed = parse_policy(load_document_text(path), policy.meta)
    assert [c.id for c in parsed.clauses] == [c.id for c in policy.clauses]
    for got, want in zip(parsed.clauses, policy.clauses, strict=True):
        # A line that ends exactly at the margin with 。 looks like a paragraph end, so a
        # PDF may carry an extra paragraph break; the characters must be the same.
        assert got.text.replace("\n", "") == want.text.replace("\n", ""), want.id
        assert got.departments == want.departments, want.id


def test_load_policy_dir_with_docx_source(tmp_path: Path) -> None:
    make_docs.write_docx(SOURCE, tmp_path / "policy.docx")
    (tmp_path / "policy.yaml").write_text(
        "slug: copy\ntitle: 副本\nsource_file: policy.docx\ntitles:\n  四.12: 新建项目奖励\n",
        encoding="utf-8",
    )
    parsed = load_policy_dir(tmp_path)
    assert parsed.meta.slug == "copy" and len(parsed.clauses) == 60
    assert parsed.by_id()["四.12"].title == "新建项目奖励"
    assert parsed.by_id()["四.12"].slug == "copy"


def test_load_policy_dir_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"policy\.yaml"):
        load_policy_dir(tmp_path)
    (tmp_path / "policy.yaml").write_text("slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(DocumentError):
        load_policy_dir(tmp_path)
    (tmp_path / "policy.yaml").write_text("slug: a\ntitle: b\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="找不到文件"):
        load_policy_dir(tmp_path)


def test_unknown_title_override_is_rejected() -> None:
    with pytest.raises(PolicyStructureError, match=r"四\.99"):
        parse_policy(SOURCE, _meta(titles={"四.99": "不存在"}))


# --- rejection -----------------------------------------------------------------------------


NEWS = (
    "新华社郑州6月2日电 记者从郑州市工信局获悉，郑州将加快发展新一代信息技术产业。\n"
    "据介绍，到2025年，郑州力争形成8000亿级产业集群。\n"
    "相关负责人表示，将出台一系列支持政策。"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "为空"),
        (" \n\u3000\n\u200b", "为空"),
        (NEWS, "没有找到章标题"),
        ("1.做强手机产业。\n一、基本情况\n我市。", "第1行"),
        ("序言。\n(一)指导思想\n一、基本情况", "第2行"),
        ("一、甲\n1.条目一。\n1.条目一重复。", "第3行.*应为第2条"),
        ("一、甲\n1.条目一。\n3.条目三。", "第3行.*不连续"),
        ("一、甲\n二、乙\n二、乙重复\n", "第3行.*章编号"),
        ("一、甲\n三、丙\n", "第2行"),
        ("二、乙\n", "第1行"),
        ("一、甲\n(一)节一\n(三)节三\n", "第3行.*节编号"),
        ("一、甲\n(一)节一\n(一)节一重复\n", "第3行"),
        ("一、甲\n1.\n2.条目二。", "三行|第2行"),
        ("一、甲\n1.条目。\n责任单位:。\n", "第3行.*责任单位"),
        ("一、\n正文。", "章标题为空"),
        ("一、甲\n(一)\n正文。", "节标题为空"),
        ("责任单位:市工信局。\n一、甲\n", "第1行"),
    ],
)
def test_rejections(text: str, message: str) -> None:
    with pytest.raises(PolicyStructureError, match=message):
        parse_policy(text, _meta())


def test_items_restart_per_chapter_but_not_per_section() -> None:
    text = "一、甲\n(一)子一\n1.条一。\n(二)子二\n2.条二。\n二、乙\n1.新条一。"
    ids = [c.id for c in parse_policy(text, _meta()).clauses]
    assert ids == ["一.(一)", "一.1", "一.(二)", "一.2", "二.1"]
    bad = "一、甲\n(一)子一\n1.条一。\n(二)子二\n1.条一又来。"
    with pytest.raises(PolicyStructureError, match="第5行"):
        parse_policy(bad, _meta())


def test_numbers_inside_text_are_not_items() -> None:
    text = "一、甲\n(一)子\n1.条一。\n2.5万个基站已建成。\n2021年增长23.9%。\n2.条二。"
    by_id = parse_policy(text, _meta()).by_id()
    assert by_id["一.1"].text == "条一。\n2.5万个基站已建成。\n2021年增长23.9%。"
    assert by_id["一.2"].text == "条二。"


def test_inline_heading_text_and_closing_variants() -> None:
    text = (
        "郑州市某某办法\n"
        "一、总则。为规范管理，制定本办法。\n"
        "二、附则\n"
        "本办法由市工信局负责解释。\n"
        "本办法自2023年1月1日起施行。\n"
        "郑州市工业和信息化局\n"
        "二〇二二年十二月一日\n"
        "（此件公开发布）\n"
        "打印本页 关闭窗口"
    )
    by_id = parse_policy(text, _meta()).by_id()
    assert list(by_id) == ["序", "一", "二", "尾"]
    assert by_id["一"].title == "总则" and by_id["一"].text == "总则。为规范管理，制定本办法。"
    assert by_id["二"].text == "本办法由市工信局负责解释。"
    assert by_id["尾"].text.endswith("二〇二二年十二月一日\n（此件公开发布）")


def test_closing_found_by_office_and_date_without_sentence() -> None:
    text = "一、甲\n(一)子\n正文。\n郑州市人民政府办公厅\n2022年6月2日\n相关信息"
    by_id = parse_policy(text, _meta()).by_id()
    assert by_id["一.(一)"].text == "正文。"
    assert by_id["尾"].text == "郑州市人民政府办公厅\n2022年6月2日"


def test_chinese_numerals() -> None:
    assert [chinese_numeral_value(n) for n in ["一", "九", "十", "十一", "二十", "二十三"]] == [
        1,
        9,
        10,
        11,
        20,
        23,
    ]
    assert [chinese_numeral_value(n) for n in ["一一", "十十", "二十十", "百"]] == [None] * 4


# --- sentences --------------------------------------------------------------------------


def test_split_sentences() -> None:
    text = "累计建成5G基站2.5万个,增长23.9%。对吗？是的！甲;乙；丙\n他说：“好。”然后走了。Done."
    assert split_sentences(text) == [
        "累计建成5G基站2.5万个,增长23.9%。",
        "对吗？",
        "是的！",
        "甲;",
        "乙；",
        "丙",
        "他说：“好。”",
        "然后走了。",
        "Done.",
    ]
    assert split_sentences("") == []
    assert split_sentences("1.做强手机产业。依托") == ["1.做强手机产业。", "依托"]


def test_split_sentences_covers_every_clause(policy: ParsedPolicy) -> None:
    for clause in policy.clauses:
        parts = split_sentences(clause.text)
        assert "".join(parts) == clause.text.replace("\n", ""), clause.id
    assert len(split_sentences(policy.by_id()["四.4"].text)) == 6  # 5 。 and one ;


# --- properties ---------------------------------------------------------------------------

STRUCTURAL_LINES = [
    "一、基本情况",
    "二、总体要求",
    "三、",
    "十一、其他",
    "(一)指导思想",
    "（二）发展目标",
    "1.做强手机产业。",
    "2．培育。",
    "3、条目",
    "1.",
    "责任单位:市工信局、市财政局。",
    "责任单位：",
    "本意见自公布之日起实施。",
    "郑州市人民政府办公厅",
    "2022年6月2日",
    "相关信息",
    "2.5万个",
    "（此件公开发布）",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(STRUCTURAL_LINES)), max_size=25))
def test_parse_only_raises_structure_errors(lines: list[str]) -> None:
    try:
        parsed = parse_policy("\n".join(lines), _meta())
    except PolicyStructureError:
        return
    ids = [c.id for c in parsed.clauses]
    assert len(ids) == len(set(ids))
    assert all(c.text for c in parsed.clauses)


BODY_CHARS = (
    "产业发展企业支持政策创新平台建设项目资金奖励补助市场应用技术服务体系"
    "加快推动培育重点领域郑州制造智能网络安全信息融合示范"
)
_body = st.text(alphabet=BODY_CHARS, min_size=1, max_size=12)
sentence = st.builds(lambda a, b: f"{a},{b}。", _body, _body)
paragraphs = st.lists(sentence, min_size=1, max_size=2).map("".join)
paras = st.lists(paragraphs, min_size=1, max_size=2)
departments = st.lists(
    st.sampled_from(["市工信局", "市财政局", "市科技局", "市商务局", "中原区人民政府"]),
    min_size=1,
    max_size=3,
    unique=True,
)
item = st.tuples(paras, st.none() | departments, st.sampled_from([".", "．", "、"]))
section = st.tuples(_body, st.none() | paras, st.lists(item, max_size=3), st.booleans())
chapter = st.tuples(
    _body, st.none() | paras, st.lists(section, max_size=3), st.lists(item, max_size=2)
)


Expected = list[tuple[str, str, list[str]]]


def _emit_items(items, chapter: str, start: int, lines: list[str], expected: Expected) -> int:
    """Write numbered items from ``start``; return the last number used."""
    number = start
    for body, depts, sep in items:
        number += 1
        lines.append(f"{number}{sep}{body[0]}")
        lines.extend(body[1:])
        if depts:
            lines.append("责任单位:" + "、".join(depts) + "。")
        expected.append((f"{chapter}.{number}", "\n".join(body), depts or []))
    return number


def _build_document(preamble, chapters, closing) -> tuple[list[str], Expected]:
    """A well-formed document and the clauses (id, text, departments) it must give."""
    lines: list[str] = []
    expected: Expected = []
    if preamble:
        lines += preamble
        expected.append(("序", "\n".join(preamble), []))
    for ci, (title, own, sections, loose_items) in enumerate(chapters):
        cn = CN[ci]
        lines.append(f"{cn}、{title}")
        if own:
            lines += own
            expected.append((cn, "\n".join(own), []))
        number = 0
        if not sections:
            number = _emit_items(loose_items, cn, number, lines, expected)
        for si, (stitle, lead, items, full_width) in enumerate(sections):
            sn = CN[si]
            lines.append(f"（{sn}）{stitle}" if full_width else f"({sn}){stitle}")
            lines += lead or []
            union: list[str] = []
            for _, depts, _ in items:
                union += [d for d in depts or [] if d not in union]
            expected.append((f"{cn}.({sn})", "\n".join(lead) if lead else stitle, union))
            number = _emit_items(items, cn, number, lines, expected)
    if closing:
        lines += ["本意见自公布之日起实施。", "郑州市人民政府办公厅", "2022年6月2日", "相关信息"]
        expected.append(("尾", "本意见自公布之日起实施。\n郑州市人民政府办公厅\n2022年6月2日", []))
    return lines, expected


@settings(max_examples=150, deadline=None)
@given(
    preamble=st.none() | paras,
    chapters=st.lists(chapter, min_size=1, max_size=4),
    closing=st.booleans(),
)
def test_generated_documents_round_trip(preamble, chapters, closing) -> None:
    lines, expected = _build_document(preamble, chapters, closing)
    parsed = parse_policy("\n".join(lines), _meta())
    assert [(c.id, c.text, c.departments) for c in parsed.clauses] == expected
