"""Keyword tokens for BM25: jieba words, policy terms kept whole, clause references as tokens."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba

from knowledge.parse import chinese_numeral_value
from knowledge.yaml_load import safe_load

TERMS_FILE = Path(__file__).resolve().parent / "terms.txt"
SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.yaml"
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

_synonym_lock = threading.Lock()
_synonyms: Synonyms | None = None
_expansion_cache: dict[str, tuple[str, ...]] = {}


class Synonyms:
    """Colloquial word → official terms of the policy text, with one compiled matcher."""

    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        self.table = table
        # Lower-cased lookup: the matcher is case-insensitive ("lpr", "LPR").
        self._by_lower = {k.lower(): k for k in table}
        alternatives = []
        # Longest first, so "自动化产线" wins over "自动化" at the same position.
        for key in sorted(table, key=len, reverse=True):
            escaped = re.escape(key)
            # Latin keys ("IC", "PCB") must not fire inside longer Latin words.
            if key.isascii():
                escaped = rf"(?<![A-Za-z]){escaped}(?![A-Za-z])"
            alternatives.append(escaped)
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE) if table else None

    def keys_in(self, text: str) -> list[str]:
        """Keys occurring in ``text``, in order of appearance, each once."""
        if self._pattern is None:
            return []
        found = (self._by_lower[m.group(0).lower()] for m in self._pattern.finditer(text))
        lowered = text.lower()
        return [
            key
            for key in dict.fromkeys(found)
            # "两化" inside "两化融合" is already the official wording: expanding it to the
            # key's other terms would only pull towards a neighbouring clause.
            if not any(
                key.lower() in term.lower() and term.lower() in lowered for term in self.table[key]
            )
        ]


def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    """Read and check the thesaurus; a malformed file is an error, not a silent no-op."""
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    table = data.get("synonyms") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected a mapping under 'synonyms'")
    checked: dict[str, tuple[str, ...]] = {}
    for key, terms in table.items():
        if not isinstance(key, str) or len(key.strip()) < 2:
            raise ValueError(f"{path}: key {key!r} must be a word of at least two characters")
        if (
            not isinstance(terms, list)
            or not terms
            or not all(isinstance(t, str) and t.strip() for t in terms)
        ):
            raise ValueError(f"{path}: {key!r} needs a non-empty list of terms")
        checked[key.strip()] = tuple(t.strip() for t in terms)
    return Synonyms(checked)


def _get_synonyms() -> Synonyms:
    global _synonyms
    with _synonym_lock:
        if _synonyms is None:
            _synonyms = load_synonyms()
        return _synonyms


def cn_numeral_to_int(text: str) -> int | None:
    """A clause number as written in a question: "10" or 十 / 二十一 (the parser's reading)."""
    if text.isascii() and text.isdigit():  # "²".isdigit() is True too
        return int(text)
    return chinese_numeral_value(text)


_cache_dir: Path | None = None


def use_cache_dir(folder: Path) -> None:
    """Keep jieba's dictionary cache (9 MB, built once in ~2 s, then read in ~1 s) in
    ``folder`` — the data folder, beside the index — rather than the shared temp root.
    Takes effect when jieba has not loaded its dictionary yet."""
    global _cache_dir
    with _init_lock:
        _cache_dir = folder


# jieba's cache is 9 MB: on a nearly full disk the index and the log need that room more.
_CACHE_ROOM_BYTES = 256 << 20


def _usable_cache_dir() -> Path:
    """The configured cache folder when it exists or can be made and has room (or holds the
    cache already); else the temp root's."""
    fallback = Path(tempfile.gettempdir()) / "policy-assistant-jieba"
    for folder in (_cache_dir, fallback):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            cached = any(folder.glob("jieba*.cache"))
            if cached or shutil.disk_usage(folder).free >= _CACHE_ROOM_BYTES:
                return folder
        except OSError:  # a read-only or vanished folder
            continue
    return Path(tempfile.gettempdir())


def _ensure_jieba(extra_terms: Iterable[str] = ()) -> None:
    global _initialised
    with _init_lock:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.dt.tmp_dir = str(_usable_cache_dir())
            jieba.load_userdict(str(TERMS_FILE))
            _initialised = True
        for term in extra_terms:
            jieba.add_word(term, freq=50)


def add_terms(terms: Iterable[str]) -> None:
    """Register a policy's own terms so they stay whole."""
    _ensure_jieba(terms)
    # New whole words change how official terms split; expansions are re-tokenised lazily.
    _tokens.cache_clear()
    with _synonym_lock:
        _expansion_cache.clear()


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
    return list(_tokens(text))


# A question's text is tokenized ~6 times (retrieval, routing, frames, the composer's
# sentence scores over the same clause sentences): 1.0 s of 4.9 s per 150 dev questions
# before this cache (`python -m evals.bench_stages`). New terms change the words, so
# add_terms clears it.
@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    _ensure_jieba()
    words = []
    for word in jieba.lcut_for_search(text):
        word = word.strip().lower()
        if not word or word in _STOPWORDS or not _WORD.fullmatch(word):
            continue
        words.append(word)
    return tuple(words)


def expansion_tokens(text: str, present: Iterable[str] = ()) -> list[str]:
    """Tokens of the official terms for colloquial words in ``text`` (封测 → 封装测试).

    Each token is added once and only if not already ``present``: rank_bm25 has no
    per-term weights, so a single occurrence keeps an expansion lighter than the
    question's own words (which count again each time they repeat).
    """
    synonyms = _get_synonyms()
    seen = set(present)
    out: list[str] = []
    for key in synonyms.keys_in(text):
        with _synonym_lock:
            cached = _expansion_cache.get(key)
        if cached is None:
            cached = tuple(
                dict.fromkeys(tok for term in synonyms.table[key] for tok in tokenize(term))
            )
            with _synonym_lock:
                _expansion_cache[key] = cached
        for token in cached:
            if token not in seen:
                seen.add(token)
                out.append(token)
    return out


def query_tokens(text: str) -> list[str]:
    """A question's tokens, its clause references, then thesaurus expansions."""
    tokens = tokenize(text) + reference_tokens(text)
    return tokens + expansion_tokens(text, tokens)
