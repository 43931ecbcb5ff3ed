"""Lexical helpers over Solidity source: comment masking, pragma and import extraction.

Masking keeps every offset and newline in place so matches map back to line numbers.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PRAGMA = re.compile(r"\bpragma\s+solidity\b([^;]*);")
# An import statement starts a statement; the first string literal in it is the path.
_IMPORT = re.compile(r"(?:^|(?<=[;{}]))\s*import\b([^;]*?)([\"'])((?:\\.|(?!\2).)*)\2[^;]*;", re.S)


class Directive(NamedTuple):
    line: int
    text: str


def mask(source: str, *, strings: bool = False) -> str:
    """Blank out comments (and string contents when `strings`) keeping offsets and newlines."""
    out = list(source)
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        nxt = source[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = source.find("\n", i)
            j = n if j == -1 else j
            _blank(out, source, i, j)
            i = j
        elif c == "/" and nxt == "*":
            j = source.find("*/", i + 2)
            j = n if j == -1 else j + 2
            _blank(out, source, i, j)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            if strings:
                _blank(out, source, i + 1, min(j, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


def plain_comments(source: str) -> str:
    """NatSpec comments (`///`, `/** */`) turned into plain ones, keeping offsets and newlines.

    solc rejects some NatSpec that an older release accepted (a `@param` with no text); analysis
    never needs it, so a file rejected only for its NatSpec is compiled with it as plain comments.
    """
    out = list(source)
    masked = mask(source)  # comments blanked, strings kept: a `//` in a string stays as it is
    i, n = 0, len(source)
    while i < n:
        if source.startswith("//", i) and masked[i] == " ":
            if source.startswith("///", i):
                out[i + 2] = " "
            j = source.find("\n", i)
            i = n if j == -1 else j
        elif source.startswith("/*", i) and masked[i] == " ":
            if source.startswith("/**", i) and not source.startswith("/**/", i):
                out[i + 2] = " "
            j = source.find("*/", i + 2)
            i = n if j == -1 else j + 2
        else:
            i += 1
    return "".join(out)


def _blank(out: list[str], source: str, start: int, end: int) -> None:
    for k in range(start, end):
        if source[k] != "\n":
            out[k] = " "


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def solidity_pragmas(source: str) -> list[Directive]:
    """Every `pragma solidity <expr>;` outside comments and strings, in source order."""
    masked = mask(source, strings=True)
    return [Directive(line_of(masked, m.start()), m.group(1).strip()) for m in _PRAGMA.finditer(masked)]


def imports(source: str) -> list[Directive]:
    """Every imported path (as written) outside comments, in source order."""
    masked = mask(source)
    return [Directive(line_of(masked, m.start(3)), m.group(3)) for m in _IMPORT.finditer(masked)]
