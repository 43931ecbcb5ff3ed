"""primaryLocationLineHash: survives unrelated line moves, changes with the flagged code."""

from __future__ import annotations

from dataclasses import replace

from swclint.findings import Finding, Location
from swclint.report.fingerprint import fingerprint_all, primary_location_line_hash

SOURCE = """pragma solidity ^0.8.0;
contract Bank {
    function withdraw() external {
        (bool ok, ) = msg.sender.call{value: 1}("");
    }
}
"""


def _finding(line: int = 4, **kw) -> Finding:
    return Finding(**{"swc_id": "SWC-107", "title": "Reentrancy", "severity": "high", "confidence": 0.9,
                      "location": Location("Bank.sol", line, line, 9, 20), "message": f"call at line {line}",
                      "contract": "Bank", "function": "withdraw", **kw})


def test_stable_when_unrelated_lines_are_inserted_above():
    before = primary_location_line_hash(_finding(4), SOURCE)
    moved = SOURCE.replace("contract Bank {", "// a comment\n\ncontract Bank {\n    uint256 x;")
    after = primary_location_line_hash(_finding(7), moved)
    assert before == after
    assert before.endswith(":1") and len(before) == 18


def test_whitespace_is_normalised():
    reindented = SOURCE.replace('        (bool ok, ) = msg.sender', '\t(bool ok, )   =  msg.sender')
    assert primary_location_line_hash(_finding(), SOURCE) == primary_location_line_hash(_finding(), reindented)


def test_changes_with_the_flagged_code_rule_contract_function():
    base = primary_location_line_hash(_finding(), SOURCE)
    assert base != primary_location_line_hash(_finding(), SOURCE.replace("value: 1", "value: 2"))
    assert base != primary_location_line_hash(_finding(swc_id="SWC-104"), SOURCE)
    assert base != primary_location_line_hash(_finding(contract="Vault"), SOURCE)
    assert base != primary_location_line_hash(_finding(function="drain"), SOURCE)


def test_occurrence_index_among_identical_keys():
    source = SOURCE.replace("        (bool ok, )", "        (bool ok, ) = msg.sender.call{value: 1}(\"\");\n"
                            "        (bool ok, )")
    first, second = _finding(4), _finding(5)
    fps = fingerprint_all([second, first], {"Bank.sol": source})
    key = fps[0].split(":")[0]
    assert fps == [f"{key}:2", f"{key}:1"]
    other_file = replace(first, location=replace(first.location, path="Other.sol"))
    assert fingerprint_all([first, other_file], {"Bank.sol": source, "Other.sol": source})[1].endswith(":1")


def test_no_source_falls_back_to_message():
    assert primary_location_line_hash(_finding(message="a"), "") != primary_location_line_hash(
        _finding(message="b"), "")
