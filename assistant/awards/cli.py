"""``python -m assistant award RULE --input name=value …`` and ``--list``.

The lead wires :func:`award_command` and :func:`list_rules` into assistant/__main__.py.
"""

from __future__ import annotations

import json
import sys
from datetime import date

from assistant.answer import AwardResult
from assistant.awards.books import RuleBooks
from assistant.awards.errors import AwardInputError
from assistant.awards.format import format_money
from assistant.awards.formulas import KIND_LABELS


def parse_inputs(raw_inputs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw_inputs or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AwardInputError(
                f"输入格式应为 名称=数值（如 tapeout_cost_yuan=800万），收到“{item}”"
            )
        out[name.strip()] = value.strip()
    return out


def render(result: AwardResult) -> str:
    """The trace in Chinese, for a terminal."""
    lines = [f"规则：{result.rule}（{result.clause}）{result.title or ''}"]
    if result.negotiated:
        lines.append("结论：一事一议，条文未规定具体金额")
    elif result.eligible is False:
        lines.append("结论：不符合条件，金额 0 元")
    elif result.amount_yuan is None:
        lines.append("结论：还缺少计算所需的信息")
    else:
        word = "最高" if result.upper_bound else ""
        lines.append(f"结论：{word}{format_money(result.amount_yuan)}（{result.amount_yuan} 元）")
    if result.steps:
        lines.append("计算过程：")
        lines += [f"  {n}. {s}" for n, s in enumerate(result.steps, 1)]
    if result.missing:
        lines.append("缺少：" + "、".join(result.missing))
        if result.follow_up:
            lines.append(result.follow_up)
    if result.assumptions:
        lines.append("假设与说明：")
        lines += [f"  - {a}" for a in result.assumptions if a != result.validity_note]
    if result.validity_note:
        lines.append("有效期：" + result.validity_note)
    return "\n".join(lines)


def award_command(
    rule_id: str,
    raw_inputs: list[str],
    today: date,
    as_json: bool,
    books: RuleBooks,
) -> int:
    """Print one rule's trace (Chinese) or JSON; exit code 0, or 2 on bad input. ``rule_id``:
    ``四.10`` (default policy) or ``slug:二.3``."""
    try:
        result = books.evaluate(rule_id, parse_inputs(raw_inputs), today=today)
    except AwardInputError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return 0


# How each formula kind and input unit reads in Chinese (``award --list`` is for people).
KIND_NAMES = KIND_LABELS  # each kind's model names itself (FormulaBase.label)
UNIT_NAMES = {
    "yuan": "金额（元，可写800万）",
    "percent": "百分比",
    "count": "数量",
    "times": "次数",
    "bool": "是/否",
    "enum": "单选",
    "enum_list": "可多选",
}


def list_rules(books: RuleBooks) -> str:
    """Every rule of every loaded policy with its clause, title and inputs (for ``award
    --list``), in Chinese."""
    lines = []
    for book, rule in ((b, r) for b in books for r in b.rules.values()):
        kind = rule.formula.label
        lines.append(f"{book.ref(rule.id)}　{rule.title}　［计算方式：{kind}］")
        for spec in rule.inputs:
            need = "必填" if rule.formula_needs(spec.name) else "选填"
            opts = f"（{'/'.join(spec.option_values())}）" if spec.options else ""
            unit = UNIT_NAMES.get(spec.unit, spec.unit)
            lines.append(f"    {spec.label}{opts}　{unit}　{need}　输入名：{spec.name}")
    lines.append("")
    lines.append(
        "用法：python -m assistant award 四.10 -i 输入名=数值（如 tapeout_cost_yuan=800万）"
    )
    return "\n".join(lines)
