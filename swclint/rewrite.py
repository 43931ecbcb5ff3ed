"""Mechanical fixes: a rule's textbook remediation applied to one function's text.

`fixcheck` tries these before asking the model and verifies them the same way (the function changes,
the file compiles with the same solc, re-analysis no longer reports the SWC there), so a rewrite that
does not remove the weakness is never shown. Each rewrite is small and keeps the function's behaviour
on the paths that do not trip the weakness:

- SWC-110: `assert(c)` becomes `require(c)`: a reachable assert is a failed precondition, and
  `require` reverts without burning the remaining gas (the registry's remediation; when the condition
  is a true invariant the logic that breaks it still needs a fix, which the rule text says).
- SWC-101 (before 0.8): a guard before the arithmetic statement the finding names (`a >= b` before
  `a - b`, `a + b >= a` before `a + b`, `a == 0 || a * b / a == b` before `a * b`); from 0.8 on,
  `unchecked` blocks become checked ones.
- SWC-114 (allowance race): `require(value == 0 || allowance == 0)` before the allowance is set, so an
  allowance moves only through zero.
- SWC-107: checks-effects-interactions: the state updates right after the external call move before it.
"""

from __future__ import annotations

import re

from .chunk import Chunk
from .solc.errors import InvalidPragma
from .solc.versions import has_checked_arithmetic

_ASSERT = re.compile(r"\bassert(\s*\()")
_UNCHECKED = re.compile(r"\bunchecked\s*\{")
_COMPOUND = re.compile(r"^(?P<indent>\s*)(?P<lhs>[^=;]+?)\s*(?P<op>[-+*])=\s*(?P<rhs>[^;]+?)\s*;\s*$")
_ASSIGN = re.compile(r"^(?P<indent>\s*)(?P<lhs>[\w.\[\]\s]+?)\s*=\s*(?P<rhs>[^;]+?)\s*;\s*$")
_CONVERSION = re.compile(r"^u?int\d*\(([\w.\[\]]+)\)$")
_OPERAND = re.compile(r"^[\w.\[\]]+$")
_CALL = re.compile(r"\.(call|send|transfer|delegatecall)\b|\.value\s*\(|\{\s*value\s*:")
_EFFECT = re.compile(r"^\s*[\w.\[\]]+\s*([-+*/]?=|\+\+|--)[^=]|^\s*delete\s")


def rewrite(chunk: Chunk, swc: str, line: int, version: str | None = None) -> str | None:
    """A replacement for `chunk` that removes `swc` at file line `line`, or None when no rewrite applies."""
    lines = chunk.source.split("\n")
    at = line - chunk.start_line
    fixer = _FIXERS.get(swc)
    if fixer is None:
        return None
    out = fixer(lines, at, version or "")
    return "\n".join(out) if out is not None and out != lines else None


def _code(line: str) -> str:
    return re.sub(r"//.*", "", line)


def _assert_to_require(lines: list[str], at: int, version: str) -> list[str] | None:
    return [_ASSERT.sub(r"require\1", ln) if "assert" in _code(ln) else ln for ln in lines]


def _operand(text: str) -> str | None:
    """`text` when it is safe to evaluate twice (a name, member or index access, a conversion)."""
    text = text.strip()
    if _OPERAND.match(text) or _CONVERSION.match(text):
        return text
    return None


def _guard(a: str, op: str, b: str) -> str:
    if op == "-":
        return f"{a} >= {b}"
    if op == "+":
        return f"{a} + {b} >= {a}"
    return f"{a} == 0 || ({a} * {b}) / {a} == {b}"


def _split_binary(rhs: str) -> tuple[str, str, str] | None:
    """`a op b` at the top level of `rhs` with exactly one arithmetic operator."""
    depth, found = 0, []
    for i, ch in enumerate(rhs):
        depth += ch in "([" and 1 or ch in ")]" and -1 or 0
        if depth == 0 and ch in "+-*/%" and 0 < i < len(rhs) - 1:
            found.append(i)
    if len(found) != 1 or rhs[found[0]] not in "+-*":
        return None
    i = found[0]
    a, b = _operand(rhs[:i]), _operand(rhs[i + 1:])
    return (a, rhs[i], b) if a and b else None


def _overflow_guard(lines: list[str], at: int, version: str) -> list[str] | None:
    if _checked_arithmetic(version):
        out = [_UNCHECKED.sub("{", ln) for ln in lines]
        return out if out != lines else None
    if not 0 <= at < len(lines):
        return None
    stmt = _code(lines[at])
    m = _COMPOUND.match(stmt)
    if m and _operand(m["lhs"]) and _operand(m["rhs"]):
        indent, a, op, b = m["indent"], m["lhs"].strip(), m["op"], m["rhs"].strip()
    else:
        m = _ASSIGN.match(stmt)
        parts = _split_binary(m["rhs"]) if m else None
        if not parts:
            return None
        indent, (a, op, b) = m["indent"], parts
    return lines[:at] + [f"{indent}require({_guard(a, op, b)});"] + lines[at:]


_APPROVE = re.compile(r"^(?P<indent>\s*)(?P<slot>\w+\s*\[\s*msg\.sender\s*\]\s*\[\s*(?P<spender>\w+)\s*\])"
                      r"\s*=\s*(?P<value>\w+)\s*;")


def _allowance_through_zero(lines: list[str], at: int, version: str) -> list[str] | None:
    for i, ln in enumerate(lines):
        m = _APPROVE.match(_code(ln))
        if m:
            guard = f"{m['indent']}require({m['value']} == 0 || {m['slot']} == 0);"
            return lines[:i] + [guard] + lines[i:]
    return None


def _checks_effects_interactions(lines: list[str], at: int, version: str) -> list[str] | None:
    """Move the one-line state updates that directly follow the first external call to before it."""
    call = next((i for i, ln in enumerate(lines) if i > 0 and _CALL.search(_code(ln))), None)
    if call is None or not _code(lines[call]).rstrip().endswith(";"):
        return None
    bound = set(re.findall(r"\b(?:bool|bytes memory|uint\w*)\s+(\w+)", _code(lines[call])))
    indent = len(lines[call]) - len(lines[call].lstrip())
    moved = []
    for ln in lines[call + 1:]:
        code = _code(ln)
        if (len(ln) - len(ln.lstrip()) != indent or not _EFFECT.match(code) or not code.rstrip().endswith(";")
                or any(re.search(rf"\b{re.escape(v)}\b", code) for v in bound)):
            break
        moved.append(ln)
    if not moved:
        return None
    return lines[:call] + moved + [lines[call]] + lines[call + 1 + len(moved):]


def _checked_arithmetic(version: str) -> bool:
    """0.8+ reverts on overflow; an unknown version is treated as older (the guard is then harmless)."""
    try:
        return has_checked_arithmetic(version)
    except InvalidPragma:
        return False


_FIXERS = {
    "SWC-110": _assert_to_require,
    "SWC-101": _overflow_guard,
    "SWC-114": _allowance_through_zero,
    "SWC-107": _checks_effects_interactions,
}
