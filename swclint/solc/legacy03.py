"""solc 0.3.x legacy ASTs in the 0.4 shape Slither reads, or the reason they cannot be.

solc 0.3's JSON AST differs from 0.4's in three ways; all but two omissions are bridged:

- names and attributes: `root`, `Contract`, `Function`, `const`, `VariableDefinition`, the
  string `"0"` for `type_conversion`; no `fullyImplemented`, `linearizedBaseContracts`, variable
  `type`, literal `subdenomination` or `payable`. We fill them with 0.3's semantics: every function
  accepts ether, a function is public unless marked otherwise.
- nesting: its printer never closes `VariableDeclaration` and `Mapping` nodes, so later siblings land
  inside them. Nodes come in source order with exact `src` ranges, so containment rebuilds the tree.
- omissions: it prints no node for modifiers, modifier invocations, placeholders, events,
  inheritance, enums, `using for` and array types, and no visibility for variables; the children of
  those nodes are printed, in place. Each is recovered from what its children leave certain plus the
  source text right at their ranges (the keyword before a parameter list, the brackets after an
  element type, the `_` inside a modifier body, the keywords of a declaration). Enums and
  `using for` leave nothing to anchor on: such a file is refused with the construct and its line
  (`Unbridgeable`), since Slither would otherwise analyse another program than the one compiled.
"""

from __future__ import annotations

import re

from swclint.solc.source import mask

_RENAMED = {
    "root": "SourceUnit",
    "Contract": "ContractDefinition",
    "Function": "FunctionDefinition",
    "Struct": "StructDefinition",
    "VariableDefinition": "VariableDeclarationStatement",
    "ElementaryTypenameExpression": "ElementaryTypeNameExpression",
    "Import": "ImportDirective",
}
_TYPE_NAMES = ("ElementaryTypeName", "UserDefinedTypeName", "Mapping")
_UNITS = re.compile(r"\s(wei|szabo|finney|ether|seconds|minutes|hours|days|weeks|years)\s*$")
# What a contract may hold once rebuilt; anything else is what is left of an omitted node.
_CONTRACT_ITEMS = {"VariableDeclaration", "FunctionDefinition", "StructDefinition", "ModifierDefinition",
                   "EventDefinition", "InheritanceSpecifier"}
_DROPPED = {
    "ContractDefinition": "a contract item solc 0.3's AST leaves unnamed (e.g. `using for`)",
    "FunctionDefinition": "a function part solc 0.3's AST leaves unnamed",
}
_ENUM = re.compile(r"\benum\s+\w+\s*\{")


