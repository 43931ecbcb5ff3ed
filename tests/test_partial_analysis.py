"""A file whose Slither IR generation fails is analysed partially and says so, never dropped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from swclint.analyze.slither_run import PARTIAL
from swclint.config import Options

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node"),
]

BANK = """pragma solidity ^0.4.24;
contract Bank {
    mapping(address => uint) public balances;
    function deposit() public payable { balances[msg.sender] += msg.value; }
    function withdraw() public {
        uint amount = balances[msg.sender];
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }
    function broken(uint x) public returns (uint) { return x * 2; }
}
"""


def run_static(tmp_path: Path, name: str, text: str):
    from swclint.pipeline import run

    (tmp_path / name).write_text(text)
    return run([str(tmp_path / name)], Options(llm=False, jobs=1, cache=False), root=tmp_path)


def test_one_function_without_ir_leaves_the_rest_analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slither's own failure modes are version-specific; inject one to pin the recovery itself.
    from slither.core.declarations.function import Function

    real = Function.generate_slithir_and_analyze

    def flaky(self: Function) -> None:
        if self.name == "broken":
            raise AssertionError("injected IR failure")
        real(self)

    monkeypatch.setattr(Function, "generate_slithir_and_analyze", flaky)
    result = run_static(tmp_path, "bank.sol", BANK)
    assert result.files == ["bank.sol"]
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)
    (partial,) = [e for e in result.errors if e.message.startswith(PARTIAL)]
    assert partial.path == "bank.sol" and partial.stage == "analyze"
    assert "Bank.broken (line 10)" in partial.message and "injected IR failure" in partial.message


def test_reports_name_the_partial_file_and_the_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from slither.core.declarations.function import Function

    from swclint.report import json_report, sarif, text

    real = Function.generate_slithir_and_analyze

    def flaky(self: Function) -> None:
        if self.name == "broken":
            raise KeyError("injected")
        real(self)

    monkeypatch.setattr(Function, "generate_slithir_and_analyze", flaky)
    result = run_static(tmp_path, "bank.sol", BANK)
    outputs = {}
    for name, write in (("text", text.write_text), ("json", json_report.write_json),
                        ("sarif", sarif.write_sarif)):
        buffer = io.StringIO()
        write(result, buffer)
        outputs[name] = buffer.getvalue()
    for name, out in outputs.items():
        assert "bank.sol" in out and PARTIAL in out and "Bank.broken" in out, name
    errors = json.loads(outputs["json"])["errors"]
    assert any(e["path"] == "bank.sol" and e["message"].startswith(PARTIAL) for e in errors)
    assert json.loads(outputs["json"])["summary"]["files"] == 1  # analysed, with the gap named
