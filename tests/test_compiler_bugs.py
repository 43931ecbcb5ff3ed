"""SWC-102 only where the chosen compiler has known bugs rated medium or higher, named in full;
SWC-103 (and every Slither message) whole, not cut at the first line."""

from __future__ import annotations

from pathlib import Path

import pytest

from swclint.solc.bugs import SEVERE_BUGS, describe, severe_bugs


def _names(version: str, pragmas=()) -> list[str]:
    return [b.name for b in severe_bugs(version, pragmas)]


def test_current_release_has_no_severe_bug_in_a_default_build():
    assert _names("0.8.26") == []  # UnsoundSpillInMutualRecursion needs via-IR, not the default


def test_bug_ranges_are_half_open():
    assert "ExpExponentCleanup" in _names("0.4.24") and "ExpExponentCleanup" not in _names("0.4.25")
    assert "NestedArrayFunctionCallDecoder" in _names("0.4.21")
    assert "NestedArrayFunctionCallDecoder" not in _names("0.4.22")
    assert "InheritanceOrderReversalOnStorageEndWarning" not in _names("0.8.28")
    assert "InheritanceOrderReversalOnStorageEndWarning" in _names("0.8.29")
    assert _names("0.4.26") == ["DynamicArrayCleanup", "EmptyByteArrayCopy", "KeccakCaching"]


def test_via_ir_only_bugs_are_left_out():
    assert "TransientStorageClearingHelperCollision" not in _names("0.8.30")
    assert {b.name for b in SEVERE_BUGS if "viaIR" in b.conditions} >= {"TransientStorageClearingHelperCollision"}


def test_abi_coder_v2_bugs_follow_the_pragmas_and_the_default():
    bug = "AbiReencodingHeadOverflowWithStaticArrayCleanup"
    assert bug not in _names("0.5.17")
    assert bug in _names("0.5.17", [("experimental", "ABIEncoderV2")])
    assert bug in _names("0.7.6", [("abicoder", "v2")])
    assert bug in _names("0.8.10")  # v2 is the default from 0.8.0
    assert bug not in _names("0.8.10", [("abicoder", "v1")])


def test_only_medium_or_higher_ratings_are_listed():
    assert all(b.severity in ("medium", "medium/high", "high") for b in SEVERE_BUGS)


def test_message_names_compiler_and_every_bug():
    bugs = severe_bugs("0.4.26")
    text = describe("0.4.26", bugs)
    assert text.startswith("solc 0.4.26, the compiler chosen for this file, has 3 known bugs")
    assert "KeccakCaching (medium, with the optimizer on)" in text and "EmptyByteArrayCopy (medium)" in text
    assert "\n" not in text and text.endswith("bugs.html")


def test_whole_message_keeps_every_line():
    from swclint.analyze.slither_run import whole_message

    text = whole_message("2 different versions of Solidity are used:\n\t- Version constraint ^0.4.24 is used by:"
                         "\n\t\t-^0.4.24 (contracts/a.sol#1)\n\t- Version constraint ^0.8.0 is used by:\n"
                         "\t\t-^0.8.0 (contracts/b.sol#2)\n")
    assert text == ("2 different versions of Solidity are used: Version constraint ^0.4.24 is used by: "
                    "^0.4.24 (a.sol#1); Version constraint ^0.8.0 is used by: ^0.8.0 (b.sol#2)")


OLD = "pragma solidity ^0.4.24;\ncontract Old { uint public x; function set(uint v) public { x = v; } }\n"
NEW = "pragma solidity 0.8.26;\ncontract New { uint public x; function set(uint v) external { x = v; } }\n"
ABI = ("pragma solidity 0.5.17;\npragma experimental ABIEncoderV2;\n"
       "contract Abi { uint public x; function set(uint v) external { x = v; } }\n")