class Unbridgeable(Exception):
    """The 0.3 AST lacks a construct Slither needs; `offset` is where (a byte offset) if known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def modernise(ast: dict, text: str, index: int) -> dict:
    """The 0.4-shaped legacy AST of source unit `index` (whose text is `text`), or Unbridgeable."""
    raw = text.encode("utf-8")
    enum = _ENUM.search(mask(text, strings=True))
    if enum:
        raise Unbridgeable("an enum (solc 0.3's AST omits enums)", len(text[: enum.start()].encode("utf-8")))
    masked = _masked_bytes(text)
    root = _rebuild(ast, len(raw), index)
    _rename(root)
    _arrays(root, masked)
    ids = _Ids(root)
    for contract in (c for c in root["children"] if c["name"] == "ContractDefinition"):
        _recover_contract(contract, masked, ids)
    _check_complete(root)
    _fill(root, raw, masked)
    return root


# --- nesting ---------------------------------------------------------------------------------


def _span(node: dict) -> tuple[int, int]:
    start, length, *_ = (int(x) for x in str(node.get("src", "-1:-1")).split(":"))
    return start, start + length


def _rebuild(ast: dict, size: int, index: int) -> dict:
    """Re-parent every node under the innermost earlier node whose range contains it (pre-order)."""
    flat: list[dict] = []

    def walk(node: dict) -> None:
        for child in node.get("children") or []:
            # a node that can hold children keeps its (maybe empty) list: Slither reads it
            flat.append({**child, "children": []} if "children" in child else dict(child))
            walk(child)

    walk(ast)
    root = {"name": ast.get("name", "root"), "children": [], "src": f"0:{size}:{index}"}
    stack: list[tuple[dict, tuple[int, int]]] = [(root, (0, size))]
    for node in flat:
        start, end = _span(node)
        if start < 0 or end < start:
            raise Unbridgeable(f"a {node.get('name')} node without a source range")
        node["src"] = f"{start}:{end - start}:{index}"
        # an equal range nests (ExpressionStatement > Assignment); a node starting where another ends
        # (an empty return list after the parameters) does not, and a zero-length node holds nothing
        while len(stack) > 1 and not (stack[-1][1][0] <= start < stack[-1][1][1] and end <= stack[-1][1][1]):
            stack.pop()
        stack[-1][0].setdefault("children", []).append(node)  # leaf nodes of 0.3 hold nested ones
        stack.append((node, (start, end)))
    return root


def _rename(node: dict) -> None:
    node["name"] = _RENAMED.get(node["name"], node["name"])
    for child in node.get("children") or []:
        _rename(child)


# --- array types -----------------------------------------------------------------------------


def _arrays(node: dict, raw: bytes) -> None:
    """Wrap each type name followed by `[...]` in the ArrayTypeName nodes 0.3 does not print."""
    children = node.get("children") or []
    i = 0
    while i < len(children):
        child = children[i]
        _arrays(child, raw)
        if child["name"] in _TYPE_NAMES:
            i = _wrap(node, i, raw)
        i += 1


def _wrap(parent: dict, i: int, raw: bytes) -> int:
    """Wrap `parent`'s child `i` once per bracket pair that follows it; return the wrapper's index."""
    children = parent["children"]
    _, parent_end = _span(parent)
    while True:
        base = children[i]
        start, end = _span(base)
        pos = _skip_blank(raw, end)
        if pos >= parent_end or raw[pos:pos + 1] != b"[":
            return i
        close = _closing(raw, pos, parent_end)
        if close is None:
            return i
        index = base["src"].split(":")[2]
        wrapper = {"name": "ArrayTypeName", "src": f"{start}:{close + 1 - start}:{index}", "children": [base]}
        # the length expression (printed) is the next sibling inside the brackets
        if i + 1 < len(children) and pos < _span(children[i + 1])[0] and _span(children[i + 1])[1] <= close:
            wrapper["children"].append(children.pop(i + 1))
        children[i] = wrapper


def _skip_blank(raw: bytes, pos: int) -> int:
    while pos < len(raw) and raw[pos:pos + 1] in (b" ", b"\t", b"\r", b"\n"):
        pos += 1
    return pos


def _closing(raw: bytes, pos: int, limit: int) -> int | None:
    depth = 0
    for j in range(pos, min(limit, len(raw))):
        if raw[j:j + 1] == b"[":
            depth += 1
        elif raw[j:j + 1] == b"]":
            depth -= 1
            if depth == 0:
                return j
    return None


# --- omitted nodes ---------------------------------------------------------------------------


def _masked_bytes(text: str) -> bytes:
    """`text` as UTF-8 with comments and string contents blanked, byte offsets kept."""
    masked = mask(text, strings=True)
    return b"".join(m.encode("utf-8") if m == t else b" " * len(t.encode("utf-8")) for m, t in zip(masked, text, strict=True))


class _Ids:
    """Fresh ids for the nodes we add (Slither keys some maps by id)."""

    def __init__(self, root: dict) -> None:
        stack, top = [root], 0
        while stack:
            n = stack.pop()
            top = max(top, int(n.get("id") or 0))
            stack.extend(n.get("children") or [])
        self._next = top + 1

    def __call__(self) -> int:
        self._next += 1
        return self._next - 1


def _node(name: str, start: int, end: int, index: str, ids: _Ids, children: list[dict],
          attributes: dict | None = None) -> dict:
    node = {"name": name, "id": ids(), "src": f"{start}:{end - start}:{index}", "children": children}
    if attributes:
        node["attributes"] = attributes
    return node


_DECLARED = re.compile(rb"\b(modifier|event)\s+([A-Za-z_$][\w$]*)\s*$")


def _recover_contract(contract: dict, masked: bytes, ids: _Ids) -> None:
    """Put inheritance specifiers, modifiers and events back around the children 0.3 printed."""
    start, end = _span(contract)
    index = contract["src"].split(":")[2]
    body = masked.find(b"{", start, end)
    items: list[dict] = []
    children = contract.get("children") or []
    i = 0
    while i < len(children):
        child = children[i]
        c_start, c_end = _span(child)
        if c_start < body:  # `is A, B(1)`: a base name, then its arguments inside the brackets
            if child["name"] == "UserDefinedTypeName":
                close = _after_brackets(masked, c_end, b"(", b")", body)
                items.append(_node("InheritanceSpecifier", c_start, close, index, ids, [child]))
            elif items and items[-1]["name"] == "InheritanceSpecifier" and c_end <= _span(items[-1])[1]:
                items[-1]["children"].append(child)
            else:
                raise Unbridgeable("an inheritance list solc 0.3's AST leaves unclear", c_start)
            i += 1
            continue
        previous = _span(items[-1])[1] if items and _span(items[-1])[1] > body else body + 1
        declared = _DECLARED.search(masked[previous:c_start]) if child["name"] in ("ParameterList", "Block") else None
        if declared is None:
            items.append(child)
            i += 1
            continue
        keyword_at = previous + declared.start()
        name = declared.group(2).decode("ascii")
        if declared.group(1) == b"event":
            close = masked.find(b";", c_end, end)
            close = close if close >= 0 else c_end - 1
            anonymous = b"anonymous" in masked[c_end:close]
            for param in child.get("children") or []:
                p_start, p_end = _span(param)
                param.setdefault("attributes", {})["indexed"] = re.search(rb"\bindexed\b", masked[p_start:p_end]) is not None
            items.append(_node("EventDefinition", keyword_at, close + 1, index, ids, [child],
                               {"name": name, "anonymous": anonymous}))
            i += 1
            continue
        params, block = child, children[i + 1] if i + 1 < len(children) else None
        i += 2
        if child["name"] == "Block":  # `modifier m { ... }`: no parameter list printed
            params, block = _node("ParameterList", c_start, c_start, index, ids, []), child
            i -= 1
        if block is None or block["name"] != "Block":
            raise Unbridgeable("a modifier without a body", keyword_at)
        _placeholders(block, masked, index, ids)
        items.append(_node("ModifierDefinition", keyword_at, _span(block)[1], index, ids, [params, block],
                           {"name": name, "visibility": "internal"}))
    contract["children"] = items
    for function in (c for c in items if c["name"] == "FunctionDefinition"):
        _recover_invocations(function, masked, index, ids)


def _after_brackets(masked: bytes, pos: int, opening: bytes, closing: bytes, limit: int) -> int:
    """The end of `(...)` right after `pos` (blanks allowed), else `pos`."""
    at = _skip_blank(masked, pos)
    if at < limit and masked[at:at + 1] == opening:
        depth = 0
        for j in range(at, limit):
            depth += {opening: 1, closing: -1}.get(masked[j:j + 1], 0)
            if depth == 0:
                return j + 1
    return pos


def _recover_invocations(function: dict, masked: bytes, index: str, ids: _Ids) -> None:
    """`function f() onlyOwner A(1) {`: each name and its arguments as a ModifierInvocation."""
    children = function.get("children") or []
    kept: list[dict] = []
    invocations: list[dict] = []
    _, f_end = _span(function)
    for child in children:
        c_start, c_end = _span(child)
        if len([k for k in kept if k["name"] == "ParameterList"]) < 1 or child["name"] in ("ParameterList", "Block"):
            kept.append(child)
        elif invocations and c_end <= _span(invocations[-1])[1]:  # an argument of the last one
            invocations[-1]["children"].append(child)
        elif child["name"] == "Identifier":
            close = _after_brackets(masked, c_end, b"(", b")", f_end)
            invocations.append(_node("ModifierInvocation", c_start, close, index, ids, [child]))
        else:
            kept.append(child)  # left for _check_complete to name
    # 0.4's order: parameters, return parameters, modifiers, body
    lists = [k for k in kept if k["name"] == "ParameterList"][:2]
    rest = [k for k in kept if k not in lists]
    function["children"] = lists + invocations + rest


_PLACEHOLDER = re.compile(rb"(?<![\w$.])_(?![\w$])")


def _placeholders(block: dict, masked: bytes, index: str, ids: _Ids) -> None:
    """The `_` statements of a modifier body, which 0.3 does not print, where they stand."""
    start, end = _span(block)
    for m in _PLACEHOLDER.finditer(masked, start, end):
        at = m.start()
        parent = block
        while True:  # the innermost statement-holding node around the `_`
            inner = next((c for c in parent.get("children") or []
                          if _span(c)[0] <= at < _span(c)[1] and "children" in c), None)
            if inner is None:
                break
            parent = inner
        if parent["name"] not in ("Block", "IfStatement", "WhileStatement", "ForStatement"):
            continue  # an identifier spelt `_` inside an expression, not a placeholder
        node = _node("PlaceholderStatement", at, at + 1, index, ids, [])
        del node["children"]
        siblings = parent.setdefault("children", [])
        siblings.insert(sum(1 for c in siblings if _span(c)[0] < at), node)



def _check_complete(node: dict) -> None:
    """Unbridgeable where a contract or function holds what is left of a node 0.3 omitted."""
    children = node.get("children") or []
    if node["name"] == "ContractDefinition":
        stray = next((c for c in children if c["name"] not in _CONTRACT_ITEMS), None)
    elif node["name"] == "FunctionDefinition":
        kinds = [c["name"] for c in children if c["name"] != "ModifierInvocation"]
        stray = None if kinds[:2] == ["ParameterList", "ParameterList"] and kinds[2:] in ([], ["Block"]) else (
            next((c for c in children[2:] if c["name"] not in ("Block", "ModifierInvocation")), None) or node)
    else:
        stray = None
    if stray is not None:
        raise Unbridgeable(_DROPPED[node["name"]], _span(stray)[0])
    for child in children:
        _check_complete(child)


# --- attributes ------------------------------------------------------------------------------


def _fill(root: dict, raw: bytes, masked: bytes) -> None:
    contracts = {(c.get("attributes") or {}).get("name"): c for c in root.get("children") or []
                 if c["name"] == "ContractDefinition"}
    bases = {name: [b["children"][0]["attributes"]["name"] for b in c.get("children") or []
                    if b["name"] == "InheritanceSpecifier"] for name, c in contracts.items()}
    for name, contract in contracts.items():
        attrs = contract.setdefault("attributes", {})
        start, _ = _span(contract)
        library = masked[start:].lstrip().startswith(b"library")
        order = _linearize(name, bases, contracts, set())
        attrs.update({
            "isLibrary": library,
            "contractKind": "library" if library else "contract",
            "fullyImplemented": _fully_implemented([contracts[n] for n in order]),
            "linearizedBaseContracts": [contracts[n]["id"] for n in order],
        })
        for spec in (b for b in contract.get("children") or [] if b["name"] == "InheritanceSpecifier"):
            type_name = spec["children"][0]
            type_name["attributes"]["referencedDeclaration"] = contracts[type_name["attributes"]["name"]]["id"]
    _attributes(root, raw, masked, {})


def _linearize(name: str, bases: dict[str, list[str]], contracts: dict[str, dict], seen: set[str]) -> list[str]:
    """solc's C3 linearization, most derived first (bases are listed most base-like first)."""
    if name not in contracts:
        raise Unbridgeable(f"a base contract `{name}` defined in no source unit here")
    if name in seen:
        raise Unbridgeable(f"an inheritance cycle through `{name}`", _span(contracts[name])[0])
    direct = list(reversed(bases[name]))
    lists = [_linearize(b, bases, contracts, seen | {name}) for b in direct] + [direct]
    out = [name]
    while any(lists):
        head = next((lst[0] for lst in lists if lst and not any(lst[0] in o[1:] for o in lists)), None)
        if head is None:
            raise Unbridgeable(f"an inheritance order solc would reject in `{name}`", _span(contracts[name])[0])
        out.append(head)
        lists = [[x for x in lst if x != head] for lst in lists]
    return out


