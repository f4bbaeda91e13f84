"""Clause text cut into sentences (for chunking and for quoting a sentence in an answer)."""

from __future__ import annotations

_SENTENCE_END = frozenset("。！？；!?;")
_CLOSERS = frozenset("”’」』)）】》\"'")


def split_sentences(text: str) -> list[str]:
    """Split at 。！？；(and ! ? ; .) where they end a sentence, keeping the punctuation.

    A "." ends a sentence only when it is not inside a number (2.5, 23.9%) and not the
    dot of a list number at a line start (``1.``). Closing quotes and brackets right
    after the mark stay with the sentence; line breaks always end a sentence.
    """
    sentences: list[str] = []
    current: list[str] = []
    n = len(text)
    i = 0

    def flush() -> None:
        sentence = "".join(current).strip()
        if sentence:
            sentences.append(sentence)
        current.clear()

    while i < n:
        char = text[i]
        if char == "\n":
            flush()
            i += 1
            continue
        current.append(char)
        ends = char in _SENTENCE_END or (char == "." and _dot_ends_sentence(text, i, current))
        if ends:
            i += 1
            while i < n and (text[i] in _SENTENCE_END or text[i] in _CLOSERS):
                current.append(text[i])
                i += 1
            flush()
            continue
        i += 1
    flush()
    return sentences


def _dot_ends_sentence(text: str, i: int, current: list[str]) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt.isdigit() or (nxt.isascii() and nxt.isalpha()) or nxt == ".":
        return False  # 2.5, www.example, an ellipsis "..."
    # "1." at the start of a line is numbering, not the end of a sentence
    return not "".join(current[:-1]).strip().isdigit() and bool(prev)
