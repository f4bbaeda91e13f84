"""Display of money, percentages and counts in the project's conventions.

Whole 万 amounts as "320万元", fractional 万 as "281.4万元" (exact to the yuan, so at most
4 decimals), amounts under 1万 as "5000元". Intermediate values that carry fen keep them.
"""

from __future__ import annotations

from decimal import Decimal

_WAN = Decimal(10000)


def _plain(d: Decimal) -> str:
    """Decimal without exponent and without trailing zeros."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def format_money(yuan: Decimal | int) -> str:
    value = Decimal(yuan)
    if abs(value) >= _WAN:
        return f"{_plain(value / _WAN)}万元"
    return f"{_plain(value)}元"


def format_percent(p: Decimal | int) -> str:
    return f"{_plain(Decimal(p))}%"


def format_count(n: Decimal | int, unit: str = "") -> str:
    value = Decimal(n)
    if abs(value) >= _WAN and value % 100 == 0:
        return f"{_plain(value / _WAN)}万{unit}"
    return f"{_plain(value)}{unit}"


def format_value(value: Decimal | int, unit: str) -> str:
    """Format by an input/parameter unit name (yuan, percent, count, times)."""
    if unit == "yuan":
        return format_money(value)
    if unit == "percent":
        return format_percent(value)
    if unit == "times":
        return format_count(value, "次")
    return format_count(value)