def _fully_implemented(lineage: list[dict]) -> bool:
    """No function the most derived definition of which lacks a body."""
    seen: set[str] = set()
    for contract in lineage:
        for f in (c for c in contract.get("children") or [] if c["name"] == "FunctionDefinition"):
            name = f["attributes"]["name"]
            if name not in seen and not any(c["name"] == "Block" for c in f.get("children") or []):
                return False
            seen.add(name)
    return True


_VISIBILITY = re.compile(rb"\b(public|private|internal|external)\b")


def _attributes(node: dict, raw: bytes, masked: bytes, scope: dict[str, str], parent: str = "") -> None:
    attrs = node.setdefault("attributes", {})
    name = node["name"]
    if name == "FunctionDefinition":
        attrs["constant"] = bool(attrs.pop("const", False))
        attrs["payable"] = True  # before 0.4 every function accepted ether
        # the keywords between the parameters and the body (or the end); public when none
        header_from = _span(node["children"][0])[1] if node.get("children") else _span(node)[0]
        body = next((c for c in node.get("children") or [] if c["name"] == "Block"), None)
        header_to = _span(body)[0] if body else _span(node)[1]
        keyword = _VISIBILITY.search(masked[header_from:header_to])
        attrs["visibility"] = keyword.group(1).decode() if keyword else "public"
        scope = _identifier_types(node)
    elif name == "FunctionCall":
        attrs["type_conversion"] = str(attrs.get("type_conversion")) in ("1", "True", "true")
    elif name == "Literal":
        start, end = _span(node)
        unit = _UNITS.search(raw[start:end].decode("utf-8", errors="replace"))
        if unit:
            attrs["subdenomination"] = unit.group(1)
        attrs["token"] = attrs.pop("string", None)
    elif name == "VariableDeclaration":
        attrs["type"] = _variable_type(node, scope)
        if parent == "ContractDefinition":  # a state variable: its keywords sit between type and name
            start, end = _span(node)
            type_end = _span(node["children"][0])[1] if node.get("children") else start
            words = masked[type_end:end].split(b"=")[0]
            keyword = _VISIBILITY.search(words)
            attrs["visibility"] = keyword.group(1).decode() if keyword else "internal"
            attrs["constant"] = re.search(rb"\bconstant\b", words) is not None
    elif name == "InlineAssembly":
        node.pop("children", None)  # 0.3 prints no operations; Slither keeps an empty assembly node
    if name == "ContractDefinition":
        scope = _identifier_types(node)
    for child in node.get("children") or []:
        _attributes(child, raw, masked, scope, name)
    if not attrs:
        node.pop("attributes")