@pytest.mark.e2e
def test_real_run_reports_swc_102_only_for_the_buggy_compiler(tmp_path: Path):
    from swclint.config import Options
    from swclint.pipeline import run

    for name, text in (("Old.sol", OLD), ("New.sol", NEW), ("Abi.sol", ABI)):
        (tmp_path / name).write_text(text)
    result = run([str(tmp_path)], Options(llm=False, jobs=1), root=tmp_path)
    assert sorted(result.files) == ["Abi.sol", "New.sol", "Old.sol"], result.errors
    swc102 = {f.location.path: f for f in result.findings if f.swc_id == "SWC-102"}
    assert set(swc102) == {"Old.sol", "Abi.sol"}  # 0.8.26 has no bug rated medium or higher
    old = swc102["Old.sol"]
    assert old.location.start_line == 1
    assert old.message.startswith("pragma solidity ^0.4.24: solc 0.4.")
    assert "EmptyByteArrayCopy (medium)" in old.message and old.message.endswith("bugs.html")
    assert [e.source for e in old.evidence] == ["swclint:swclint-compiler-bugs"]
    assert "AbiReencodingHeadOverflowWithStaticArrayCleanup" in swc102["Abi.sol"].message


@pytest.mark.e2e
def test_real_run_swc_103_message_is_whole(tmp_path: Path):
    """One compilation unit with two pragmas: Slither's SWC-103 message names both, not just its headline."""
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "Lib.sol").write_text("pragma solidity >=0.4.22 <0.6.0;\nlibrary Lib { function one() "
                                      "internal pure returns (uint) { return 1; } }\n")
    (tmp_path / "Main.sol").write_text('pragma solidity ^0.4.24;\nimport "./Lib.sol";\n'
                                       "contract Main { function f() public pure returns (uint) { return Lib.one(); } }\n")
    result = run([str(tmp_path)], Options(llm=False, jobs=1), root=tmp_path)
    assert sorted(result.files) == ["Lib.sol", "Main.sol"], result.errors
    messages = [f.message for f in result.findings if f.swc_id == "SWC-103" and "versions of Solidity" in f.message]
    assert messages, [f.message for f in result.findings]
    for message in messages:
        assert "Version constraint ^0.4.24 is used by: ^0.4.24 (Main.sol#1)" in message
        assert "Version constraint >=0.4.22<0.6.0 is used by: >=0.4.22<0.6.0 (Lib.sol#1)" in message


def test_bench_counts_files_each_check_flags():
    from bench.compiler_bugs import count

    slither = {"source": "slither:solc-version", "confidence": 0.9,
               "detail": "Version constraint ^0.8.0 contains known severe issues\n\t- KeccakCaching.\n"
                         "It is used by:\n\t- ^0.8.0\n\t- ^0.8.0\n\t- ^0.8.0"}
    ours = {"source": "swclint:swclint-compiler-bugs", "confidence": 0.9, "detail": ""}
    report = {"summary": {"files": 4}, "findings": [
        {"swc_id": "slither/solc-version", "location": {"path": "a.sol"}, "evidence": [slither], "message": ""},
        {"swc_id": "SWC-102", "location": {"path": "old.sol"}, "evidence": [ours],
         "message": "pragma solidity ^0.4.24: solc 0.4.26, ... KeccakCaching (medium, with the optimizer on), "
                    "EmptyByteArrayCopy (medium); see ..."},
    ]}
    assert count(report) == {"files": 4, "slither_solc_version": 3, "swclint_compiler_bugs": 1,
                             "bugs": {"EmptyByteArrayCopy": 1, "KeccakCaching": 1}}


def test_bench_without_a_corpus_is_a_usage_error(capsys):
    from bench.compiler_bugs import main

    assert main([]) == 2
    assert "give --corpus DIR or --npm PKG" in capsys.readouterr().err


def test_nested_bullets_read_the_same_in_any_order():
    from swclint.analyze.slither_run import stable_description, whole_message

    head = "Reentrancy in C.f() (a.sol#3-9):\n\tExternal calls:\n\t- g() (a.sol#4)\n"
    nested = ["\t\t- t.totalSupplyAt(s) (a.sol#20)\n", "\t\t- t.balanceOfAt(o,s) (a.sol#30)\n"]
    tail = "\tState variables written after the call(s):\n\t- x = 1 (a.sol#5)\n"
    one = stable_description(head + "".join(nested) + tail)
    other = stable_description(head + "".join(reversed(nested)) + tail)
    assert one == other
    assert one.index("balanceOfAt") < one.index("totalSupplyAt")
    assert one.startswith(head) and one.endswith(tail)  # top-level order is Slither's own
    assert whole_message(one) == whole_message(other)
