"""Mechanical fixes on functions the project writes: what each rewrite produces, and where it declines.

Whether a rewrite removes the weakness is fixcheck's job (real solc and Slither, tests/test_fixcheck.py
and test_rewrites_verify_on_real_code below); here the text it writes is pinned down.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from swclint.analyze.chunks import extract_chunks
from swclint.config import Options
from swclint.fixcheck import add_verified_fixes
from swclint.pipeline import run
from swclint.rewrite import rewrite

BANK = """pragma solidity ^0.4.24;

contract Bank {
    mapping(address => uint256) public credit;
    mapping(address => mapping(address => uint256)) public permitted;
    uint8 public level;

    function pay(address to, uint256 amount) public {
        credit[msg.sender] -= amount;
        credit[to] += amount;
    }

    function scale(uint256 factor) public {
        uint256 bonus = credit[msg.sender] * factor;
        credit[msg.sender] = bonus;
    }

    function permit(address who, uint256 amount) public returns (bool) {
        permitted[msg.sender][who] = amount;
        return true;
    }

    function check(uint256 x) public view returns (uint256) {
        assert(x < 10); // inputs are checked with require
        return x;
    }

    function cashOut(uint256 amount) public {
        require(credit[msg.sender] >= amount);
        require(msg.sender.call.value(amount)());
        credit[msg.sender] -= amount;
        level += 1;
    }

    function sideEffect(uint256 amount) public {
        credit[msg.sender] += next(amount);
    }

    function next(uint256 a) internal returns (uint256) {
        level++;
        return a;
    }
}
"""

MODERN = """pragma solidity ^0.8.0;

contract Counter {
    uint256 public total;

    function add(uint256 x) public {
        unchecked { total += x; }
    }
}
"""


def chunk(source: str, name: str):
    (c,) = [c for c in extract_chunks(source, "Bank.sol") if c.function == name]
    return c


def line_of(source: str, text: str) -> int:
    return next(i for i, ln in enumerate(source.splitlines(), 1) if text in ln)


def test_overflow_guards_compare_the_values_of_the_statement():
    pay = chunk(BANK, "pay")
    fixed = rewrite(pay, "SWC-101", line_of(BANK, "credit[msg.sender] -= amount"), "0.4.24")
    assert "        require(credit[msg.sender] >= amount);\n        credit[msg.sender] -= amount;" in fixed
    fixed = rewrite(pay, "SWC-101", line_of(BANK, "credit[to] += amount"), "0.4.24")
    assert "require(credit[to] + amount >= credit[to]);\n        credit[to] += amount;" in fixed
    scale = chunk(BANK, "scale")
    fixed = rewrite(scale, "SWC-101", line_of(BANK, "bonus = credit"), "0.4.24")
    assert ("require(credit[msg.sender] == 0 || (credit[msg.sender] * factor) / credit[msg.sender] == factor);"
            in fixed)


def test_no_guard_that_would_run_a_call_twice():
    side = chunk(BANK, "sideEffect")
    assert rewrite(side, "SWC-101", line_of(BANK, "+= next(amount)"), "0.4.24") is None


def test_from_0_8_unchecked_blocks_become_checked():
    add = [c for c in extract_chunks(MODERN, "Counter.sol") if c.function == "add"][0]
    assert rewrite(add, "SWC-101", line_of(MODERN, "unchecked"), "0.8.26") == (
        "function add(uint256 x) public {\n        { total += x; }\n    }")


def test_assert_becomes_require_but_comments_stay():
    fixed = rewrite(chunk(BANK, "check"), "SWC-110", line_of(BANK, "assert(x < 10)"), "0.4.24")
    assert "require(x < 10); // inputs are checked with require" in fixed and "assert" not in fixed


def test_allowance_moves_only_through_zero():
    fixed = rewrite(chunk(BANK, "permit"), "SWC-114", line_of(BANK, "function permit"), "0.4.24")
    assert ("require(amount == 0 || permitted[msg.sender][who] == 0);\n        permitted[msg.sender][who] = amount;"
            in fixed)


def test_state_updates_after_the_call_move_before_it():
    fixed = rewrite(chunk(BANK, "cashOut"), "SWC-107", line_of(BANK, "function cashOut"), "0.4.24")
    body = [ln.strip() for ln in fixed.splitlines()[1:-1]]
    assert body == ["require(credit[msg.sender] >= amount);", "credit[msg.sender] -= amount;", "level += 1;",
                    "require(msg.sender.call.value(amount)());"]


def test_an_update_that_reads_the_call_result_stays_after_it():
    source = BANK.replace(
        "require(msg.sender.call.value(amount)());\n        credit[msg.sender] -= amount;",
        "(bool ok, ) = msg.sender.call.value(amount)(\"\");\n        ok = ok && true;")
    assert rewrite(chunk(source, "cashOut"), "SWC-107", line_of(source, "function cashOut"), "0.4.24") is None


@pytest.mark.parametrize("swc", ["SWC-113", "SWC-120"])
def test_classes_without_a_textbook_rewrite_get_none(swc):
    assert rewrite(chunk(BANK, "pay"), swc, line_of(BANK, "credit[to]"), "0.4.24") is None


def test_rewrites_verify_on_real_code(tmp_path, monkeypatch):
    """The real pipeline (solc, Slither) with no model: each finding's rewrite is verified or not shown."""
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(Path.home()))
    (tmp_path / "Bank.sol").write_text(BANK)
    outcomes = []

    def stage(batch, findings, opts, progress):
        return [], [], [s.rel for s in batch], []

    def add_fixes(result, versions, root, remappings, opts, progress=None):
        outcomes.extend(add_verified_fixes(result, versions, root, remappings, opts,
                                           generate=lambda c, label: None, classify=None))
        return outcomes

    stage.add_fixes = add_fixes
    result = run([str(tmp_path)], Options(llm_fix=True, fail_on="none", jobs=1), root=tmp_path, llm_stage=stage)
    verified = {(o.function, o.swc_id) for o in outcomes if o.verified}
    assert {o.source for o in outcomes if o.verified} == {"rewrite"}
    assert ("cashOut", "SWC-107") in verified, outcomes
    assert ("check", "SWC-110") in verified, outcomes
    for f in result.findings:
        assert bool(f.fix) == ((f.function, f.swc_id) in verified)
