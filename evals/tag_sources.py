"""Give every case of a gold file its ``source`` and ``date`` (CONTRACT §3 extra keys).

``python -m evals.tag_sources --source written evals/gold/awards.jsonl …``

The date is the day the line was last written, from ``git blame`` (the commit's author
date), or today for a line git does not know yet. Keys already present are kept, nothing
else in a case changes (the expectations are compared before and after, and the file is
left alone if they differ), and ``fresh.jsonl`` is never opened.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

SKIP = frozenset({"fresh.jsonl", "review-history.jsonl"})


def blame_dates(path: Path) -> dict[int, str]:
    """1-based line number → ISO date of the commit that last wrote it."""
    proc = subprocess.run(
        ["git", "blame", "--line-porcelain", "--", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
    )
    dates: dict[int, str] = {}
    if proc.returncode != 0:
        return dates
    line_no, when = 0, None
    for row in proc.stdout.splitlines():
        parts = row.split(" ")
        if len(parts[0]) == 40 and len(parts) >= 3 and parts[1].isdigit():
            line_no = int(parts[2])
        elif row.startswith("author-time "):
            when = datetime.fromtimestamp(int(parts[1]), UTC).date().isoformat()
        elif row.startswith("\t") and when:
            dates[line_no] = when
    return dates


def tag_file(path: Path, source: str) -> int:
    """Add the keys; returns how many cases changed."""
    dates = blame_dates(path)
    today = date.today().isoformat()
    lines = path.read_text("utf-8").splitlines()
    out, changed = [], 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            out.append(line)
            continue
        case = json.loads(line)
        tagged: dict = {}
        for key, value in case.items():  # source and date right after category
            tagged[key] = value
            if key == "category":
                tagged.setdefault("source", case.get("source", source))
                tagged.setdefault("date", case.get("date", dates.get(number, today)))
        tagged.setdefault("source", source)
        tagged.setdefault("date", dates.get(number, today))
        if tagged.get("expect") != case.get("expect") or tagged.get("id") != case.get("id"):
            raise AssertionError(f"{path}:{number}: tagging would change the case")
        changed += tagged != case
        out.append(json.dumps(tagged, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", "utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.tag_sources", description=__doc__)
    parser.add_argument("--source", required=True, choices=["written", "reviewed", "dev"])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.files:
        if path.name in SKIP:
            continue
        print(f"{path}: {tag_file(path, args.source)} case(s) tagged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
