"""Imports: relative paths, remappings.txt in a sub-project, node_modules packages, --remap."""

from __future__ import annotations

import json
import shutil

import pytest
from cli_helpers import EXAMPLES, run_cli, run_json

pytestmark = pytest.mark.e2e

PROJECT = EXAMPLES / "project"


def test_multi_file_project_with_remappings():
    report, proc = run_json("src", cwd=PROJECT)
    assert report["errors"] == [], proc.stderr
    expected = json.loads((PROJECT / "expected.json").read_text())
    found = {(f["location"]["path"].split("project/", 1)[1], f["swc_id"], f["location"]["start_line"])
             for f in report["findings"]}
    for path, labels in expected.items():
        for label in labels:
            assert (path, label["swc"], label["line"]) in found, found
    # imported files are compiled but not reported on unless asked for
    assert not any("lib-src" in f["location"]["path"] for f in report["findings"])


def test_node_modules_and_cli_remap(tmp_path):
    lib = tmp_path / "node_modules" / "@acme" / "auth" / "contracts"
    lib.mkdir(parents=True)
    shutil.copy(PROJECT / "lib-src" / "Ownable.sol", lib / "Ownable.sol")
    vendored = tmp_path / "vendor" / "owner"
    vendored.mkdir(parents=True)
    shutil.copy(PROJECT / "lib-src" / "Ownable.sol", vendored / "Ownable.sol")
    src = tmp_path / "contracts"
    src.mkdir()
    bank = (PROJECT / "src" / "Bank.sol").read_text()
    (src / "A.sol").write_text(bank.replace('"@lib/Ownable.sol"', '"@acme/auth/contracts/Ownable.sol"'))
    (src / "B.sol").write_text(bank.replace('"@lib/Ownable.sol"', '"@own/Ownable.sol"')
                               .replace("contract Bank", "contract BankB"))
    report, proc = run_json("contracts", "--remap", "@own/=vendor/owner/", cwd=tmp_path)
    assert report["errors"] == [], proc.stderr
    assert {f["location"]["path"] for f in report["findings"] if f["swc_id"] == "SWC-107"} == {
        "contracts/A.sol", "contracts/B.sol"}


def test_open_pragma_file_rejected_by_newest_solc_is_compiled_with_an_older_one(tmp_path):
    # Bits needs 0.7 (int24 -> uint8), App imports it, both say >=0.5.0; M pulls 0.8 into the run.
    (tmp_path / "Bits.sol").write_text(
        "pragma solidity >=0.5.0;\nlibrary Bits {\n"
        "    function low(int24 t) internal pure returns (uint8) { return uint8(t); }\n"
        "    function sub(uint a, uint b) internal pure returns (uint) { return a - b; }\n}\n")
    (tmp_path / "App.sol").write_text(
        'pragma solidity >=0.5.0;\nimport "./Bits.sol";\ncontract App {\n'
        "    function f(int24 t) external pure returns (uint8) { return Bits.low(t); }\n}\n")
    (tmp_path / "M.sol").write_text("pragma solidity ^0.8.0;\ncontract M { function g() external {} }\n")
    reports = []
    for jobs in ("1", "2"):
        proc = run_cli("--no-llm", "--format", "json", "--fail-on", "none", "--jobs", jobs, ".", cwd=tmp_path)
        report = json.loads(proc.stdout)
        assert report["errors"] == [] and report["summary"]["files"] == 3, (jobs, report["errors"])
        assert [f["location"]["path"] for f in report["findings"] if f["swc_id"] == "SWC-101"] == ["Bits.sol"]
        reports.append(report["findings"])
    assert reports[0] == reports[1]


