"""Cheap source-level signals on a chunk: a prefilter, not a detector.

Used by `dataset/` to check that a seed "fix" no longer shows its weakness, and by the linter's
`--llm-scope candidates` to pick the chunks worth a model call; `could_hold` decides whether a
model-only verdict may stand on a chunk (the model stage and fix verification). Regexes run on the
chunk's source with comments and string contents removed, so `"a-b"` or `// x.call()` never count.

Signals (SWC ids):
- SWC-107: an external call (`.call`, `.call.value(`, `.call{value:}`, `.send(`, `.transfer(`,
  `.delegatecall(`, a call on a contract/interface-typed state variable or a cast `IERC20(t).f(`)
  followed later in the text by a state write; skipped under a modifier that is a lock by structure
  (`guards.is_lock_source`: checks a flag, sets it, `_;`, resets it), whatever its name.
- SWC-101: `+ - * **`, `+= -= *=`, `++`/`--` (not on for-loop counters) in pre-0.8 code (pragma
  below 0.8 or no pragma) unless a require/assert/if condition mentions an operand; any of them
  inside `unchecked { }` in any version. SafeMath `.add/.sub/.mul` calls are not operators, so
  code that uses them only raises nothing.
- SWC-110: any `assert(`.
- SWC-113: an external call/transfer/send inside a `for`/`while`/`do` loop body.
- SWC-114: a caller-given amount assigned over an entry of a nested `mapping(.. => mapping(.. =>
  uint))` (an allowance overwrite) with no condition on the current entry or a zero; a payable
  function that checks `msg.value` against a state variable (pays at a changeable price); a
  first-come claim (a state flag tested or set, `x = msg.sender`, or a hash-solution check) with a
  payout. Names of functions and variables never count.
"""

from __future__ import annotations

import re

from swclint.analyze.guards import is_lock_source
from swclint.chunk import Chunk
from swclint.solc.versions import admits_wrapping_arithmetic

_COMMENT_OR_STRING = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)


def strip_comments(code: str) -> str:
    """Comments removed and string literals emptied (`"..."` → `""`), line structure kept."""

    def repl(m: re.Match[str]) -> str:
        text = m.group(0)
        if text.startswith("//"):
            return ""
        if text.startswith("/*"):
            return "\n" * text.count("\n")
        return text[0] * 2

    return _COMMENT_OR_STRING.sub(repl, code)


_VALUE_TYPES = re.compile(r"^(mapping|u?int\d*|address|bool|bytes\d*|string|fixed|ufixed|byte)\b")
_LOW_LEVEL_CALL = re.compile(
    r"\.\s*(call|delegatecall|staticcall|callcode)\s*(\.\s*value\s*\(|\.\s*gas\s*\(|\{|\()"
    r"|\.\s*(send|transfer)\s*\("
    r"|\b[A-Z]\w*\s*\([^()]*\)\s*\.\s*\w+\s*\("
)
_ASSIGN = re.compile(
    r"(?<![=!<>+\-*/%&|^])\b([A-Za-z_]\w*)\s*(?:\[[^;]*?\]\s*)*(?:\.\s*\w+\s*)*"
    r"(\+=|-=|\*=|/=|%=|\|=|&=|=(?!=)|\+\+|--)"
    r"|(\+\+|--)\s*([A-Za-z_]\w*)"
    r"|\bdelete\s+([A-Za-z_]\w*)"
    r"|\b([A-Za-z_]\w*)\s*(?:\[[^;]*?\]\s*)*\.\s*(push|pop)\s*\("
)
_DECL = re.compile(
    r"\b(?:u?int\d*|address(?:\s+payable)?|bool|bytes\d*|string|byte|var|[A-Z]\w*)"
    r"(?:\s*\[\s*\w*\s*\])*\s+(?:(?:memory|storage|calldata|payable)\s+)*([A-Za-z_]\w*)\s*[;=,)]"
)
_STATE_NAME = re.compile(r"\s([A-Za-z_]\w*)\s*(?:=[^;]*)?;?\s*$")


