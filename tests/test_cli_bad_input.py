"""Bad input through the real CLI: one clear line naming the file and cause, the rest still analysed."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli, run_json

pytestmark = pytest.mark.e2e

GOOD = """pragma solidity ^0.4.24;
contract Bank {
    mapping(address => uint) public balances;
    function withdraw() public {
        uint amount = balances[msg.sender];
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }
}
"""

BAD = {
    "syntax.sol": ("pragma solidity ^0.4.24;\ncontract Broken {\n    function f() public {\n        uint x = ;\n    }\n}\n",
                   "compile", ["expected", "expression"]),
    "future.sol": ("pragma solidity ^0.9.0;\ncontract Future {}\n", "compile", ["0.9.0"]),
    "missing_import.sol": ('pragma solidity ^0.4.24;\nimport "./nowhere/Gone.sol";\ncontract M {}\n',
                           "compile", ["Gone.sol"]),
    "empty.sol": ("", "read", ["empty"]),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    (root / "good.sol").write_text(GOOD)
    for name, (text, _, _) in BAD.items():
        (root / name).write_text(text)
    (root / "binary.sol").write_bytes(b"\x00\x01\x02pragma\xff\xfe")
    (root / "latin1.sol").write_bytes("pragma solidity ^0.4.24; // caf\xe9\ncontract L {}\n".encode("latin-1"))
    return root


@pytest.fixture(scope="module")
def mixed_run(tree):
    return run_json(str(tree), cwd=tree)


def test_good_file_still_analysed_next_to_broken_ones(mixed_run):
    report, proc = mixed_run
    assert proc.returncode == 1, proc.stderr
    assert report["summary"]["files"] == 1
    swcs = {(f["location"]["path"], f["swc_id"]) for f in report["findings"]}
    assert ("good.sol", "SWC-107") in swcs


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_file_gets_one_line_naming_file_and_cause(mixed_run, name):
    report, proc = mixed_run
    errors = [e for e in report["errors"] if e["path"] == name]
    assert errors, f"no error for {name}: {report['errors']}"
    stage, words = BAD[name][1], BAD[name][2]
    assert errors[0]["stage"] == stage
    assert all(w.lower() in errors[0]["message"].lower() for w in words), errors[0]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(name)]
    assert lines, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name,cause", [("binary.sol", "binary"), ("latin1.sol", "utf-8")])
def test_binary_and_non_utf8_files(mixed_run, name, cause):
    report, _ = mixed_run
    messages = [e["message"].lower() for e in report["errors"] if e["path"] == name]
    assert messages and cause in messages[0]


def test_nothing_analysable_exits_2(tree, tmp_path):
    (tmp_path / "empty.sol").write_text("   \n")
    proc = run_cli("--no-llm", str(tmp_path / "empty.sol"), cwd=tmp_path)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "empty.sol" in out and "empty file" in out and "Traceback" not in out


def test_folder_without_solidity(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    proc = run_cli("--no-llm", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no .sol files" in proc.stdout + proc.stderr


def test_path_that_does_not_exist(tmp_path):
    proc = run_cli("--no-llm", "no/such/dir", cwd=tmp_path)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "no/such/dir" in out and "does not exist" in out


def test_unwritable_output(tree, tmp_path):
    target = tmp_path / "missing-dir" / "report.sarif"
    proc = run_cli("--no-llm", "--format", "sarif", "--output", str(target), str(tree / "good.sol"), cwd=tree)
    assert proc.returncode == 2
    assert str(target) in proc.stderr and "cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_fail_on_controls_exit_code(tree):
    only_good = str(tree / "good.sol")
    assert run_cli("--no-llm", "--fail-on", "none", only_good, cwd=tree).returncode == 0
    assert run_cli("--no-llm", "--fail-on", "high", only_good, cwd=tree).returncode == 1


def test_bad_config_is_one_line(tmp_path):
    (tmp_path / ".swclint.toml").write_text("fail-on = [unclosed\n")
    (tmp_path / "a.sol").write_text(GOOD)
    proc = run_cli("--no-llm", "a.sol", cwd=tmp_path)
    assert proc.returncode == 2
    assert ".swclint.toml" in proc.stderr and "Traceback" not in proc.stderr
