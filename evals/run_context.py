"""What a run knows and used besides the cases: facts from policy.yaml, the commit, the gold
files it read, a saved run to compare with."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from evals.cases import expand_paths
from evals.thresholds import InputError

EVALS_DIR = Path(__file__).resolve().parent


# -- facts a number in an answer may come from besides the citations -------------------------


def _policy_metas(settings: Any) -> list[Any]:
    """Each loaded policy's policy.yaml; one the system cannot read either is left out."""
    from knowledge.catalog import policy_dirs
    from knowledge.clause import PolicyMeta

    metas = []
    for folder in policy_dirs(settings):
        try:
            metas.append(
                PolicyMeta.model_validate(
                    yaml.safe_load((folder / "policy.yaml").read_text("utf-8"))
                )
            )
        except Exception:
            continue  # nothing to ground on
    return metas


def policy_facts(settings: Any) -> list[Decimal]:
    """Dates the system states without a clause saying them: issue date, end of validity,
    the validity in years, and today (injectable). Read from policy.yaml, not the answers."""
    days: list[date] = [settings.resolved_today()]
    years: list[int] = []
    for meta in _policy_metas(settings):
        days += [d for d in (meta.issued, meta.valid_until) if d]
        if meta.valid_years:
            years.append(meta.valid_years)
    values = {Decimal(v) for d in days for v in (d.year, d.month, d.day)}
    values |= {Decimal(y) for y in years}
    return sorted(values)


def validity_markers(settings: Any) -> list[str]:
    """The policies' issue and end-of-validity dates as an answer writes them (2025年6月1日,
    2025-06-01): stating one states the validity. Read from policy.yaml."""
    markers: list[str] = []
    for meta in _policy_metas(settings):
        for d in (meta.issued, meta.valid_until):
            if d:
                markers += [f"{d.year}年{d.month}月{d.day}日", d.isoformat()]
    return markers


# -- what a run used: the commit and the gold files --------------------------------------------


def git_commit(cwd: Path = EVALS_DIR) -> str | None:
    """``git rev-parse HEAD`` of the code under test, ``+dirty`` when the tree has changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def gold_files(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Each gold file a run read, with its SHA-256, so two runs can say what they compared."""
    import hashlib

    out = []
    for path in expand_paths(paths):
        data = path.read_bytes()
        out.append(
            {
                "path": str(path),
                "sha256": hashlib.sha256(data).hexdigest()[:16],
                "cases": sum(1 for line in data.decode("utf-8").splitlines() if line.strip()),
            }
        )
    return out


def load_run(path: Path) -> dict[str, Any]:
    """A saved run JSON (``--json`` output or last_run.json) to compare with; bad = exit 2."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the run to compare with: {e}") from None
    except ValueError as e:
        raise InputError(f"{path}: not a run JSON: {e}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise InputError(f"{path}: not a run JSON (no 'cases' list)")
    return dict(data)
