"""End-to-end: real solc-js compilers from npm, installed once into the user cache and reused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version as V

from swclint.solc import native, providers, solcjs
from swclint.solc.cache import cache_dir
from swclint.solc.compile import compile_files, compile_group, compile_in_parts
from swclint.solc.errors import GroupFailed, SolcUnavailable

pytestmark = pytest.mark.e2e

PINNED = {"0.4": V("0.4.24"), "0.5": V("0.5.17"), "0.6": V("0.6.12"), "0.7": V("0.7.6"), "0.8": V("0.8.37")}

CONTRACTS = {
    "0.4": "pragma solidity ^0.4.24;\ncontract C { uint x; function set(uint v) public { x = v; } }\n",
    "0.5": "pragma solidity ^0.5.0;\ncontract C { uint x; function set(uint v) external { x = v; } }\n",
    "0.6": "pragma solidity ^0.6.0;\ncontract C { receive() external payable {} }\n",
    "0.7": "pragma solidity ^0.7.0;\ncontract C { function f() external pure returns (uint) { return 7; } }\n",
    "0.8": "pragma solidity ^0.8.0;\ncontract C { error E(); function f() external pure { revert E(); } }\n",
}


@pytest.fixture(scope="session")
def solcjs_installed() -> list[V]:
    """Install the pinned versions into the real user cache (a no-op once they are there)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("solc-js needs node and npm")
    try:
        working = solcjs.install(PINNED.values())  # solc-js even where py-solc-x could download
    except SolcUnavailable as exc:
        pytest.skip(f"cannot install solc-js (offline?): {exc}")
    assert sorted(working) == sorted(PINNED.values())
    return working