def test_a_project_outside_the_current_folder_reads_its_own_imports(tmp_path):
    # `swclint /elsewhere/contracts/token/X.sol` run from another folder: X's `../../` imports lie in
    # its own project (package.json marks the top), so they are read; an import that escapes a folder
    # with no project marker names where the file is and why it was not read
    other = tmp_path / "other"
    (other / "contracts" / "token").mkdir(parents=True)
    (other / "contracts" / "utils").mkdir()
    (other / "package.json").write_text("{}")
    (other / "contracts" / "utils" / "Math.sol").write_text(
        "pragma solidity ^0.5.0;\nlibrary Math {\n"
        "    function sub(uint a, uint b) internal pure returns (uint) { return a - b; }\n}\n")
    (other / "contracts" / "token" / "Token.sol").write_text(
        'pragma solidity ^0.5.0;\nimport "../utils/Math.sol";\ncontract Token {\n'
        "    function f(uint a, uint b) external pure returns (uint) { return Math.sub(a, b) - b; }\n}\n")
    loose = tmp_path / "loose"
    (loose / "a").mkdir(parents=True)
    (loose / "b").mkdir()
    (loose / "b" / "A.sol").write_text("pragma solidity ^0.5.0;\ncontract A {}\n")
    (loose / "a" / "B.sol").write_text('pragma solidity ^0.5.0;\nimport "../b/A.sol";\ncontract B is A {}\n')
    here = tmp_path / "here"
    here.mkdir()
    proc = run_cli("--no-llm", "--format", "json", "--fail-on", "none", "--jobs", "1",
                   str(other / "contracts" / "token" / "Token.sol"), str(loose / "a" / "B.sol"), cwd=here)
    report = json.loads(proc.stdout)
    (error,) = report["errors"]
    assert error["path"].endswith("loose/a/B.sol") and error["line"] == 2
    assert f"found at '{(loose / 'b' / 'A.sol').resolve()}', outside the project being scanned" in error["message"]
    assert any(f["swc_id"] == "SWC-101" and f["location"]["path"].endswith("token/Token.sol")
               for f in report["findings"]), report["findings"]


def test_a_package_with_its_own_copy_of_a_dependency_compiles_against_that_copy(tmp_path):
    # npm nests a package's own version of a dependency under the package: `ledger/Ledger.sol` means
    # the top-level copy for the app and the nested one for `vault`, as Node resolves it.
    top = tmp_path / "node_modules" / "ledger"
    nested = tmp_path / "node_modules" / "vault" / "node_modules" / "ledger"
    for folder in (top, nested, tmp_path / "node_modules" / "vault" / "contracts", tmp_path / "contracts"):
        folder.mkdir(parents=True, exist_ok=True)
    (top / "Ledger.sol").write_text(
        "pragma solidity ^0.5.0;\ncontract Ledger {\n    mapping(address => uint) public credit;\n}\n")
    (nested / "Ledger.sol").write_text(
        "pragma solidity ^0.5.0;\ncontract OldLedger {\n    mapping(address => uint) public owed;\n}\n")
    (tmp_path / "node_modules" / "vault" / "contracts" / "Vault.sol").write_text(
        'pragma solidity ^0.5.0;\nimport "ledger/Ledger.sol";\ncontract Vault is OldLedger {\n'
        "    function take() public {\n        (bool ok, ) = msg.sender.call.value(owed[msg.sender])(\"\");\n"
        "        require(ok);\n        owed[msg.sender] = 0;\n    }\n}\n")
    (tmp_path / "contracts" / "App.sol").write_text(
        'pragma solidity ^0.5.0;\nimport "ledger/Ledger.sol";\nimport "vault/contracts/Vault.sol";\n'
        "contract App is Ledger {\n    Vault public vault;\n"
        "    function take() public {\n        (bool ok, ) = msg.sender.call.value(credit[msg.sender])(\"\");\n"
        "        require(ok);\n        credit[msg.sender] = 0;\n    }\n}\n")
    report, proc = run_json("contracts", "node_modules/vault/contracts", "--no-default-excludes", cwd=tmp_path)
    assert report["errors"] == [], proc.stderr
    assert {f["location"]["path"] for f in report["findings"] if f["swc_id"] == "SWC-107"} == {
        "contracts/App.sol", "node_modules/vault/contracts/Vault.sol"}
