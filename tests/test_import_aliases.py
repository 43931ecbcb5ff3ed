"""`import {A as B} from "x.sol";` in code for releases before 0.6: named, so Slither reads the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from swclint.solc.aliases import name_import_aliases

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")

MAIN = """pragma solidity ^0.4.24;
import { Vault as BaseVault, Token } from "./Vault.sol";

contract Main is BaseVault {
    function withdraw() public {
        uint amount = credit[msg.sender];
        require(msg.sender.call.value(amount)());
        credit[msg.sender] = 0;
    }
}
"""

VAULT = """pragma solidity ^0.4.24;
contract Token { }
contract Vault {
    mapping(address => uint) public credit;
    function deposit() public payable { credit[msg.sender] += msg.value; }
}
"""


def _compact(src: str, aliases: list) -> dict:
    return {"nodeType": "SourceUnit", "nodes": [
        {"nodeType": "PragmaDirective"},
        {"nodeType": "ImportDirective", "src": src, "symbolAliases": aliases},
    ]}


def test_aliases_get_their_original_names_from_the_directive_text() -> None:
    text = 'pragma solidity ^0.4.24;\nimport { A as B, /* c */ C, D as E } from "./x.sol";\n'
    start = text.index("import")
    src = f"{start}:{len(text) - start - 1}:0"
    aliases = [{"foreign": 17, "local": "B"}, {"foreign": 18, "local": None}, {"foreign": 19, "local": "E"}]
    output = {"sources": {"m.sol": {"ast": _compact(src, aliases)}}}
    name_import_aliases(output, {"m.sol": text})
    got = output["sources"]["m.sol"]["ast"]["nodes"][1]["symbolAliases"]
    assert got == [{"foreign": {"name": "A"}, "local": "B"},
                   {"foreign": 18, "local": None},  # not renamed: Slither needs nothing here
                   {"foreign": {"name": "D"}, "local": "E"}]


def test_legacy_ast_fields_under_attributes_and_named_aliases_left_alone() -> None:
    text = 'import {A as B} from "x.sol";'
    legacy = {"name": "SourceUnit", "children": [
        {"name": "ImportDirective", "src": f"0:{len(text)}:0",
         "attributes": {"symbolAliases": [{"foreign": 3, "local": "B"}]}}]}
    named = _compact(f"0:{len(text)}:0", [{"foreign": {"name": "Z", "id": 4}, "local": "B"}])
    output = {"sources": {"l.sol": {"legacyAST": legacy}, "n.sol": {"ast": named}}}
    name_import_aliases(output, {"l.sol": text, "n.sol": text})
    assert legacy["children"][0]["attributes"]["symbolAliases"] == [{"foreign": {"name": "A"}, "local": "B"}]
    assert named["nodes"][1]["symbolAliases"] == [{"foreign": {"name": "Z", "id": 4}, "local": "B"}]


@pytest.mark.e2e
@needs_node
def test_a_04_project_importing_under_an_alias_is_analysed(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "Main.sol").write_text(MAIN)
    (tmp_path / "Vault.sol").write_text(VAULT)
    result = run([str(tmp_path)], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert sorted(result.files) == ["Main.sol", "Vault.sol"], result.errors
    assert not [e for e in result.errors if e.stage in ("compile", "analyze")], result.errors
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)
