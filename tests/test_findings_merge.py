"""merge(): one finding per SWC class and place, led by what earned its severity."""

from __future__ import annotations

from swclint.findings import Evidence, Finding, Location, merge


def _finding(line: int, severity: str, source: str, message: str, end: int | None = None) -> Finding:
    return Finding(swc_id="SWC-104", title="Unchecked Call Return Value", severity=severity, confidence=0.5,
                   location=Location("a.sol", line, end or line), message=message, contract="Liquidator",
                   function="trigger", evidence=[Evidence(source, 0.5, message)])


def test_the_more_severe_statement_leads_the_merged_finding():
    swap = _finding(10, "medium", "slither:unused-return", "ignores return value by router.exactInput(p)")
    transfer = _finding(14, "high", "slither:unchecked-transfer", "ignores return value by token.transfer(a,b)")
    (merged,) = merge([swap, transfer])
    assert (merged.severity, merged.location.start_line, merged.message) == ("high", 14, transfer.message)
    assert [e.source for e in merged.evidence] == ["slither:unchecked-transfer", "slither:unused-return"]


def test_equal_severity_keeps_the_earliest_statement():
    first = _finding(10, "high", "slither:unchecked-transfer", "ignores return value by token.transfer(a,b)")
    second = _finding(14, "high", "slither:unchecked-transfer", "ignores return value by token.transfer(c,d)")
    (merged,) = merge([second, first])
    assert (merged.location.start_line, merged.message) == (10, first.message)


def test_a_wider_or_model_only_finding_does_not_take_the_lead():
    call = _finding(10, "medium", "slither:unused-return", "ignores return value by router.exactInput(p)")
    whole = _finding(10, "high", "swclint:whole-statement", "the whole block", end=20)
    model = _finding(12, "high", "llm:swclint-gemma-3-270m", "the model classifies trigger as SWC-104")
    for other in (whole, model):
        (merged,) = merge([call, other])
        assert merged.severity == "high"
        assert (merged.location.start_line, merged.message) == (10, call.message)
