"""solc 0.3.6 as the very last fallback for unversioned 0.3-era code: the AST bridge and the real thing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from swclint.solc.legacy03 import Unbridgeable, modernise

# 0.3-era code: no pragma, `.value()` on an interface function not marked payable (every 0.4
# release rejects it), a modifier with a bare `_`, an event, inheritance, an array, and a reentrancy
# (state written after `call.value`). `kill` is guarded by the modifier, `bail` is not.
BANK = """contract Token {
    function transfer(address to, uint amount) returns (bool);
}

contract Owned {
    address owner;
    modifier onlyOwner { if (msg.sender != owner) throw; _ }
}

contract Bank is Owned {
    mapping (address => uint) public balances;
    address[] depositors;
    Token token;
    event Deposit(address indexed who, uint amount);

    function Bank(Token t) { owner = msg.sender; token = t; }

    function deposit() {
        balances[msg.sender] += msg.value;
        depositors.push(msg.sender);
        Deposit(msg.sender, msg.value);
    }

    function pay(address to, uint amount) onlyOwner {
        token.transfer.value(amount)(to, amount);
    }

    function withdraw() {
        uint amount = balances[msg.sender];
        if (!msg.sender.call.value(amount)()) throw;
        balances[msg.sender] = 0;
    }

    function kill() onlyOwner { suicide(owner); }
    function bail() { suicide(msg.sender); }
}
"""


# What else 0.3 code holds: a library, an inheritance chain, structs of arrays, `var`, `new uint[]`,
# tuples, loops, assembly, an anonymous event, a private constructor and a fallback.
VARIETY = """library Math {
    function add(uint a, uint b) returns (uint) { return a + b; }
}

contract Base {
    address owner;
    function Base() { owner = msg.sender; }
}

contract Mid is Base {
    modifier only(address who) { if (msg.sender != who) throw; _ }
}

