"""python -m knowledge add | list | show | rebuild | remove"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from knowledge.settings import Settings


def _open_index(settings: Settings, force: bool) -> int:
    from knowledge.catalog import load_policies
    from knowledge.embedding import load_embedder
    from knowledge.index import ClauseIndex, expected_manifest, writer_lock

    embedder = load_embedder(settings)
    policies = load_policies(settings)
    if force:
        with writer_lock(settings.index_dir):
            manifest = ClauseIndex.build(
                settings, embedder, policies, expected_manifest(settings, embedder, policies)
            )
    else:
        manifest = ClauseIndex.open(settings, embedder, policies).manifest
    print(
        f"索引就绪：{len(policies)} 项政策，{manifest.chunk_count} 个片段，"
        f"模型 {manifest.model_id}，构建 {manifest.build_id}"
    )
    return 0


def _rule_check():  # -> FolderCheck
    """The rule module's check of a policy folder's law (rules.yaml, rule cases). Imported
    here, at the command's edge: the knowledge package itself never imports the assistant."""
    from assistant.awards.check import check_policy_folder

    return check_policy_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="政策知识库")
    sub = parser.add_subparsers(dest="command", required=True)

    add = sub.add_parser(
        "add",
        help="添加一项政策并更新索引：政策目录（policy.txt policy.yaml rules.yaml lexicon.yaml "
        "guide.yaml rule_cases/，先逐项检查），或一份政策文件（.txt .md .docx .pdf）加 --slug",
    )
    add.add_argument("file", type=Path, help="政策目录，或政策文件")
    add.add_argument("--slug", default=None, help="政策标识，如 zz-ai-2024（文件必填）")
    add.add_argument("--title", default="")
    add.add_argument("--office", default="", help="发文机关")
    add.add_argument("--issued", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    add.add_argument("--valid-years", type=int, default=None)
    add.add_argument("--replace", action="store_true", help="替换同名的已添加政策")

    sub.add_parser("list", help="列出已加载的政策")
    show = sub.add_parser("show", help="显示一个条款，如 四.10 或 slug:四.10")
    show.add_argument("id")
    rebuild = sub.add_parser("rebuild", help="重建索引")
    rebuild.add_argument("--if-stale", action="store_true", help="索引已是最新时什么都不做")
    remove = sub.add_parser("remove", help="删除一份已添加的政策")
    remove.add_argument("slug")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()

    from knowledge.catalog import (
        CatalogError,
        add_policy,
        add_policy_folder,
        load_policies,
        remove_policy,
    )
    from knowledge.clause import split_ref
    from knowledge.documents import DocumentError
    from knowledge.embedding import ModelNotReadyError
    from knowledge.parse import PolicyStructureError

    try:
        if args.command == "add" and args.file.is_dir():
            parsed = add_policy_folder(
                settings,
                args.file,
                slug=args.slug,
                replace=args.replace,
                checks=(_rule_check(),),
            )
            meta = parsed.meta
            print(f"已添加“{meta.title}”（{meta.slug}）：{len(parsed.clauses)} 个条款，已通过检查")
            return _open_index(settings, force=False)
        if args.command == "add":
            if not args.slug:
                raise CatalogError("添加政策文件须给出 --slug（政策目录则取 policy.yaml 的 slug）")
            parsed = add_policy(
                settings,
                args.file,
                args.slug,
                title=args.title,
                office=args.office,
                issued=args.issued,
                valid_years=args.valid_years,
                replace=args.replace,
            )
            print(f"已添加“{parsed.meta.title}”（{args.slug}）：{len(parsed.clauses)} 个条款")
            return _open_index(settings, force=False)
        if args.command == "list":
            for policy in load_policies(settings):
                meta = policy.meta
                issued = meta.issued.isoformat() if meta.issued else "日期不详"
                print(
                    f"{meta.slug}\t{meta.title}\t{meta.office}\t{issued}\t{len(policy.clauses)} 条"
                )
            return 0
        if args.command == "show":
            slug, clause_id = split_ref(args.id, settings.default_policy)
            for policy in load_policies(settings):
                if policy.meta.slug != slug:
                    continue
                clause = policy.by_id().get(clause_id)
                if clause:
                    print(f"【{args.id}】{clause.title}")
                    print(" > ".join(clause.path))
                    print(clause.text)
                    if clause.departments:
                        print("责任单位：" + "、".join(clause.departments))
                    return 0
            print(f"未找到条款“{args.id}”", file=sys.stderr)
            return 1
        if args.command == "rebuild":
            return _open_index(settings, force=not args.if_stale)
        if args.command == "remove":
            remove_policy(settings, args.slug)
            print(f"已删除“{args.slug}”")
            return _open_index(settings, force=False)
    except (CatalogError, DocumentError, PolicyStructureError, ModelNotReadyError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
