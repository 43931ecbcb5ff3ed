"""Releases before standard JSON (0.4.1-0.4.10) as a per-file fallback for code later releases reject."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from swclint.solc.legacy import standardise

# `^0.4.7` code as deployed in 2017: a local mapping declared without storage (0.4.10 and later reject
# it: "Uninitialized mapping") next to a textbook reentrancy.
LOTTERY = """pragma solidity ^0.4.7;

contract Lottery {
    mapping(address => uint) public credit;
    address[] players;

    function enter() payable {
        credit[msg.sender] += msg.value;
        players.push(msg.sender);
    }

    function distinctPlayers() constant returns (uint n) {
        mapping(address => bool) seen;
        for (uint i = 0; i < players.length; i++) {
            if (!seen[players[i]]) { seen[players[i]] = true; n++; }
        }
    }

    function withdraw() {
        uint amount = credit[msg.sender];
        if (!msg.sender.call.value(amount)()) throw;
        credit[msg.sender] = 0;
    }
}
"""


def test_legacy_error_strings_get_a_source_location() -> None:
    text = "contract A {\n  function f() { mapping(uint => bool) m; }\n}\n"
    message = "a.sol:2:18: Error: Uninitialized mapping. Mappings cannot be created dynamically\n  ...\n"
    out = standardise({"errors": [{"type": "Error", "severity": "error", "message": message,
                                   "formattedMessage": message}]}, {"a.sol": text})
    (err,) = out["errors"]
    assert err["message"] == "Uninitialized mapping. Mappings cannot be created dynamically"
    assert err["sourceLocation"]["file"] == "a.sol"
    assert text.encode()[err["sourceLocation"]["start"]:].startswith(b"mapping")


def test_errors_naming_no_known_file_or_already_located_stay_as_they_are() -> None:
    located = {"message": "x", "sourceLocation": {"file": "a.sol", "start": 3, "end": 4}}
    stray = {"message": "Internal compiler error", "formattedMessage": "Internal compiler error"}
    other = {"message": "b.sol:1:1: Error: nope", "formattedMessage": "b.sol:1:1: Error: nope"}
    assert standardise({"errors": [located, stray, other]}, {"a.sol": "contract A {}"})["errors"] == [
        located, stray, other]


def test_contracts_without_a_file_go_to_the_unit_whose_ast_defines_them() -> None:
    def ast(*names: str) -> dict:
        return {"name": "SourceUnit", "children": [
            {"name": "ContractDefinition", "attributes": {"name": n}} for n in names]}

    output = {"contracts": {"": {"A": {"abi": []}, "B": {"abi": [1]}}},
              "sources": {"a.sol": {"legacyAST": ast("A")}, "lib/b.sol": {"legacyAST": ast("B")}}}
    got = standardise(output, {})["contracts"]
    assert got == {"a.sol": {"A": {"abi": []}}, "lib/b.sol": {"B": {"abi": [1]}}}


def test_a_caret_pragma_falls_back_to_its_oldest_legacy_release_last(tmp_path: Path) -> None:
    from swclint.solc.compile import older_alternatives

    (tmp_path / "a.sol").write_text(LOTTERY)
    pool = [Version(v) for v in ("0.4.11", "0.4.26", "0.5.17")]
    got = older_alternatives(tmp_path / "a.sol", tmp_path, [], Version("0.4.26"), candidates=pool,
                             installed=pool)
    assert got == [Version("0.4.11"), Version("0.4.7")]  # today's last resort stays first


def test_legacy_releases_never_become_a_first_choice(monkeypatch, tmp_path: Path) -> None:
    # installed as a fallback, 0.4.7 must not take a `^0.4.4` file from 0.4.26, nor a 0.4.4 pin
    from swclint.solc import native, providers, solcjs
    from swclint.solc.compile import plan

    monkeypatch.setattr(native, "native_installs", lambda: {})
    monkeypatch.setattr(solcjs, "installed", lambda: [Version("0.4.7"), Version("0.4.26")])
    assert providers.installed_versions() == [Version("0.4.26")]
    (tmp_path / "caret.sol").write_text("pragma solidity ^0.4.4;\ncontract A {}\n")
    (tmp_path / "pin.sol").write_text("pragma solidity 0.4.7;\ncontract B {}\n")
    releases = [Version("0.4.11"), Version("0.4.26")]
    assert list(plan([tmp_path / "caret.sol"], tmp_path, candidates=releases)[0]) == [Version("0.4.26")]
    assert list(plan([tmp_path / "pin.sol"], tmp_path, candidates=releases)[0]) == [Version("0.4.11")]


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")


@pytest.mark.e2e
@needs_node
def test_legacy_compile_errors_carry_their_line(tmp_path: Path) -> None:
    from swclint.solc.compile import compile_group
    from swclint.solc.providers import get_solc

    bad = tmp_path / "bad.sol"
    bad.write_text("pragma solidity ^0.4.7;\ncontract A {\n    function f() { uint x = ; }\n}\n")
    result = compile_group(get_solc(Version("0.4.7")), [bad], tmp_path)
    assert result.failed == [bad] and result.compiled == []
    assert [(e.file, e.line) for e in result.errors] == [(bad, 3)]


@pytest.mark.e2e
@needs_node
def test_caret_047_code_later_releases_reject_is_analysed_with_047(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "lottery.sol").write_text(LOTTERY)
    result = run([str(tmp_path / "lottery.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["lottery.sol"], result.errors
    assert not [e for e in result.errors if e.stage == "compile"]
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)
    assert any(f.swc_id == "SWC-102" and "solc 0.4.7" in f.message for f in result.findings)


@pytest.mark.e2e
@needs_node
def test_unversioned_pre_04_code_falls_back_to_the_oldest_04_release(tmp_path: Path) -> None:
    # 0.3-era dialect (no pragma, bare `_`) with the same uninitialized mapping: every release from
    # 0.4.10 on rejects it, so only the legacy fallback (0.4.1) reads it
    old = LOTTERY.replace("pragma solidity ^0.4.7;\n", "").replace(
        "    function enter()", "    address owner;\n    modifier onlyOwner { if (msg.sender == owner) _ }\n"
        "    function close() onlyOwner { selfdestruct(owner); }\n\n    function enter()")
    (tmp_path / "old.sol").write_text(old)
    from swclint.config import Options
    from swclint.pipeline import analyse_group, read_sources

    (source,), _ = read_sources([tmp_path / "old.sol"], tmp_path, 10**6)
    result = analyse_group("0.4.26", [source], tmp_path, [], Options(llm=False, jobs=1, cache=False))
    assert result.analysed == ["old.sol"], result.errors
    assert result.versions == {"old.sol": "0.4.1"}
    assert not [e for e in result.errors if e.stage == "compile"]
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)


def test_unversioned_file_no_release_compiles_gets_one_line_from_the_release_that_read_furthest() -> None:
    from swclint.findings import FileError
    from swclint.pipeline import SourceFile, _no_release_compiles

    old = SourceFile(Path("/x/old.sol"), "old.sol", "contract A { function () { x(); } }\n")
    attempts = [
        ("0.8.26", [FileError("old.sol", "compile", "ParserError: Expected a state variable declaration.", 24)]),
        ("0.4.26", [FileError("old.sol", "compile", "TypeError: Operator < not compatible with types "
                                                    "uint256 and rational_const 1/100", 29)]),
        ("0.4.1", [FileError("old.sol", "compile", "ParserError: Expected token Semicolon", 31)]),
    ]
    verdict = _no_release_compiles(old, attempts)
    assert verdict is not None and verdict.path == "old.sol" and verdict.line == 29
    assert "0.8.26, 0.4.26, 0.4.1" in verdict.message and "solc 0.4.26" in verdict.message
    assert "rational_const" in verdict.message
    # a pragma names the author's compiler: its verdict stays; one attempt alone needs no summary
    pinned = SourceFile(Path("/x/p.sol"), "p.sol", "pragma solidity ^0.4.7;\n" + old.text)
    assert _no_release_compiles(pinned, attempts) is None
    assert _no_release_compiles(old, attempts[:1]) is None
