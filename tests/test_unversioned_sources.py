"""Old verified code: files without a pragma (a fifth of CGT), `^0.4.7` code later 0.4 releases reject,
pins of releases before 0.4.11 (no standard JSON), 0.4.11's legacy AST."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from swclint.solc.compile import older_alternatives

SERIES = [Version(v) for v in ("0.4.11", "0.4.26", "0.5.17", "0.6.12", "0.7.6", "0.8.26")]
OLD = """contract Token {
    mapping(address => uint) balances;
    function balanceOf(address who) constant returns (uint) { return balances[who]; }
    function burn(uint x) { if (balances[msg.sender] < x) throw; balances[msg.sender] -= x; }
}
"""
NEW = "contract C { function f() external pure returns (uint) { return 1; } }\n"


def alternatives(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "a.sol").write_text(text)
    return [str(v) for v in older_alternatives(tmp_path / "a.sol", tmp_path, [], SERIES[-1],
                                               candidates=SERIES, installed=SERIES)]


def test_unversioned_file_tries_every_older_series(tmp_path: Path) -> None:
    assert alternatives(tmp_path, NEW) == ["0.7.6", "0.6.12", "0.5.17", "0.4.26", "0.4.11", "0.4.1",
                                           "0.3.6"]


def test_syntax_removed_in_05_starts_from_the_oldest_series(tmp_path: Path) -> None:
    assert alternatives(tmp_path, OLD) == ["0.4.26", "0.5.17", "0.6.12", "0.7.6", "0.4.11", "0.4.1",
                                          "0.3.6"]


def test_a_pragma_keeps_the_two_series_limit_then_its_oldest_release(tmp_path: Path) -> None:
    assert alternatives(tmp_path, "pragma solidity >=0.4.0;\n" + OLD) == ["0.7.6", "0.6.12", "0.4.11",
                                                                         "0.4.1"]


def test_a_caret_pragma_falls_back_to_the_oldest_release_it_allows(tmp_path: Path) -> None:
    (tmp_path / "a.sol").write_text("pragma solidity ^0.4.7;\n" + OLD)
    found = older_alternatives(tmp_path / "a.sol", tmp_path, [], Version("0.4.26"),
                               candidates=[*SERIES, Version("0.4.11")], installed=SERIES)
    assert [str(v) for v in found] == ["0.4.11", "0.4.7"]  # then the release before standard JSON


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_unversioned_04_code_is_analysed(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "old.sol").write_text(OLD)
    result = run([str(tmp_path / "old.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["old.sol"], result.errors
    assert not [e for e in result.errors if e.stage == "compile"]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_solc_0411_legacy_ast_is_analysed(tmp_path: Path) -> None:
    # 0.4.11 returns `legacyAST` only; without it Slither would see no contract at all
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "bank.sol").write_text("""pragma solidity 0.4.11;
contract Bank {
    mapping(address => uint) balances;
    function withdraw() {
        uint amount = balances[msg.sender];
        if (!msg.sender.call.value(amount)()) throw;
        balances[msg.sender] = 0;
    }
}
""")
    result = run([str(tmp_path / "bank.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["bank.sol"], result.errors
    assert any(f.swc_id == "SWC-107" and f.function == "withdraw" for f in result.findings)


def test_pre_0411_pin_is_blanked_for_the_planned_compiler_keeping_offsets() -> None:
    from swclint.solc.compile import _for_compiler

    text = "pragma solidity 0.4.4;\n// pragma solidity 0.4.4; in a comment\ncontract A {}\n"
    sent = _for_compiler(text, Version("0.4.11"))
    assert len(sent) == len(text) and sent.splitlines()[2:] == text.splitlines()[2:]
    assert "pragma" not in sent.splitlines()[0] and sent.splitlines()[1] == text.splitlines()[1]
    assert _for_compiler(text, Version("0.4.4")) == text  # the pinned release itself: untouched
    modern = "pragma solidity ^0.8.0;\ncontract A {}\n"
    assert _for_compiler(modern, Version("0.4.11")) == modern  # only pre-0.4.11 pins are replaced


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_pre_0411_pin_is_analysed_with_a_note(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "old.sol").write_text("pragma solidity 0.4.4;\n" + OLD.replace(
        "function burn", "uint total;\n    function add(uint x) { total += x; }\n    function burn"))
    result = run([str(tmp_path / "old.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["old.sol"]
    (note,) = result.errors
    assert note.stage == "compile" and "before 0.4.11" in note.message and "compiled with 0.4.11" in note.message
    assert any(f.swc_id == "SWC-101" and f.location.start_line == 6 for f in result.findings)  # lines kept


@pytest.mark.parametrize(("before", "after"), [
    ("modifier a { if (x) _ }", "modifier a { if (x) _;}"),  # the blank after `_` becomes the `;`
    ("modifier a {if(x)_}\nuint b;", "modifier a{if(x)_;}\nuint b;"),  # else one before it on the line
    ("modifier a {\n  _\n}", "modifier a {\n _;\n}"),
    ("modifier a {\nif (x) throw;\n_\n}", "modifier a {\nif (x)throw;\n_;\n}"),  # a blank further up
    ("modifier a { _; }", "modifier a { _; }"),  # today's syntax: untouched
    ('string s = "_ }"; uint _x;', 'string s = "_ }"; uint _x;'),  # strings and names: untouched
])
def test_pre_04_bare_placeholder_gets_its_semicolon_keeping_length(before: str, after: str) -> None:
    from swclint.solc.compile import _for_compiler

    assert _for_compiler(before, Version("0.4.26")) == after
    assert len(after) == len(before)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_pre_04_modifier_dialect_is_analysed(tmp_path: Path) -> None:
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "old.sol").write_text("""contract Owned {
    address owner;
    uint total;
    modifier onlyowner { if (msg.sender == owner) _ }
    function add(uint x) onlyowner { total += x; }
}
""")
    result = run([str(tmp_path / "old.sol")], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert result.files == ["old.sol"], result.errors
    assert any(f.swc_id == "SWC-101" and f.location.start_line == 5 for f in result.findings)


def test_pragma_with_spaces_inside_the_version_is_read_as_solc_reads_it() -> None:
    from swclint.solc.versions import parse_constraint

    spaced = parse_constraint("^ 0.4 .6")  # from a verified mainnet contract
    assert spaced.allows(Version("0.4.26")) and not spaced.allows(Version("0.5.0"))
    assert not spaced.allows(Version("0.4.5"))


def test_natspec_becomes_plain_comments_keeping_offsets_strings_and_empty_comments() -> None:
    from swclint.solc.source import plain_comments

    text = '/// @param a\n/** x */ /**/ string s = "/// kept"; // y\n/***/ uint z; //// w\n'
    plain = plain_comments(text)
    assert plain == '//  @param a\n/*  x */ /**/ string s = "/// kept"; // y\n/* */ uint z; // / w\n'
    assert len(plain) == len(text)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_code_rejected_only_for_its_natspec_is_analysed(tmp_path: Path) -> None:
    # 0.4.24+ reject a `@param` with no text, which the release the author used accepted; a file
    # next to it in the same compile must not fail with it either
    from swclint.config import Options
    from swclint.pipeline import run

    (tmp_path / "doc.sol").write_text("""pragma solidity ^0.4.21;
