"""How every benchmark script ends: its report as JSON (``--json``) or as its own table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def emit(
    report: dict[str, Any], as_json: bool, print_table: Callable[[dict[str, Any]], None]
) -> int:
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(report)
    return 0
