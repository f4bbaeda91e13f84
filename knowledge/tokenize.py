"""Keyword tokens for BM25: jieba words, policy terms kept whole, clause references as tokens."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

TERMS_FILE = Path(__file__).resolve().parent / "terms.txt"
REF_PREFIX = "§"  # clause-reference tokens never collide with words of the text

_CN_DIGITS = "一二三四五六七八九十"
# "四.10", "四．10", "第四部分第10条", "第四部分第十条", "(四)10" are all the same item reference.
_ITEM_REF = re.compile(
    rf"(?:第)?([{_CN_DIGITS}]+)(?:部分|章|、)?\s*(?:[.．]\s*|第)\s*([0-9]+|[{_CN_DIGITS}]+)\s*(?:条|项|款)?"
)
_SECTION_REF = re.compile(rf"([{_CN_DIGITS}]+)\s*[.．]?\s*[(（]([{_CN_DIGITS}]+)[)）]")
_BARE_ITEM = re.compile(rf"第\s*([0-9]+|[{_CN_DIGITS}]+)\s*条")
_WORD = re.compile(r"[\w%]+", re.UNICODE)

_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "吧",
        "呀",
        "么",
        "是",
        "在",
        "有",
        "和",
        "与",
        "及",
        "或",
        "我",
        "我们",
        "你",
        "你们",
        "他们",
        "咱们",
        "这",
        "那",
        "这个",
        "那个",
        "什么",
        "怎么",
        "怎么样",
        "如何",
        "请问",
        "一下",
        "一个",
        "可以",
        "能",
        "能不能",
        "会",
        "给",
        "对",
        "把",
        "被",
        "就",
        "都",
        "也",
        "还",
        "要",
        "想",
        "多少",
        "哪些",
        "哪个",
        "是否",
        "有没有",
        "没有",
        "不",
        "吧",
        "嘛",
        "哦",
        "呗",
        "啥",
        "咋",
        "个",
    ]
)

_init_lock = threading.Lock()
_initialised = False


def cn_numeral_to_int(text: str) -> int | None:
    """一..九十九 and digits → int (clause numbers are small; cn2an is overkill here)."""
    if text.isascii() and text.isdigit():  # "²".isdigit() is True too
        return int(text)
    values = {c: i + 1 for i, c in enumerate(_CN_DIGITS)}
    if not text or any(c not in values for c in text):
        return None
    if "十" not in text:
        return values[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)


def _ensure_jieba(extra_terms: Iterable[str] = ()) -> None:
    global _initialised
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            # jieba writes a 9 MB dictionary cache; keep it out of the shared temp root.
            cache_dir = Path(tempfile.gettempdir()) / "policy-assistant-jieba"
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
            jieba.load_userdict(str(TERMS_FILE))
            _initialised = True
        for term in extra_terms:
            jieba.add_word(term, freq=50)


def add_terms(terms: Iterable[str]) -> None:
    """Register a policy's own terms so they stay whole."""
    _ensure_jieba(terms)


def reference_tokens(text: str) -> list[str]:
    """Clause references written in a question (四.10, 第四部分第10条, 第10条, 三(二))."""
    tokens: list[str] = []
    for m in _ITEM_REF.finditer(text):
        number = cn_numeral_to_int(m.group(2))
        if number is not None:
            tokens.append(f"{REF_PREFIX}{m.group(1)}.{number}")
    for m in _SECTION_REF.finditer(text):
        tokens.append(f"{REF_PREFIX}{m.group(1)}.({m.group(2)})")
    for m in _BARE_ITEM.finditer(text):
        number = cn_numeral_to_int(m.group(1))
        if number is not None:
            tokens.append(f"{REF_PREFIX}条{number}")
    return tokens


def clause_reference_tokens(clause_id: str) -> list[str]:
    """Tokens a clause carries so that a question naming it finds it."""
    tokens = [f"{REF_PREFIX}{clause_id}"]
    _, _, rest = clause_id.partition(".")
    if rest.isdigit():
        tokens.append(f"{REF_PREFIX}条{int(rest)}")
    return tokens


def tokenize(text: str) -> list[str]:
    """Search tokens of a text: jieba's fine-grained words minus stopwords and punctuation."""
    _ensure_jieba()
    words = []
    for word in jieba.lcut_for_search(text):
        word = word.strip().lower()
        if not word or word in _STOPWORDS or not _WORD.fullmatch(word):
            continue
        words.append(word)
    return words


def query_tokens(text: str) -> list[str]:
    return tokenize(text) + reference_tokens(text)