contract Doc {
    uint total;
    /// @param amount
    function add(uint amount) public { total += amount; }
}
""")
    (tmp_path / "other.sol").write_text("pragma solidity ^0.4.21;\ncontract Other { uint x; "
                                        "function f(uint y) public { x += y; } }\n")
    result = run([str(tmp_path)], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert sorted(result.files) == ["doc.sol", "other.sol"], result.errors
    assert not [e for e in result.errors if e.stage == "compile"]
    assert {(Path(f.location.path).name, f.location.start_line) for f in result.findings if f.swc_id == "SWC-101"} \
        == {("doc.sol", 5), ("other.sol", 2)}


def test_a_solc_error_without_a_location_still_tries_an_older_release(tmp_path: Path, monkeypatch) -> None:
    import swclint.pipeline as pipeline
    from swclint.config import Options

    (tmp_path / "a.sol").write_text("pragma solidity ^0.4.21;\ncontract A {}\n")
    tried = []

    def analyse(version, files, root, remappings, opts):
        tried.append(version)
        out = pipeline.GroupResult()
        if version == "0.4.26":  # solc's typed verdict, no line (as 0.4 reports some of them)
            out.errors.append(pipeline.FileError("a.sol", "compile", "SomeNewError: rejected here"))
        else:
            out.compiled.append("a.sol")
        return out

    monkeypatch.setattr(pipeline, "_analyse_group", analyse)
    src = pipeline.SourceFile(tmp_path / "a.sol", "a.sol", (tmp_path / "a.sol").read_text())
    result = pipeline.analyse_group("0.4.26", [src], tmp_path, [], Options(llm=False, jobs=1, cache=False))
    assert tried[0] == "0.4.26" and len(tried) == 2 and result.compiled == ["a.sol"]
    assert result.errors == []
