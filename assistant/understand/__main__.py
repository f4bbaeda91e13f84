"""See what the front door makes of a question: ``python -m assistant.understand "…"``.

``--terms`` takes the policy terms to match by sound (comma-separated); ``--time N`` also
prints the median time of N calls (after one warm-up call that loads OpenCC, pypinyin, jieba).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from assistant.understand.normalise import normalise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.understand")
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--terms", default="", help="policy terms, comma-separated")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="median of N calls")
    args = parser.parse_args(argv)
    terms = tuple(t for t in args.terms.replace("，", ",").split(",") if t)
    timings: list[float] = []
    for question in args.questions:
        result = normalise(question, terms)
        print(json.dumps(result.__dict__, ensure_ascii=False))
        for _ in range(args.time):
            start = time.perf_counter()
            normalise(question, terms)
            timings.append(time.perf_counter() - start)
    if timings:
        median_us = statistics.median(timings) * 1e6
        print(f"median {median_us:.0f} µs over {len(timings)} calls", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
