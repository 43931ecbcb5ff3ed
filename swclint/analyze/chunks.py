"""Function-level chunks of Solidity source, shared by the linter and `dataset/`.

Tree-sitter based, so it works on code that does not compile (snippets, syntax errors): the model
sees the same chunk text in training and in the linter whatever state the code is in.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import tree_sitter
import tree_sitter_solidity

from swclint.chunk import Chunk

_CONTAINERS = {"contract_declaration", "library_declaration", "interface_declaration"}
_CALLABLES = {
    "function_definition",
    "constructor_definition",
    "fallback_receive_definition",
    "modifier_definition",
}
_SNIPPET_PREFIX = "contract __Snippet__ {\n"
_PRAGMA_RE = re.compile(r"pragma\s+solidity\b[^;]*;")


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    with warnings.catch_warnings():  # older grammar wheels hand over an int pointer (deprecated)
        warnings.simplefilter("ignore", DeprecationWarning)
        return tree_sitter.Parser(tree_sitter.Language(tree_sitter_solidity.language()))


def _text(node: tree_sitter.Node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _name(node: tree_sitter.Node, src: bytes) -> str:
    name = node.child_by_field_name("name")
    if name is None:
        name = next((c for c in node.named_children if c.type == "identifier"), None)
    return _text(name, src) if name is not None else ""


def _walk(node: tree_sitter.Node, container: tree_sitter.Node | None, out: list) -> None:
    """Collect (callable node, enclosing container) in source order; descends into ERROR nodes."""
    for child in node.children:
        if child.type in _CALLABLES:
            out.append((child, container))
        elif child.type in _CONTAINERS:
            _walk(child, child, out)
        elif child.child_count and child.type not in ("function_body", "block_statement"):
            _walk(child, container, out)


class _Contract:
    """What one contract declares: state variable declarations, modifiers and base names."""

    def __init__(self, node: tree_sitter.Node, src: bytes) -> None:
        self.name = _name(node, src)
        self.bases: list[str] = []
        self.state_vars: list[tuple[int, str, str]] = []  # (byte offset, name, declaration)
        self.modifiers: dict[str, str] = {}
        for child in node.children:
            if child.type == "inheritance_specifier":
                ancestor = child.child_by_field_name("ancestor")
                if ancestor is not None:
                    self.bases.append(_text(ancestor, src).split("(")[0].strip())
        body = node.child_by_field_name("body")
        for item in body.named_children if body is not None else ():
            if item.type == "state_variable_declaration":
                ident = item.child_by_field_name("name") or next(
                    (c for c in reversed(item.named_children) if c.type == "identifier"), None
                )
                if ident is not None:
                    self.state_vars.append((item.start_byte, _text(ident, src), _text(item, src)))
            elif item.type == "modifier_definition":
                self.modifiers.setdefault(_name(item, src), _text(item, src))


def _lineage(name: str, contracts: dict[str, _Contract]) -> list[_Contract]:
    """The contract and its bases defined in the same file, most derived first, no repeats."""
    seen: list[_Contract] = []
    todo = [name]
    while todo:
        current = contracts.get(todo.pop(0))
        if current is not None and current not in seen:
            seen.append(current)
            todo.extend(current.bases)
    return seen


def _identifiers(node: tree_sitter.Node, src: bytes, out: set[str]) -> None:
    """Identifiers used in `node`, not counting member names after a dot (`msg.value`)."""
    if node.type == "identifier":
        parent = node.parent
        if (
            parent is not None
            and parent.type == "member_expression"
            and parent.child_by_field_name("property") == node
        ):
            return
        out.add(_text(node, src))
        return
    for child in node.children:
        _identifiers(child, src, out)


def _kind_and_name(node: tree_sitter.Node, src: bytes, contract: str) -> tuple[str, str]:
    if node.type == "modifier_definition":
        return "modifier", _name(node, src)
    if node.type == "constructor_definition":
        return "constructor", "constructor"
    if node.type == "fallback_receive_definition":
        first = _text(node.children[0], src) if node.children else ""
        kind = "receive" if first == "receive" else "fallback"
        return kind, kind
    name = _name(node, src)
    if contract and name == contract:  # Solidity 0.4 constructor named like its contract
        return "constructor", "constructor"
    return "function", name


def _has_body(node: tree_sitter.Node) -> bool:
    return any(c.type == "function_body" for c in node.children)


def _column(line_bytes: bytes, byte_col: int) -> int:
    """1-based character column from a 0-based byte column."""
    return len(line_bytes[:byte_col].decode("utf-8", "replace")) + 1


def extract_chunks(source: str, path: str = "") -> list[Chunk]:
    """Every function with a body, constructor, fallback/receive and modifier, in source order.

    A bare snippet (functions without a contract) is parsed as-is, or wrapped in a contract when
    that parses better; its chunks have contract="" and line numbers of the original text.
    """
    src = source.encode("utf-8")
    tree = _parser().parse(src)
    offset = 0
    if not any(c.type in _CONTAINERS for c in tree.root_node.children):
        wrapped = (_SNIPPET_PREFIX + source + "\n}\n").encode("utf-8")
        wrapped_tree = _parser().parse(wrapped)
        if _error_count(wrapped_tree.root_node) < _error_count(tree.root_node):
            src, tree, offset = wrapped, wrapped_tree, 1
    lines = src.split(b"\n")
    pragma_match = _PRAGMA_RE.search(source)
    pragma = re.sub(r"\s+", " ", pragma_match.group(0)) if pragma_match else ""

    found: list[tuple[tree_sitter.Node, tree_sitter.Node | None]] = []
    _walk(tree.root_node, None, found)
    contracts: dict[str, _Contract] = {}
    for _node, container in found:
        if container is not None:
            info = _Contract(container, src)
            contracts.setdefault(info.name, info)

    chunks: list[Chunk] = []
    for node, container in found:
        if not _has_body(node):
            continue
        contract = _name(container, src) if container is not None else ""
        if offset and contract == "__Snippet__":
            contract = ""
        kind, name = _kind_and_name(node, src, contract)
        lineage = _lineage(contract, contracts) if contract or offset else []
        if offset and not contract:
            lineage = _lineage("__Snippet__", contracts)
        body = next(c for c in node.children if c.type == "function_body")
        used: set[str] = set()
        _identifiers(body, src, used)
        decls = sorted((pos, decl) for c in lineage for pos, var, decl in c.state_vars if var in used)
        mods: list[str] = []
        for child in node.children:
            if child.type != "modifier_invocation":
                continue
            ident = next((c for c in child.named_children if c.type == "identifier"), None)
            mod_name = _text(ident, src) if ident is not None else ""
            mod_src = next((c.modifiers[mod_name] for c in lineage if mod_name in c.modifiers), None)
            if mod_src is not None and mod_src not in mods:
                mods.append(mod_src)
        (sl, sc), (el, ec) = node.start_point, node.end_point
        chunks.append(
            Chunk(
                source=_text(node, src),
                contract=contract,
                function=name,
                kind=kind,
                pragma=pragma,
                state_vars=tuple(decl for _, decl in decls),
                modifiers=tuple(mods),
                path=path,
                start_line=sl + 1 - offset,
                end_line=el + 1 - offset,
                start_col=_column(lines[sl], sc),
                end_col=_column(lines[el], ec),
            )
        )
    return chunks


def _error_count(node: tree_sitter.Node) -> int:
    if node.type == "ERROR" or node.is_missing:
        return 1 + sum(_error_count(c) for c in node.children)
    if not node.has_error:
        return 0
    return sum(_error_count(c) for c in node.children)


_BLOCK_AFTER = ("else", "while", ";", ")", ",", "catch")


def format_one_line(code: str) -> str:
    """Re-indent code that was flattened onto one line; multi-line code is returned unchanged.

    Newlines go after `{`, after `;` outside parentheses and around `}`, with 4-space indents.
    Braces of call options (`x.call{value: v}(...)`) and anything inside parentheses stay inline.
    """
    text = code.strip()
    if "\n" in text or not text:
        return code
    out: list[str] = []
    line = ""
    depth = 0  # block depth
    parens = 0
    blocks: list[bool] = []  # per open brace: is it a block (True) or inline (call options, literal)
    i, n = 0, len(text)

    def flush() -> None:
        nonlocal line
        if line.strip():
            out.append("    " * depth + line.strip())
        line = ""

    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = i + 1
            while end < n and text[end] != ch:
                end += 2 if text[end] == "\\" else 1
            line += text[i : end + 1]
            i = end + 1
            continue
        if text.startswith("//", i):  # a line comment swallows the rest of a flattened line
            line += text[i:]
            break
        if ch == "(":
            parens += 1
        elif ch == ")":
            parens = max(0, parens - 1)
        if ch == "{":
            inline = parens > 0 or _is_call_options(text, i)
            blocks.append(not inline)
            if inline:
                line += ch
            else:
                rest = text[i + 1 :].lstrip()
                if rest.startswith("}"):  # empty block stays `{}`
                    line += "{}"
                    blocks.pop()
                    i = n - len(rest) + 1
                    rest_after = text[i:].lstrip()
                    if not rest_after.startswith(_BLOCK_AFTER):
                        flush()
                    continue
                line += "{"
                flush()
                depth += 1
            i += 1
            continue
        if ch == "}":
            is_block = blocks.pop() if blocks else True
            if not is_block:
                line += ch
                i += 1
                continue
            flush()
            depth = max(0, depth - 1)
            line = "}"
            if not text[i + 1 :].lstrip().startswith(_BLOCK_AFTER):
                flush()
            else:
                line += " " if not text[i + 1 :].lstrip().startswith((";", ")", ",")) else ""
            i += 1
            while i < n and text[i] == " ":
                i += 1
            continue
        if ch == ";" and parens == 0 and not (blocks and not blocks[-1]):
            line += ";"
            flush()
            i += 1
            continue
        line += ch
        i += 1
    flush()
    return "\n".join(out)


_CALL_OPTION_RE = re.compile(r"\{\s*(value|gas|salt)\s*:")


def _is_call_options(text: str, i: int) -> bool:
    """`{` that opens call options (`.call{value: v}(...)`, `new C{salt: s}()`)."""
    return bool(_CALL_OPTION_RE.match(text, i)) and text[:i].rstrip()[-1:].isalnum()