contract Div is Mid {
    struct Entry { address who; uint[] amounts; }
    Entry[] entries;
    mapping (address => Entry) byWho;
    uint constant LIMIT = 10 finney;
    bytes32 public last;
    event Logged(address indexed who, uint amount) anonymous;

    function Div() private { }

    function add(uint v) only(owner) returns (uint total, bool ok) {
        var n = entries.length;
        uint[] memory tmp = new uint[](3);
        tmp[0] = Math.add(v, LIMIT);
        entries.push(Entry(msg.sender, tmp));
        byWho[msg.sender].amounts.push(v);
        last = sha3(msg.sender, v);
        Logged(msg.sender, v);
        (total, ok) = (n + v, true);
        for (uint i = 0; i < 3; i++) { total += tmp[i]; }
        while (total > 100) { total -= 1; }
        assembly { let x := 1 }
        return;
    }

    function () { throw; }
}
"""


def _src(text: str, snippet: str, nth: int = 0) -> str:
    at = -1
    for _ in range(nth + 1):
        at = text.index(snippet, at + 1)
    return f"{len(text[:at].encode())}:{len(snippet.encode())}:7"


def _flat(text: str, *nodes: tuple) -> dict:
    """A 0.3 AST at its worst: every node a child of the root, in source order (pre-order)."""
    children = []
    for name, snippet, nth, attrs, holds in nodes:
        node = {"name": name, "id": len(children) + 100, "src": _src(text, snippet, nth)}
        if attrs:
            node["attributes"] = attrs
        if holds:
            node["children"] = []
        children.append(node)
    return {"name": "root", "children": children}


def _find(node: dict, name: str) -> list[dict]:
    out = [node] if node.get("name") == name else []
    for child in node.get("children") or []:
        out += _find(child, name)
    return out


SMALL = """contract B { function g() {} }
contract A is B {
  uint[3] xs;
  modifier only(uint v) { if (v == 0) _ }
  event E(uint indexed a);
  function f() only(1) { xs[0] = 2 ether; }
}
"""


def _small_ast() -> dict:
    t = SMALL
    return _flat(
        t,
        ("Contract", "contract B { function g() {} }", 0, {"name": "B"}, True),
        ("Function", "function g() {}", 0, {"name": "g", "public": True, "const": False}, True),
        ("ParameterList", "()", 0, None, True),
        ("ParameterList", "", 0, None, True),  # replaced below: zero length after the parameters
        ("Block", "{}", 0, None, True),
        ("Contract", t[t.index("contract A"):], 0, {"name": "A"}, True),
        ("UserDefinedTypeName", "B", 0, {"name": "B"}, False),  # placed in _fixed_small_ast
        ("VariableDeclaration", "uint[3] xs", 0, {"name": "xs"}, True),
        ("ElementaryTypeName", "uint", 0, {"name": "uint"}, False),
        ("Literal", "3", 0, {"string": "null", "value": "3", "type": "int_const 3"}, False),
        ("ParameterList", "(uint v)", 0, None, True),
        ("VariableDeclaration", "uint v", 0, {"name": "v"}, True),
        ("ElementaryTypeName", "uint", 1, {"name": "uint"}, False),
        ("Block", "{ if (v == 0) _ }", 0, None, True),
        ("IfStatement", "if (v == 0) _", 0, None, True),
        ("BinaryOperation", "v == 0", 0, {"operator": "==", "type": "bool"}, True),
        ("Identifier", "v", 1, {"value": "v", "type": "uint256"}, False),
        ("Literal", "0", 0, {"string": "null", "value": "0", "type": "int_const 0"}, False),
        ("ParameterList", "(uint indexed a)", 0, None, True),
        ("VariableDeclaration", "uint indexed a", 0, {"name": "a"}, True),
        ("ElementaryTypeName", "uint", 2, {"name": "uint"}, False),
        ("Function", "function f() only(1) { xs[0] = 2 ether; }", 0, {"name": "f", "public": True,
                                                                     "const": False}, True),
        ("ParameterList", "()", 1, None, True),
        ("ParameterList", "", 0, None, True),
        ("Identifier", "only", 1, {"value": "only", "type": "modifier (uint256)"}, False),
        ("Literal", "1", 0, {"string": "null", "value": "1", "type": "int_const 1"}, False),
        ("Block", "{ xs[0] = 2 ether; }", 0, None, True),
        ("ExpressionStatement", "xs[0] = 2 ether", 0, None, True),
        ("Assignment", "xs[0] = 2 ether", 0, {"operator": "=", "type": "uint256"}, True),
        ("IndexAccess", "xs[0]", 0, {"type": "uint256"}, True),
        ("Identifier", "xs", 1, {"value": "xs", "type": "uint256[3] storage ref"}, False),
        ("Literal", "0", 1, {"string": "null", "value": "0", "type": "int_const 0"}, False),
        ("Literal", "2 ether", 0, {"string": "null", "value": "2", "type": "int_const 2000000000000000000"},
         False),
    )


def _fixed_small_ast() -> dict:
    ast = _small_ast()
    # the empty return lists solc 0.3 prints sit right after the parameter lists, zero long
    lists = [n for n in ast["children"] if n["name"] == "ParameterList" and n["src"].startswith("0:0")]
    g_end = SMALL.index("() {}") + 2
    f_end = SMALL.index("() only") + 2
    lists[0]["src"], lists[1]["src"] = f"{g_end}:0:7", f"{f_end}:0:7"
    (base,) = [n for n in ast["children"] if n["name"] == "UserDefinedTypeName"]
    base["src"] = f"{SMALL.index('is B') + 3}:1:7"
    return ast


def test_containment_rebuilds_the_tree_from_a_flat_preorder_and_names_nodes_as_04_does() -> None:
    root = modernise(_fixed_small_ast(), SMALL, 7)
    assert root["name"] == "SourceUnit" and root["src"] == f"0:{len(SMALL)}:7"
    b, a = root["children"]
    assert [c["name"] for c in b["children"]] == ["FunctionDefinition"]
    g = b["children"][0]
    # the empty return list starts where the parameters end: a sibling, not a child
    assert [c["name"] for c in g["children"]] == ["ParameterList", "ParameterList", "Block"]
    assert [c["name"] for c in a["children"]] == [
        "InheritanceSpecifier", "VariableDeclaration", "ModifierDefinition", "EventDefinition", "FunctionDefinition"]


def test_omitted_nodes_come_back_from_the_source_at_their_children() -> None:
    root = modernise(_fixed_small_ast(), SMALL, 7)
    b, a = root["children"]
    spec, xs, only, event, f = a["children"]
    assert spec["children"][0]["attributes"]["referencedDeclaration"] == b["id"]
    assert a["attributes"]["linearizedBaseContracts"] == [a["id"], b["id"]]
    assert a["attributes"]["fullyImplemented"] is True and a["attributes"]["contractKind"] == "contract"
    (array,) = xs["children"]  # `uint[3]`: the printed length goes inside the array type
    assert array["name"] == "ArrayTypeName" and [c["name"] for c in array["children"]] == [
        "ElementaryTypeName", "Literal"]
    assert xs["attributes"]["type"] == "uint256[3]" and xs["attributes"]["visibility"] == "internal"
    assert only["attributes"]["name"] == "only"
    (if_,) = only["children"][1]["children"]
    assert [c["name"] for c in if_["children"]] == ["BinaryOperation", "PlaceholderStatement"]
    assert event["attributes"] == {"name": "E", "anonymous": False}
    assert event["children"][0]["children"][0]["attributes"]["indexed"] is True
    assert [c["name"] for c in f["children"]] == ["ParameterList", "ParameterList", "ModifierInvocation", "Block"]
    assert [c["name"] for c in f["children"][2]["children"]] == ["Identifier", "Literal"]
    # 0.3 semantics: every function accepted ether; public unless a keyword says otherwise
    assert f["attributes"]["payable"] is True and f["attributes"]["visibility"] == "public"
    assert f["attributes"]["constant"] is False and "const" not in f["attributes"]
    (two,) = [n for n in _find(f, "Literal") if n["attributes"]["value"] == "2"]
    assert two["attributes"]["subdenomination"] == "ether"


def test_type_conversion_flags_become_booleans() -> None:
    text = "contract A { function f(address x) { A(x); } }"
    ast = _flat(
        text,
        ("Contract", text, 0, {"name": "A"}, True),
        ("Function", "function f(address x) { A(x); }", 0, {"name": "f", "public": True, "const": False}, True),
        ("ParameterList", "(address x)", 0, None, True),
        ("VariableDeclaration", "address x", 0, {"name": "x"}, True),
        ("ElementaryTypeName", "address", 0, {"name": "address"}, False),
        ("ParameterList", "", 0, None, True),
        ("Block", "{ A(x); }", 0, None, True),
        ("ExpressionStatement", "A(x)", 0, None, True),
        ("FunctionCall", "A(x)", 0, {"type_conversion": "1", "type": "contract A"}, True),
        ("Identifier", "A", 1, {"value": "A", "type": "type(contract A)"}, False),
        ("Identifier", "x", 1, {"value": "x", "type": "address"}, False),
    )
    ast["children"][5]["src"] = f"{text.index('x)') + 2}:0:7"
    root = modernise(ast, text, 7)
    (call,) = _find(root, "FunctionCall")
    assert call["attributes"]["type_conversion"] is True  # "1"; "0" was truthy for Slither


@pytest.mark.parametrize(("text", "what", "line"), [
    ("contract A {\n  enum S { On, Off }\n  S s;\n}\n", "enum", 2),
    ("contract A {\n  function f() {}\n}\n// enum X { Y } in a comment is no enum\n", None, None),
])
def test_an_enum_leaves_nothing_to_anchor_on_and_is_refused_with_its_place(text: str, what: str | None,
                                                                           line: int | None) -> None:
    ast = {"name": "root", "children": []}
    if what is None:
        assert modernise(ast, text, 0)["name"] == "SourceUnit"
        return
    with pytest.raises(Unbridgeable, match=what) as info:
        modernise(ast, text, 0)
    assert text.encode()[: info.value.offset].count(b"\n") + 1 == line


def test_an_unnamed_contract_item_is_refused_not_guessed() -> None:
    text = "contract A {\n  using L for uint;\n}\n"
    ast = _flat(text, ("Contract", text[:-1], 0, {"name": "A"}, True),
                ("UserDefinedTypeName", "L", 0, {"name": "L"}, False),
                ("ElementaryTypeName", "uint", 0, {"name": "uint"}, False))
    with pytest.raises(Unbridgeable, match="using for") as info:
        modernise(ast, text, 0)
    assert info.value.offset == text.index("L for")


def test_03_is_the_last_fallback_and_only_where_no_pragma_rules_it_out(tmp_path: Path) -> None:
    from swclint.solc.compile import older_alternatives

    pool = [Version(v) for v in ("0.4.11", "0.4.26", "0.5.17")]
    (tmp_path / "none.sol").write_text("contract A { function f() { throw; } }\n")
    (tmp_path / "caret.sol").write_text("pragma solidity ^0.4.0;\ncontract A {}\n")
    none = older_alternatives(tmp_path / "none.sol", tmp_path, [], Version("0.5.17"), candidates=pool,
                              installed=pool)
    assert none[-2:] == [Version("0.4.1"), Version("0.3.6")]
    caret = older_alternatives(tmp_path / "caret.sol", tmp_path, [], Version("0.4.26"), candidates=pool,
                               installed=pool)
    assert Version("0.3.6") not in caret and caret[-1] == Version("0.4.1")


def test_a_03_output_the_bridge_cannot_read_becomes_a_located_error_not_a_traceback() -> None:
    from swclint.solc.legacy import standardise

    text = "contract A {}\n"
    broken = {"name": "root", "children": [{"name": "Contract", "src": "zero:13:4", "children": []}]}
    out = standardise({"errors": [], "contracts": {}, "sources": {"a.sol": {"legacyAST": broken},
                                                                  "std": {"legacyAST": {}}}},
                      {"a.sol": text}, Version("0.3.6"))
    (err,) = out["errors"]
    assert err["severity"] == "error" and err["sourceLocation"]["file"] == "a.sol"
    assert "0.3" in err["message"] and "ValueError" in err["message"]
    assert out["sources"] == {}  # 0.3's own standard library ("std") is never one of ours


needs_03 = pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")


@pytest.mark.e2e
@needs_03
def test_03_code_every_04_release_rejects_is_analysed_through_the_cli(tmp_path: Path) -> None:
    from cli_helpers import run_json

    (tmp_path / "bank.sol").write_text(BANK)
    report, _ = run_json("--no-cache", str(tmp_path / "bank.sol"), cwd=tmp_path)
    assert report["summary"]["files"] == 1 and report["errors"] == [], report["errors"]
    found = {(f["swc_id"], f["location"]["start_line"]) for f in report["findings"]}
    line = BANK.splitlines().index("        balances[msg.sender] = 0;") + 1
    assert any(swc == "SWC-107" and line - 2 <= at <= line for swc, at in found), found
    # the modifier came back: only the unguarded selfdestruct is reported
    kill, bail = (BANK.splitlines().index(s) + 1 for s in (
        "    function kill() onlyOwner { suicide(owner); }", "    function bail() { suicide(msg.sender); }"))
    assert ("SWC-106", bail) in found and ("SWC-106", kill) not in found, found
    # `balances` is declared public: no "no visibility keyword" for it
    balances = BANK.splitlines().index("    mapping (address => uint) public balances;") + 1
    assert ("SWC-108", balances) not in found


@pytest.mark.e2e
@needs_03
def test_03_code_with_an_enum_gets_one_line_naming_the_file_and_the_cause(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    old = BANK.replace("    Token token;\n", "    Token token;\n    enum State { Open, Closed }\n")
    (tmp_path / "enum.sol").write_text(old)
    result = run([str(tmp_path / "enum.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == []
    (err,) = [e for e in result.errors if e.stage == "compile"]
    assert err.path == "enum.sol" and "\n" not in err.message and "0.3.6" in err.message


@pytest.mark.e2e
@needs_03
def test_03_variety_is_analysed_whole_with_its_modifier_and_library_calls(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import analyse_group, read_sources

    (tmp_path / "variety.sol").write_text(VARIETY)
    (source,), _ = read_sources([tmp_path / "variety.sol"], tmp_path, 10**6)
    result = analyse_group("0.4.26", [source], tmp_path, [], Options(llm=False, jobs=1, cache=False))
    assert result.analysed == ["variety.sol"] and result.versions == {"variety.sol": "0.3.6"}
    assert result.errors == []  # no function left out of Slither's IR ("analysed partially")