def _state_names(chunk: Chunk) -> set[str]:
    names = set()
    for decl in chunk.state_vars:
        m = _STATE_NAME.search(" " + decl.split("=")[0].strip().rstrip(";"))
        if m:
            names.add(m.group(1))
    return names


def _contract_typed_state(chunk: Chunk) -> set[str]:
    """State variables whose type is a contract or interface (capitalised user type)."""
    out = set()
    for decl in chunk.state_vars:
        head = decl.strip()
        if _VALUE_TYPES.match(head) or not head[:1].isupper():
            continue
        m = _STATE_NAME.search(" " + head.split("=")[0].strip().rstrip(";"))
        if m:
            out.add(m.group(1))
    return out


def _body(code: str) -> str:
    """The part after the header: from the first `{`."""
    i = code.find("{")
    return code[i:] if i >= 0 else code


def _locals(code: str) -> set[str]:
    return {m.group(1) for m in _DECL.finditer(code)}


def _external_calls(chunk: Chunk, body: str) -> list[int]:
    """Start offsets of external calls in `body`."""
    spots = [m.start() for m in _LOW_LEVEL_CALL.finditer(body)]
    for var in _contract_typed_state(chunk):
        spots += [m.start() for m in re.finditer(rf"\b{re.escape(var)}\s*\.\s*\w+\s*\(", body)]
    return sorted(spots)


def _state_writes(chunk: Chunk, body: str, local_names: set[str]) -> list[int]:
    """Offsets of writes to state: a known state variable, or any non-local name in a snippet."""
    state = _state_names(chunk)
    spots = []
    for m in _ASSIGN.finditer(body):
        name = next(g for g in (m.group(1), m.group(4), m.group(5), m.group(6)) if g)
        if name in state or (not state and name not in local_names and name not in ("msg", "this")):
            spots.append(m.start())
    return spots


def _reentrancy(chunk: Chunk, code: str) -> bool:
    if any(is_lock_source(strip_comments(m)) for m in chunk.modifiers):
        return False
    body = _body(code)
    calls = _external_calls(chunk, body)
    if not calls:
        return False
    writes = _state_writes(chunk, body, _locals(code))
    return any(w > calls[0] for w in writes)


_BIN_OP = re.compile(r"(?<=[\w)\]\s])(\*\*|[+\-*])(?![+\-=*])(?<![+\-]{2})")
_COMPOUND = re.compile(r"([\w\].]+)\s*(\+=|-=|\*=)\s*([^;]+)")
_INCDEC = re.compile(r"([A-Za-z_]\w*)\s*(\+\+|--)|(\+\+|--)\s*([A-Za-z_]\w*)")
_FOR_HEADER = re.compile(r"\bfor\s*\(([^;]*);([^;]*);([^)]*)\)")
_GUARD = re.compile(r"\b(require|assert|if)\s*\(")
_KEYWORDS = {"return", "returns", "emit", "new", "delete", "else"}


def _conditions(code: str) -> list[str]:
    out = []
    for m in _GUARD.finditer(code):
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[i], 0)
            i += 1
        out.append(code[m.end() : i - 1])
    return out


# language words that look like names: `msg.sender`, `this`, units of ether and time
_NOT_NAMES = {"msg", "sender", "value", "this", "wei", "gwei", "szabo", "finney", "ether", "seconds",
              "minutes", "hours", "days", "weeks", "years"}


def _operand_names(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z_]\w*", text) if w not in _NOT_NAMES}


def _guarded(names: set[str], conditions: list[str]) -> bool:
    return any(re.search(r"[<>]=?|==", cond) and names & _operand_names(cond) for cond in conditions)


def _unchecked_blocks(code: str) -> list[str]:
    out = []
    for m in re.finditer(r"\bunchecked\s*\{", code):
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        out.append(code[m.end() : i])
    return out


