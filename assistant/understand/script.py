"""Traditional → simplified Chinese: OpenCC for characters, a curated table for regional words.

OpenCC's ``hk2s`` (Hong Kong variant characters, then the standard traditional → simplified
characters and phrases) leaves simplified text unchanged. Its ``tw2sp`` phrase table is not
used: it also rewrites ordinary mainland words (核心 → 内核, 建立 → 创建, 执行 → 运行), so the
Taiwan/HK words (軟體 → 软件, 資訊 → 信息) come from ``general_lexicon.yaml`` instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from assistant.understand.lexicon import general_lexicon

# Characters OpenCC can change are all CJK ideographs; text without any needs no call.
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("hk2s")


@lru_cache(maxsize=1)
def _regional() -> tuple[re.Pattern[str], dict[str, str]]:
    table = general_lexicon().regional
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), table


def to_simplified(text: str) -> tuple[str, bool]:
    """``text`` in simplified characters, and whether anything changed."""
    if not _HAN.search(text):
        return text, False
    out = _converter().convert(text)
    if out == text:
        return text, False  # unchanged is the fixed point already: no second call
    for _ in range(3):  # a few characters convert in two steps; stop at the fixed point
        again = _converter().convert(out)
        if again == out:
            break
        out = again
    return out, out != text


def mainland_words(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Taiwan/HK words → mainland words; returns the text and the (old, new) pairs."""
    pattern, table = _regional()
    changed: list[tuple[str, str]] = []

    def swap(m: re.Match[str]) -> str:
        new = table[m.group(0)]
        if new != m.group(0):  # an entry mapped to itself only shields a longer word
            changed.append((m.group(0), new))
        return new

    for _ in range(3):  # 智慧感测器 → 智慧传感器 → 智能传感器: stop at the fixed point
        new_text = pattern.sub(swap, text)
        if new_text == text:
            break
        text = new_text
    return text, changed