def _identifier_types(node: dict) -> dict[str, str]:
    """Name -> type of the identifiers under `node` (what a `var` declaration's type was inferred as)."""
    found: dict[str, str] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        a = n.get("attributes") or {}
        if n["name"] == "Identifier" and a.get("type") and a.get("value"):
            found.setdefault(a["value"], a["type"])
        stack.extend(n.get("children") or [])
    return found


_ELEMENTARY = {"uint": "uint256", "int": "int256", "byte": "bytes1", "ufixed": "ufixed128x128", "fixed": "fixed128x128"}


def _variable_type(decl: dict, scope: dict[str, str]) -> str:
    """The declared type as solc 0.4 names it; only `var` declarations (no type name) need it."""
    children = decl.get("children") or []
    if children and children[0]["name"] in _TYPE_NAMES + ("ArrayTypeName",):
        return _type_string(children[0])
    name = (decl.get("attributes") or {}).get("name", "")
    return scope.get(name, "uint256")


def _type_string(t: dict) -> str:
    kind = t["name"]
    if kind == "ElementaryTypeName":
        n = t["attributes"]["name"]
        return _ELEMENTARY.get(n, n)
    if kind == "UserDefinedTypeName":
        return f"contract {t['attributes']['name']}"
    if kind == "Mapping":
        key, value = t["children"][:2]
        return f"mapping({_type_string(key)} => {_type_string(value)})"
    length = ""
    if len(t["children"]) > 1:
        length = str((t["children"][1].get("attributes") or {}).get("value", ""))
    return f"{_type_string(t['children'][0])}[{length}]"