@pytest.fixture()
def no_native(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests on the solc-js path even where native compilers are installed."""
    monkeypatch.setattr(native, "native_installs", lambda: {})


@pytest.mark.parametrize("minor", sorted(CONTRACTS))
def test_compile_one_contract_per_minor(minor: str, solcjs_installed, no_native, tmp_path: Path) -> None:
    src = tmp_path / "C.sol"
    src.write_text(CONTRACTS[minor])
    solc = providers.get_solc_for(CONTRACTS[minor], file=src, allow_install=False)
    assert str(solc.version).startswith(minor + ".")
    result = compile_group(solc, [src], tmp_path)
    assert result.errors == [] and result.compiled == [src]
    assert result.output["sources"]["C.sol"]["ast"]["nodeType"] == "SourceUnit"
    assert "C" in result.output["contracts"]["C.sol"]


def test_installed_versions_and_listing(solcjs_installed) -> None:
    installed = providers.installed_versions()
    assert set(PINNED.values()) <= set(installed)
    listing = dict(providers.list_versions())
    assert listing[V("0.4.24")].startswith("installed")
    assert any(state == "available" for state in listing.values())


def test_shim_speaks_solc_cli_for_crytic_compile(solcjs_installed, tmp_path: Path) -> None:
    exe = solcjs.executable(V("0.4.24"))
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout
    assert "Version: 0.4.24+commit" in out
    (tmp_path / "A.sol").write_text('pragma solidity ^0.4.24;\nimport "./B.sol";\ncontract A is B {}\n')
    (tmp_path / "B.sol").write_text("pragma solidity ^0.4.24;\ncontract B {}\n")
    request = {
        "language": "Solidity",
        "sources": {"A.sol": {"urls": ["A.sol"]}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    proc = subprocess.run(
        [str(exe), "--standard-json", "--allow-paths", str(tmp_path), "--some-new-flag"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    output = json.loads(proc.stdout)
    assert set(output["contracts"]) == {"A.sol", "B.sol"}
    # the read callback refuses files outside the allowed paths
    request["sources"] = {"A.sol": {"urls": ["/etc/hostname"]}}
    proc = subprocess.run(
        [str(exe), "--standard-json"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert "outside of allowed" in json.loads(proc.stdout)["errors"][0]["message"]


def test_broken_package_falls_back_to_older_version(
    solcjs_installed, no_native, tmp_path, monkeypatch
) -> None:
    user_modules = cache_dir() / "node_modules"
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path))
    modules = tmp_path / "solc" / "node_modules"
    modules.mkdir(parents=True)
    (modules / "solc").symlink_to(user_modules / "solc")  # wrapper.js of the newest package
    (modules / "solc-0.4.24").symlink_to(user_modules / "solc-0.4.24")
    fake = modules / "solc-0.4.25"  # what npm's broken releases look like: an HTML page
    fake.mkdir()
    (fake / "package.json").write_text('{"name": "solc", "version": "0.4.25"}')
    (fake / "soljson.js").write_text("<!DOCTYPE html><html><body>Not Found</body></html>\n")
    skipped: list[tuple[V, str]] = []
    solc = providers.get_solc_for(
        "pragma solidity ^0.4.24;", allow_install=False, on_skip=lambda v, why: skipped.append((v, why))
    )
    assert solc.version == V("0.4.24")
    assert [v for v, _ in skipped] == [V("0.4.25")]
    assert "solc 0.4.25 (solc-js) does not load" in skipped[0][1]
    verdicts = json.loads((tmp_path / "solc" / "verdicts.json").read_text())
    assert verdicts["0.4.25"]["ok"] is False and verdicts["0.4.24"]["ok"] is True
    assert V("0.4.25") not in providers.installed_versions()  # the verdict is remembered
    with pytest.raises(SolcUnavailable, match="0.4.25"):
        providers.get_solc(V("0.4.25"), allow_install=False)


def test_group_with_syntax_error_still_compiles_the_good_file(solcjs_installed, no_native, tmp_path) -> None:
    good, bad = tmp_path / "Good.sol", tmp_path / "Bad.sol"
    good.write_text(
        "pragma solidity ^0.4.24;\ncontract Good { function f() public pure returns (uint) { return 1; } }\n"
    )
    bad.write_text("pragma solidity ^0.4.24;\ncontract Bad {\n  function f() public { uint x = ; }\n}\n")
    solc = providers.get_solc(V("0.4.24"), allow_install=False)
    result = compile_group(solc, [bad, good], tmp_path)
    assert result.compiled == [good] and result.failed == [bad]
    [err] = result.errors
    assert (err.file, err.line) == (bad.resolve(), 3) and "Expected primary expression" in err.message
    assert "Good.sol" in result.output["sources"] and "Bad.sol" not in result.output["sources"]


def test_type_error_in_one_file_does_not_hide_the_other(solcjs_installed, no_native, tmp_path) -> None:
    a, b = tmp_path / "A.sol", tmp_path / "B.sol"
    a.write_text("pragma solidity ^0.8.0;\ncontract A {\n  function f() public { undefinedThing(); }\n}\n")
    b.write_text("pragma solidity ^0.8.0;\ncontract B {}\n")
    result = compile_group(providers.get_solc(V("0.8.37"), allow_install=False), [a, b], tmp_path)
    assert result.compiled == [b] and result.failed == [a]
    assert [(e.line, e.column) for e in result.errors_for(a)] == [(3, 25)]


def padded_files(folder: Path, count: int = 4) -> list[Path]:
    """`count` small contracts, each behind half a megabyte of comments: together a standard-JSON
    input over the megabyte or so solc-js copies onto its stack."""
    pad = "".join(f"// padding line {i:06d}, so that solc-js gets a large standard-JSON input\n" for i in range(7000))
    files = []
    for i in range(count):
        files.append(folder / f"C{i}.sol")
        files[-1].write_text(f"pragma solidity ^0.5.0;\n{pad}contract C{i} {{ function f() public pure returns (uint) "
                             f"{{ return {i}; }} }}\n")
    return files


def test_a_group_too_large_for_solcjs_is_compiled_in_parts(solcjs_installed, no_native, tmp_path) -> None:
    files = padded_files(tmp_path)
    solc = providers.get_solc(V("0.5.17"), allow_install=False)
    with pytest.raises(GroupFailed, match="4 files together"):  # solc-js itself: "JSONError: Error parsing input"
        compile_group(solc, files, tmp_path)
    results = compile_in_parts(solc, files, tmp_path)
    assert len(results) == 2 and not any(r.errors for r in results)
    assert sorted(f for r in results for f in r.compiled) == sorted(files)
    planned, problems = compile_files(files, tmp_path, allow_install=False)  # plans, then compiles in parts
    assert not problems and sorted(f for r in planned for f in r.compiled) == sorted(files)


def test_missing_import_names_the_import(solcjs_installed, no_native, tmp_path) -> None:
    (tmp_path / "src").mkdir()
    m, ok = tmp_path / "src" / "M.sol", tmp_path / "src" / "Ok.sol"
    m.write_text('pragma solidity ^0.8.0;\n\nimport "./Nope.sol";\ncontract M {}\n')
    ok.write_text("pragma solidity ^0.8.0;\ncontract Ok {}\n")
    result = compile_group(providers.get_solc(V("0.8.37"), allow_install=False), [m, ok], tmp_path)
    assert result.failed == [m] and result.compiled == [ok]
    [err] = result.errors
    assert err.file == m.resolve() and err.line == 3 and '"./Nope.sol"' in err.message


def test_remapping_and_node_modules_imports(solcjs_installed, no_native, tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "lib" / "solmate").mkdir(parents=True)
    (tmp_path / "node_modules" / "@oz" / "access").mkdir(parents=True)
    (tmp_path / "lib" / "solmate" / "Token.sol").write_text("pragma solidity >=0.8.0;\ncontract Token {}\n")
    (tmp_path / "node_modules" / "@oz" / "access" / "Ownable.sol").write_text(
        'pragma solidity >=0.6.0;\nimport "./Base.sol";\ncontract Ownable is Base {}\n'
    )
    (tmp_path / "node_modules" / "@oz" / "access" / "Base.sol").write_text(
        "pragma solidity >=0.6.0;\ncontract Base {}\n"
    )
    main = tmp_path / "src" / "Main.sol"
    main.write_text(
        'pragma solidity ^0.8.0;\nimport "solmate/Token.sol";\nimport "@oz/access/Ownable.sol";\n'
        "contract Main is Token, Ownable {}\n"
    )
    results, problems = compile_files([main], tmp_path, ["solmate/=lib/solmate/"], allow_install=False)
    assert problems == []
    [result] = results
    assert result.errors == [] and result.compiled == [main]
    assert str(result.solc_version).startswith("0.8.")
    assert set(result.output["sources"]) == {
        "src/Main.sol",
        "lib/solmate/Token.sol",
        "@oz/access/Ownable.sol",
        "@oz/access/Base.sol",
    }
    assert result.input["settings"]["remappings"] == ["solmate/=lib/solmate/"]


def test_compile_files_groups_by_version(solcjs_installed, no_native, tmp_path) -> None:
    old, new = tmp_path / "Old.sol", tmp_path / "New.sol"
    old.write_text(CONTRACTS["0.4"])
    new.write_text(CONTRACTS["0.8"])
    results, problems = compile_files([old, new], tmp_path, allow_install=False)
    assert problems == []
    assert {str(r.solc_version)[:3]: r.compiled for r in results} == {"0.4": [old], "0.8": [new]}


def test_open_pragma_library_compiles_with_its_importers_version(solcjs_installed, no_native, tmp_path) -> None:
    # Legal in 0.7, a TypeError from 0.8: the library must not be compiled alone with the newest 0.8.
    lib = tmp_path / "Bits.sol"
    lib.write_text("pragma solidity >=0.5.0;\nlibrary Bits {\n    function low(int24 t) internal pure "
                   "returns (uint8) { return uint8(t); }\n}\n")
    pinned = tmp_path / "Pool.sol"
    pinned.write_text(f'pragma solidity ={PINNED["0.7"]};\nimport "./Bits.sol";\ncontract Pool {{\n'
                      "    function f(int24 t) external pure returns (uint8) { return Bits.low(t); }\n}\n")
    modern = tmp_path / "Modern.sol"
    modern.write_text(CONTRACTS["0.8"])
    results, problems = compile_files([lib, pinned, modern], tmp_path, allow_install=False)
    assert problems == []
    by_minor = {str(r.solc_version)[:3]: sorted(p.name for p in r.compiled) for r in results}
    assert by_minor == {"0.7": ["Bits.sol", "Pool.sol"], "0.8": ["Modern.sol"]}
    assert all(not r.errors for r in results)


def test_older_alternatives_pick_one_version_per_older_series(tmp_path) -> None:
    from swclint.solc.compile import older_alternatives

    lib = tmp_path / "Lib.sol"
    lib.write_text("pragma solidity >=0.6.2 <0.9.0;\nlibrary L {}\n")
    pool = [V(v) for v in ("0.5.17", "0.6.1", "0.6.12", "0.7.5", "0.7.6", "0.8.20", "0.8.37")]
    got = older_alternatives(lib, tmp_path, [], V("0.8.37"), candidates=pool, installed=[V("0.7.5")])
    assert got == [V("0.7.5"), V("0.6.12")]  # installed preferred within a series; 0.6.1 and 0.5 excluded
    assert older_alternatives(lib, tmp_path, [], V("0.6.12"), candidates=pool, installed=[]) == []
