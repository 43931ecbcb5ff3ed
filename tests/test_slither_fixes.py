"""Slither bugs worked around in `swclint.analyze.slither_fixes`: the function keeps its IR."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")

# `this.balance.div(100)` under `using SafeMath for uint256`: Slither 0.11.6 typed `this.balance` with
# a list and dropped the IR of `share`, so the unchecked send in it went unseen.
SHARE = """pragma solidity ^0.4.11;
library SafeMath {
    function div(uint256 a, uint256 b) internal constant returns (uint256) {
        return a / b;
    }
}
contract Vault {
    using SafeMath for uint256;
    address public owner;
    function share(address w) external {
        require(msg.sender == owner);
        uint256 r = this.balance.div(100);
        w.send(r);
    }
}
"""


@pytest.mark.e2e
@needs_node
def test_a_library_call_on_this_balance_keeps_the_function_analysed(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "Vault.sol").write_text(SHARE)
    result = run([str(tmp_path)], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["Vault.sol"], result.errors
    assert not [e for e in result.errors if e.stage in ("compile", "analyze")], result.errors
    assert any(f.swc_id == "SWC-104" and f.function == "share" for f in result.findings), result.findings


def test_only_a_one_element_list_is_unwrapped_and_only_when_enabled() -> None:
    pytest.importorskip("slither")
    from slither.core.solidity_types import ElementaryType
    from slither.slithir.variables.reference import ReferenceVariable

    from swclint.analyze import slither_fixes

    on = [True]
    before, was_installed = ReferenceVariable.set_type, slither_fixes._installed
    ReferenceVariable.set_type = getattr(before, "__wrapped__", before)  # Slither's own, even after a run
    slither_fixes._installed = False
    try:
        slither_fixes.install(lambda: on[0])
        ref = ReferenceVariable.__new__(ReferenceVariable)
        uint = ElementaryType("uint256")
        ref.set_type([uint])
        assert ref.type is uint
        pair = [uint, ElementaryType("bool")]
        ref.set_type(pair)
        assert ref.type == pair
        on[0] = False
        ref.set_type([uint])
        assert ref.type == [uint]
    finally:
        ReferenceVariable.set_type, slither_fixes._installed = before, was_installed
