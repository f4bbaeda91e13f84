"""python -m assistant ask | chat | award | logs"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from knowledge.settings import Settings


def _print_human(answer) -> None:
    print(answer.answer)
    if answer.citations:
        print("\n引用条款：")
        for c in answer.citations:
            depts = f"（责任单位：{'、'.join(c.departments)}）" if c.departments else ""
            print(f"  【{c.id}】{c.title}{depts}")
    print(f"\n（用时 {answer.latency_ms:.0f} 毫秒）")


def _load_history(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        print(f"错误：无法读取对话历史文件 {path}：{exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        print(
            '错误：对话历史文件应为 JSON 字符串数组，例如 ["首轮流片补助怎么算？"]', file=sys.stderr
        )
        raise SystemExit(2)
    return data


def _log(settings: Settings):
    try:
        from assistant.log import ConversationLog

        return ConversationLog(settings.log_path)
    except Exception as exc:  # logging must never stop an answer
        logging.getLogger(__name__).warning("对话日志不可用：%s", exc)
        return None


def cmd_ask(args, settings: Settings) -> int:
    from assistant.chain import clean_question
    from assistant.errors import QuestionError

    history = _load_history(args.history)
    try:  # check the question before spending seconds on loading the model
        clean_question(args.question, settings.max_question_chars)
    except QuestionError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    assistant = load_with_progress(settings, progress=not args.json)
    try:
        answer = assistant.ask(args.question, history)
    except QuestionError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    log = _log(settings)
    if log is not None:
        log.record(answer, history, channel="cli")
    if args.json:
        print(answer.model_dump_json(exclude_none=False, indent=None).replace("\n", ""), end="\n")
    else:
        _print_human(answer)
    return 0


def load_with_progress(settings: Settings, *, progress: bool = True, out=None):
    """The Assistant, saying on stderr what is loading and how far it got (the model and
    the index take seconds; stdout stays clean for --json)."""
    import time

    from assistant.chain import Assistant
    from knowledge.base import KnowledgeBase
    from knowledge.catalog import load_policies
    from knowledge.embedding import load_embedder
    from knowledge.index import ClauseIndex

    out = out or sys.stderr
    started = time.perf_counter()
    state: dict = {}
    steps = [
        ("加载嵌入模型", lambda: state.update(embedder=load_embedder(settings))),
        ("读取政策文本", lambda: state.update(policies=load_policies(settings))),
        (
            "打开检索索引",
            lambda: state.update(
                index=ClauseIndex.open(
                    settings, state["embedder"], state["policies"], progress=progress
                )
            ),
        ),
        (
            "准备问答流程",
            lambda: state.update(
                assistant=Assistant(
                    settings,
                    KnowledgeBase(settings, state["embedder"], state["policies"], state["index"]),
                )
            ),
        ),
    ]
    print("正在加载政策助手（首次约需十几秒）……", file=out, flush=True)
    for n, (name, step) in enumerate(steps, 1):
        print(f"  [{n}/{len(steps)}] {name}……", end="", file=out, flush=True)
        t = time.perf_counter()
        step()
        print(f"完成（{time.perf_counter() - t:.1f} 秒）", file=out, flush=True)
    print(f"加载完成，共 {time.perf_counter() - started:.1f} 秒。\n", file=out, flush=True)
    return state["assistant"]


def cmd_chat(args, settings: Settings) -> int:
    from assistant.errors import QuestionError

    assistant = load_with_progress(settings)
    log = _log(settings)
    history: list[str] = []
    as_json = False
    print(
        "政策助手（热线版）。输入问题后回车；/reset 重新开始，/json 切换 JSON 输出，Ctrl-D 退出。"
    )
    while True:
        try:
            line = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line == "/reset":
            history.clear()
            print("（已开始新的对话）")
            continue
        if line == "/json":
            as_json = not as_json
            print(f"（JSON 输出：{'开' if as_json else '关'}）")
            continue
        try:
            answer = assistant.ask(line, history)
        except QuestionError as exc:
            print(f"错误：{exc}")
            continue
        if log is not None:
            log.record(answer, history, channel="cli")
        history.append(line)
        if as_json:
            print(answer.model_dump_json(indent=2))
        else:
            _print_human(answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant", description="政策助手（已收录政策：python -m knowledge list）"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="回答一个问题")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="输出 CONTRACT §2 的 JSON 对象")
    ask.add_argument("--history", type=Path, help='此前的问题：JSON 数组文件 ["…", "…"]')

    sub.add_parser("chat", help="终端多轮对话（热线坐席用）")

    award = sub.add_parser("award", help="按规则测算补贴金额")
    award.add_argument("rule", nargs="?", help="规则编号，如 四.10；不填则列出全部规则")
    award.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="名称=值",
        help="输入，如 cost=800万；可重复",
    )
    award.add_argument("--json", action="store_true")
    award.add_argument("--list", action="store_true", help="列出全部规则")

    logs = sub.add_parser("logs", help="查看或导出对话日志")
    logs.add_argument("--limit", type=int, default=20)
    logs.add_argument("--format", choices=["table", "csv", "jsonl"], default="table")
    logs.add_argument("--feedback", choices=["up", "down"], default=None)
    logs.add_argument("--output", type=Path, default=None)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    settings = Settings()

    from knowledge.embedding import ModelNotReadyError

    try:
        if args.command == "ask":
            return cmd_ask(args, settings)
        if args.command == "chat":
            return cmd_chat(args, settings)
        if args.command == "award":
            from assistant.awards.books import RuleBooks
            from assistant.awards.cli import award_command, list_rules

            books = RuleBooks.load(settings)
            if args.list or not args.rule:
                print(list_rules(books))
                return 0
            return award_command(args.rule, args.input, settings.resolved_today(), args.json, books)
        if args.command == "logs":
            from assistant.log_cli import logs_command

            return logs_command(settings, args.limit, args.format, args.feedback, args.output)
    except ModelNotReadyError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
