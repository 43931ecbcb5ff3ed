"""Find the Solidity code inside prose (seed instructions and responses)."""

from __future__ import annotations

import re

from swclint.analyze.chunks import format_one_line

_FENCE = re.compile(r"```[ \t]*([A-Za-z]*)[^\n]*\n?(.*?)(?:```|$)", re.S)
# Where code starts inside prose. `contract X ... {` and `function name(` need their punctuation so
# that prose like "the contract is" or "this function transfers" does not count.
_CODE_START = re.compile(
    r"pragma\s+solidity\b"
    r"|\b(?:abstract\s+)?(?:contract|library|interface)\s+[A-Za-z_]\w*\s*(?:is\s+[\w\s,().]+?)?\{"
    r"|\bfunction\s*[A-Za-z_]\w*\s*\("
    r"|\bfunction\s*\(\s*\)"
    r"|\bmodifier\s+[A-Za-z_]\w*\s*[({]"
    r"|\bconstructor\s*\("
    r"|\b(?:fallback|receive)\s*\(\s*\)\s*external"
)
# What may continue a code run after a top-level block closed (another member or declaration).
_CONTINUES = re.compile(
    r"\s*(?:function\b|modifier\b|constructor\b|contract\b|library\b|interface\b|event\b|struct\b"
    r"|mapping\s*\(|(?:u?int\d*|address|bool|bytes\d*|string)\s+(?:public\s+|private\s+|internal\s+)?\w+\s*[;=])"
)


def _block_end(text: str, start: int) -> int:
    """End offset of the code run starting at `start`: its closing `}` (or `;` for a declaration)."""
    depth = 0
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            close = text.find('"', i + 1)
            if close < 0 or "\n\n" in text[i:close]:
                i += 1
                continue
            i = close + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth <= 0:
                return i + 1
        elif ch == ";" and depth == 0:
            return i + 1
        i += 1
    return n


def code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of code runs found by keyword and brace matching, in text order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _CODE_START.search(text, pos)
        if not m:
            return spans
        start = m.start()
        end = _block_end(text, start)
        while end < len(text):
            nxt = _CONTINUES.match(text, end)
            if not nxt:
                break
            end = _block_end(text, end + (len(nxt.group(0)) - len(nxt.group(0).lstrip())))
        spans.append((start, end))
        pos = end


def extract_code(text: str) -> tuple[str, str]:
    """(code, prose) from a prose text: fenced blocks when present, else keyword-found runs.

    Each piece of code flattened onto one line is re-indented with `format_one_line`.
    """
    fences = [m for m in _FENCE.finditer(text) if m.group(2).strip()]
    pieces: list[str] = []
    prose = text
    if fences:
        for m in fences:
            body = m.group(2)
            inner = code_spans(body)
            pieces.append(body if not inner else "\n".join(body[a:b] for a, b in inner))
        prose = _FENCE.sub(" ", text)
    else:
        spans = code_spans(text)
        pieces = [text[a:b] for a, b in spans]
        for a, b in reversed(spans):
            prose = prose[:a] + " " + prose[b:]
    code = "\n\n".join(format_one_line(p.strip()) for p in pieces if p.strip())
    return code, prose
