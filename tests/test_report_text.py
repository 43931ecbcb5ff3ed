"""Text reporter: header line, code frame, evidence, fix advice, errors, summary, colour."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

from swclint.findings import RunResult
from swclint.report import write


def _load_sample():
    path = Path(__file__).parent / "fixtures" / "report" / "sample.py"
    spec = importlib.util.spec_from_file_location("report_sample", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_sample"] = module
    spec.loader.exec_module(module)
    return module


sample = _load_sample()


def _text(result: RunResult | None = None, **kw) -> str:
    out = io.StringIO()
    kw.setdefault("color", False)
    kw.setdefault("show_suppressed", False)
    write(result or sample.sample_result(), "text", out, catalog=sample.CATALOG, **kw)
    return out.getvalue()


def test_finding_block():
    lines = _text().splitlines()
    i = lines.index("contracts/Bank.sol:13:9: SWC-107 Reentrancy [high, confidence high]")
    assert lines[i + 1] == "  External call in Bank.withdraw() before balances[msg.sender] is reset"
    assert lines[i + 2 : i + 7] == [
        "    11 |     function withdraw() external {",
        "    12 |         uint256 amount = balances[msg.sender];",
        '  > 13 |         (bool ok, ) = msg.sender.call{value: amount}("");',
        '    14 |         require(ok, "send failed");',
        "    15 |         balances[msg.sender] = 0;",
    ]
    assert lines[i + 7] == "  evidence: slither:reentrancy-eth (0.90), llm:test-model (0.70)"
    assert lines[i + 8].startswith("  remediation: Update state before the external call")  # catalog text
    assert lines[i + 9] == "  suggested replacement:"
    assert lines[i + 10] == "    + balances[msg.sender] = 0;"


def test_finding_remediation_wins_over_catalog():
    text = _text()
    assert "contracts/Bank.sol:8:9: SWC-101 Integer Overflow [low, confidence low]" in text
    assert "  remediation: Use checked arithmetic." in text
    assert "  fix:" not in text


def test_model_fix_without_remediation_is_a_suggested_replacement():
    """The model's code never takes the remediation label, even when there is no rule text."""
    from dataclasses import replace

    finding = replace(sample.reentrancy(), swc_id="SWC-999", remediation="")
    result = sample.sample_result()
    result.findings = [finding]
    lines = _text(result).splitlines()
    assert not any(line.lstrip().startswith(("remediation:", "fix:")) for line in lines)
    i = lines.index("  suggested replacement:")
    assert lines[i + 1] == "    + balances[msg.sender] = 0;"


def test_suppressed_hidden_unless_asked():
    hidden = _text()
    assert "SWC-105" not in hidden and "SWC-103" not in hidden
    shown = _text(show_suppressed=True)
    assert "SWC-105 Unprotected Ether Withdrawal [medium, confidence medium] (suppressed: inSource -- owner " \
           "check lives in the proxy)" in shown
    assert "(suppressed: external -- baseline)" in shown


def test_errors_notes_and_summary():
    lines = _text().splitlines()
    assert "error: contracts/Broken.sol:7: compile error: ParserError: Expected ';' but got '}'" in lines
    assert any(line.startswith("warning: contracts/Bank.sol:3: unused suppression") for line in lines)
    assert "note: model: off" in lines
    assert lines[-1] == "2 findings (1 high, 1 low) in 1 file, 2 suppressed, 1 error"


def test_no_ansi_without_colour_and_ansi_with_it():
    assert "\x1b[" not in _text(color=False)
    coloured = _text(color=True)
    assert "\x1b[" in coloured
    assert "SWC-107 Reentrancy" in coloured


def test_long_region_is_cut_in_frame():
    result = sample.sample_result()
    f = sample.reentrancy(line=4)
    f.location = type(f.location)("contracts/Bank.sol", 4, 22, 1, 2)
    result.findings = [f]
    text = _text(result)
    assert "  >  9 |     }" in text and "       | ..." in text
    assert "  > 10 |" not in text  # 4..9 shown (6 lines), the rest elided


def test_empty_run_summary():
    assert _text(RunResult(root="/r", files=["a.sol", "b.sol"])) == "0 findings in 2 files\n"


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        write(sample.sample_result(), "xml", io.StringIO(), color=False, show_suppressed=False)
