"""Named import aliases (`import {A as B} from "x.sol";`) in ASTs of releases before 0.6.

Those releases record an alias's original symbol as the id of an Identifier node that the AST never
contains (`"foreign": 17`), and Slither refuses the whole file ("Cannot resolve local alias ... malformed
AST"). The original name is in the directive's own text, so it is read from there and written where
0.6+ puts it (`"foreign": {"name": "A"}`).
"""

from __future__ import annotations

import re

from swclint.solc.source import mask

_BRACES = re.compile(r"\{(.*?)\}", re.DOTALL)
_ITEM = re.compile(r"^\s*([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?\s*$")


def name_import_aliases(output: dict, contents: dict[str, str]) -> None:
    """Give every named alias in `output`'s ASTs its original name, read from `contents` (in place)."""
    for unit, source in (output.get("sources") or {}).items():
        text = contents.get(unit)
        if text is None:
            continue
        for key in ("ast", "legacyAST"):
            for directive in _import_directives(source.get(key)):
                _name(directive, text)


def _import_directives(ast):
    if not isinstance(ast, dict):
        return
    for node in ast.get("nodes") or ast.get("children") or []:
        if isinstance(node, dict) and "ImportDirective" in (node.get("nodeType"), node.get("name")):
            yield node


def _name(directive: dict, text: str) -> None:
    holder = directive.get("attributes", directive)  # the legacy AST keeps fields under "attributes"
    aliases = holder.get("symbolAliases") or []
    unnamed = [a for a in aliases if isinstance(a, dict) and a.get("local")
               and not (isinstance(a.get("foreign"), dict) and "name" in a["foreign"])]
    if not unnamed:
        return
    originals = _originals(_source_of(directive, text))
    for alias in unnamed:
        if alias["local"] in originals:
            alias["foreign"] = {"name": originals[alias["local"]]}


def _source_of(directive: dict, text: str) -> str:
    try:
        start, length = (int(part) for part in str(directive.get("src", "")).split(":")[:2])
    except ValueError:
        return ""
    return text.encode("utf-8")[start:start + length].decode("utf-8", errors="replace")


def _originals(statement: str) -> dict[str, str]:
    """local name -> original name for `{A as B, C}` in one import statement."""
    braces = _BRACES.search(mask(statement))
    found: dict[str, str] = {}
    for item in braces.group(1).split(",") if braces else []:
        match = _ITEM.match(item)
        if match:
            found[match.group(2) or match.group(1)] = match.group(1)
    return found
