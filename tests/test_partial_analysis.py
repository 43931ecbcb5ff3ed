"""A file whose Slither IR generation fails is analysed partially and says so, never dropped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from swclint.analyze.gaps import PARTIAL
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


FIXTURE = Path(__file__).parent / "fixtures" / "partial"


@pytest.fixture
def slither_as_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slither 0.11.6 without `swclint.analyze.slither_fixes`: the fixture's bug is one that module
    works around, and the recovery under test is for the bugs nobody has worked around yet."""
    from slither.slithir.variables.reference import ReferenceVariable

    from swclint.analyze import slither_fixes

    own = ReferenceVariable.set_type
    monkeypatch.setattr(ReferenceVariable, "set_type", getattr(own, "__wrapped__", own))
    monkeypatch.setattr(slither_fixes, "_installed", True)


def run_fixture(**llm):
    from swclint.pipeline import run

    return run([str(FIXTURE / "pool.sol")], Options(llm=False, jobs=1, cache=False), root=FIXTURE, **llm)


def test_function_slither_skips_quietly_is_reported(slither_as_shipped: None) -> None:
    # Real Slither 0.11.6 on a self-written reduction of a CGT contract: it logs "Impossible to
    # generate IR for Pool.pool" and leaves the function without IR instead of raising.
    result = run_fixture()
    assert result.files == ["pool.sol"]
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)
    (partial,) = [e for e in result.errors if e.message.startswith(PARTIAL)]
    assert partial.path == "pool.sol"
    assert "Pool.pool (line 13)" in partial.message and "withdraw" not in partial.message


def test_reports_name_the_partial_file_and_the_cause(slither_as_shipped: None) -> None:
    import io

    from swclint.report import json_report, sarif, text

    result = run_fixture()
    outputs = {}
    for name, write in (("text", text.write_text), ("json", json_report.write_json),
                        ("sarif", sarif.write_sarif)):
        buffer = io.StringIO()
        write(result, buffer)
        outputs[name] = buffer.getvalue()
    for name, out in outputs.items():
        assert "pool.sol" in out and PARTIAL in out and "Pool.pool" in out, name
    errors = json.loads(outputs["json"])["errors"]
    assert any(e["path"] == "pool.sol" and e["message"].startswith(PARTIAL) for e in errors)
    assert json.loads(outputs["json"])["summary"]["files"] == 1  # analysed, with the gap named


def test_the_model_reviews_every_function_of_a_partial_file(tmp_path: Path, slither_as_shipped: None) -> None:
    from swclint.pipeline import run

    (tmp_path / "ok.sol").write_text("pragma solidity ^0.4.24;\ncontract Ok { uint x; function f() public { x = 1; } }\n")
    (tmp_path / "pool.sol").write_text((FIXTURE / "pool.sol").read_text())
    seen: list[tuple[list[str], str]] = []

    def stage(sources, static, opts, progress=None):  # records what the model would be given
        seen.append(([s.rel for s in sources], opts.llm_scope))
        return [], [], [s.rel for s in sources], ["model: recorded"]

    result = run([str(tmp_path)], Options(llm=True, jobs=1, cache=False), root=tmp_path, llm_stage=stage)
    assert sorted(seen) == [(["ok.sol"], "findings"), (["pool.sol"], "all")]
    assert result.notes.count("model: recorded") == 1