def _arith_ops(body: str) -> list[set[str]]:
    """Operand names of each arithmetic operation in `body` (for-loop counter steps excluded)."""
    counters = {m.group(1).split()[-1] for m in _FOR_HEADER.finditer(body) if m.group(1).split()}
    counters |= set(re.findall(r"\bfor\s*\([^;]*;[^;]*;\s*\+*-*\s*([A-Za-z_]\w*)", body))
    ops: list[set[str]] = []
    for stmt in re.split(r"[;{}]", _FOR_HEADER.sub("", body)):
        for m in _COMPOUND.finditer(stmt):
            ops.append(_operand_names(m.group(1) + " " + m.group(3)))
        plain = _COMPOUND.sub("", stmt)
        for m in _INCDEC.finditer(plain):
            name = m.group(1) or m.group(4)
            if name not in counters:
                ops.append({name})
        plain = _INCDEC.sub("", plain)
        for m in _BIN_OP.finditer(plain):
            left = re.findall(r"[\w\].)]+\s*$", plain[: m.start()])
            if not left or left[0].strip() in _KEYWORDS:
                continue  # unary minus/plus
            right = plain[m.end() :].strip()
            if not right or right[0] in "=)":
                continue
            ops.append(_operand_names(left[0] + " " + right.split(",")[0]))
    return ops


def _arithmetic(chunk: Chunk, code: str) -> bool:
    if any(_arith_ops(block) for block in _unchecked_blocks(code)):
        return True
    if not admits_wrapping_arithmetic(chunk.pragma):
        return False
    body = _body(code)
    conditions = _conditions(body) + [
        cond for mod in chunk.modifiers for cond in _conditions(strip_comments(mod))
    ]
    return any(not _guarded(names, conditions) for names in _arith_ops(body))


def _loop_bodies(code: str) -> list[str]:
    """Text of each loop body (braced block or single statement)."""
    out = []
    for m in re.finditer(r"\b(for|while)\s*\(|\bdo\s*\{", code):
        i = m.end()
        if m.group(1):
            depth = 1
            while i < len(code) and depth:
                depth += {"(": 1, ")": -1}.get(code[i], 0)
                i += 1
        rest = code[i:].lstrip()
        start = len(code) - len(rest)
        if rest.startswith("{") or m.group(0).startswith("do"):
            depth, j = 0, start if rest.startswith("{") else m.end() - 1
            k = j
            while k < len(code):
                depth += {"{": 1, "}": -1}.get(code[k], 0)
                k += 1
                if depth == 0:
                    break
            out.append(code[j:k])
        else:
            end = code.find(";", start)
            out.append(code[start : end + 1 if end >= 0 else len(code)])
    return out


def _dos_loop(chunk: Chunk, code: str) -> bool:
    return any(_external_calls(chunk, body) for body in _loop_bodies(_body(code)))


_ALLOWANCE_SET = re.compile(r"\b(\w+)\s*\[[^\]]+\]\s*\[[^\]]+\]\s*=(?!=)\s*([A-Za-z_]\w*)\s*;")
_UINT_NESTED = re.compile(r"^\s*mapping\s*\([^=]*=>\s*mapping\s*\([^=]*=>\s*uint\d*\s*\)\s*\)")
_FIRST_COME = re.compile(
    r"require\s*\(\s*!\s*\w+|\b([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)?=\s*(msg\.sender|true)\b"
    r"|(keccak256|sha3|sha256)\s*\([^;]*\)\s*==|==\s*(keccak256|sha3|sha256)\s*\("
)
_PAYOUT = re.compile(r"\.\s*(transfer|send|call)\b")
_PARAMS = re.compile(r"\(([^)]*)\)")


def _params(code: str) -> set[str]:
    header = code[: code.find("{")] if "{" in code else code
    m = _PARAMS.search(header)
    return {p.split()[-1] for p in m.group(1).split(",") if p.split()} if m else set()


def _uint_nested_mappings(chunk: Chunk) -> set[str]:
    out = set()
    for decl in chunk.state_vars:
        if _UINT_NESTED.match(decl):
            m = _STATE_NAME.search(" " + re.split(r"=(?![>=])", decl)[0].strip().rstrip(";"))
            if m:
                out.add(m.group(1))
    return out


