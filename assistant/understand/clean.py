"""Characters nobody typed on purpose, and Unicode compatibility forms folded (NFKC).

``typed`` removes control characters (keeping tab and line breaks), format characters
(zero-width spaces and joiners, bidi marks and embeddings, the BOM, soft hyphens, tags),
lone surrogates and noncharacters: what remains is what the user typed.

``folded`` is the processing form: NFKC (full-width letters and digits → ASCII, compatibility
ideographs → ordinary ones, ideographic space → space), runs of spaces → one, line breaks
kept. Three NFKC foldings would invent numbers, so they are made harmless first: circled
list numbers (① → (1), ⒈ → (1)), superscripts (10² → 10^2) and a full-width comma between
digits, which stays "，" — a separator between two figures, never a thousands separator.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode 15 format characters (category Cf); tests check this list against unicodedata.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_NONCHAR = "\ufdd0-\ufdef\ufffe\uffff"
_DROP = re.compile(
    rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_FORMAT}{_NONCHAR}\ud800-\udfff]"
    r"|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0010fffe\U0010ffff]"
)
_VARIATION = re.compile(r"[\ufe00-\ufe0f\U000e0100-\U000e01ef]")

_CIRCLED = {chr(0x2460 + i): f"({i + 1})" for i in range(20)}  # ①…⑳
_CIRCLED.update({chr(0x2488 + i): f"({i + 1})" for i in range(20)})  # ⒈…⒛
_CIRCLED.update({chr(0x3251 + i): f"({i + 21})" for i in range(15)})  # ㉑…㉟
_CIRCLED.update({chr(0x32B1 + i): f"({i + 36})" for i in range(15)})  # ㊱…㊿
_CIRCLED.update({"⓪": "(0)", "㎡": "平方米", "㎥": "立方米"})
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))
_HARMFUL = re.compile("[" + "".join(_CIRCLED) + "".join(_SUPER) + "".join(_SUB) + "]")
_DIGIT_COMMA = re.compile(r"(?<=[0-9０-９])，(?=[0-9０-９])")
_COMMA_MARK = "\ufdd0"  # a noncharacter: removed from input, untouched by NFKC
_SPACES = re.compile(r"[^\S\n]+")
_LINES = re.compile(r"\s*\n\s*")


def typed(text: str) -> str:
    """What the user typed, less invisible and unencodable characters."""
    return _DROP.sub("", text)


def _harmless(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _SUPER:
        return "^" + _SUPER[ch]
    if ch in _SUB:
        return "_" + _SUB[ch]
    return _CIRCLED[ch]


def folded(text: str) -> str:
    """The processing form of already ``typed`` text (see the module docstring)."""
    text = _HARMFUL.sub(_harmless, text)
    text = _DIGIT_COMMA.sub(_COMMA_MARK, text)
    text = unicodedata.normalize("NFKC", text).replace(_COMMA_MARK, "，")
    text = _DROP.sub("", _VARIATION.sub("", text))  # NFKC can compose nothing new here; cheap
    text = _LINES.sub("\n", _SPACES.sub(" ", text))
    return text.strip()