def _front_running(chunk: Chunk, code: str) -> bool:
    body = _body(code)
    conditions = _conditions(body)
    params = _params(code)
    nested = _uint_nested_mappings(chunk)
    for m in _ALLOWANCE_SET.finditer(body):
        target, value = m.group(1), m.group(2)
        # an absolute caller-given amount written over the entry, the entry never consulted first
        if value in params and (target in nested or not chunk.state_vars) and not any(
            target in c or re.search(r"==\s*0\b", c) for c in conditions
        ):
            return True
    state = _state_names(chunk)
    header = code[: code.find("{")] if "{" in code else code
    if re.search(r"\bpayable\b", header):
        for cond in conditions:
            if "msg.value" in cond and (_operand_names(cond) - _locals(code) - params) & (state or _operand_names(cond)):
                return True  # pays at a price that another transaction may change
    return bool(_FIRST_COME.search(body) and _PAYOUT.search(body))


def can_wrap(chunk: Chunk) -> bool:
    """False only when the language rules out wrap-around in the chunk's own code: a 0.8+ pragma, no
    arithmetic inside `unchecked { }` and no inline assembly (checked arithmetic reverts instead)."""
    code = strip_comments(chunk.source)
    if admits_wrapping_arithmetic(chunk.pragma) or re.search(r"\bassembly\b", code):
        return True
    return any(_arith_ops(block) for block in _unchecked_blocks(code))


_CALL = re.compile(r"(\bemit\s+)?(\.\s*)?\b([A-Za-z_]\w*)\s*(?:\{[^{}]*\}\s*)?\(")
_NOT_A_CALL = re.compile(
    r"(require|assert|revert|if|while|for|return|returns|emit|function|modifier|event|constructor|mapping"
    r"|keccak256|sha3|sha256|ripemd160|ecrecover|addmod|mulmod|u?int\d*|bytes\d*|byte|address|payable"
    r"|bool|string)$"
)


def _calls(code: str) -> tuple[bool, bool]:
    """(a member call `x.f(` / `x.f{..}(`, a plain call `f(` that is no builtin, cast or event) in
    `code`: each could run code this text does not show (a callee, an internal helper)."""
    member = plain = False
    for m in _CALL.finditer(code):
        if m.group(2):
            member = True
        elif not m.group(1) and not _NOT_A_CALL.match(m.group(3)):
            plain = True
    return member, plain


def could_hold(chunk: Chunk, swc: str) -> bool:
    """Whether the chunk's code could hold the class at all: what a model-only verdict needs.

    Loose where the model's judgement is the point (a guarded sum, the write before the call, a
    helper that may do the work), strict where the text rules the class out: no arithmetic that can
    wrap for SWC-101; no call of any kind for SWC-107 and SWC-113; no `assert` and no call for SWC-110;
    for SWC-114 none of the orderings `signals` looks for and no internal helper that could hold one.
    """
    code = strip_comments(chunk.source)
    body = _body(code)
    if swc == "SWC-101":
        return can_wrap(chunk) and (bool(_arith_ops(body)) or bool(re.search(r"\bassembly\b", code)))
    member, plain = _calls(body)
    if swc in ("SWC-107", "SWC-113"):
        return bool(_external_calls(chunk, body)) or member or plain
    if swc == "SWC-110":
        asserts = any(re.search(r"\bassert\s*\(", strip_comments(t)) for t in (code, *chunk.modifiers))
        return asserts or member or plain
    return swc in signals(chunk) or plain


def signals(chunk: Chunk) -> frozenset[str]:
    """SWC ids whose cheap source pattern shows in the chunk."""
    code = strip_comments(chunk.source)
    found = set()
    if _reentrancy(chunk, code):
        found.add("SWC-107")
    if _arithmetic(chunk, code):
        found.add("SWC-101")
    if re.search(r"\bassert\s*\(", code):
        found.add("SWC-110")
    if _dos_loop(chunk, code):
        found.add("SWC-113")
    if _front_running(chunk, code):
        found.add("SWC-114")
    return frozenset(found)


def is_candidate(chunk: Chunk) -> bool:
    """Worth a model call: any signal, an external call, or a loop that calls anything."""
    if signals(chunk):
        return True
    code = strip_comments(chunk.source)
    body = _body(code)
    if _external_calls(chunk, body):
        return True
    return any(re.search(r"\w\s*\(", loop) for loop in _loop_bodies(body))
