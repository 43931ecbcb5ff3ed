"""Unit tests: pragma parsing, resolution, release list fallback, import helpers."""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version as V

from swclint.solc import versions
from swclint.solc.errors import InvalidPragma, UnsatisfiablePragma
from swclint.solc.imports import absolute_import, apply_remappings, parse_remapping
from swclint.solc.source import imports, solidity_pragmas
from swclint.solc.versions import parse_constraint, pragma_constraint, resolve

RELEASES = (
    [V(f"0.4.{p}") for p in range(11, 27) if p != 12]
    + [V(f"0.5.{p}") for p in range(18)]
    + [V(f"0.6.{p}") for p in range(13)]
    + [V(f"0.7.{p}") for p in range(7)]
    + [V(f"0.8.{p}") for p in range(31)]
)


@pytest.mark.parametrize(
    ("expr", "yes", "no"),
    [
        ("^0.4.24", ["0.4.24", "0.4.26"], ["0.4.23", "0.5.0"]),
        ("^0.8.0", ["0.8.0", "0.8.30"], ["0.7.6", "0.9.0"]),
        ("^0.4", ["0.4.0", "0.4.26"], ["0.5.0"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("^1.2", ["1.2.0", "1.9.9"], ["2.0.0", "1.1.9"]),
        ("~0.4.24", ["0.4.24", "0.4.26"], ["0.5.0", "0.4.23"]),
        ("~0.5", ["0.5.0", "0.5.17"], ["0.6.0"]),
        (">=0.4.22 <0.6.0", ["0.4.22", "0.5.17"], ["0.4.21", "0.6.0"]),
        (">= 0.4.22 < 0.6.0", ["0.4.22", "0.5.17"], ["0.4.21", "0.6.0"]),
        (">0.4.24", ["0.4.25"], ["0.4.24"]),
        ("<=0.5.0", ["0.5.0"], ["0.5.1"]),
        (">0.4", ["0.5.0"], ["0.4.26"]),
        ("<=0.4", ["0.4.26"], ["0.5.0"]),
        ("<0.5", ["0.4.26"], ["0.5.0"]),
        ("=0.4.24", ["0.4.24"], ["0.4.25"]),
        ("0.4.24", ["0.4.24"], ["0.4.25", "0.4.23"]),
        ("0.4", ["0.4.11", "0.4.26"], ["0.5.0", "0.3.6"]),
        ("0.5.x", ["0.5.3"], ["0.6.0"]),
        ("*", ["0.4.11", "0.8.30"], []),
        ("^0.5.0 || ^0.8.0", ["0.5.3", "0.8.1"], ["0.6.0", "0.7.6"]),
        (">=0.4.22 <0.5.0 || >=0.6.2 <0.7.0", ["0.4.22", "0.6.2"], ["0.5.0", "0.6.1", "0.7.0"]),
        ("0.4.22 - 0.5.1", ["0.4.22", "0.5.1"], ["0.5.2", "0.4.21"]),
        ("0.4 - 0.5", ["0.4.0", "0.5.17"], ["0.6.0"]),
    ],
)
def test_constraint_allows(expr: str, yes: list[str], no: list[str]) -> None:
    c = parse_constraint(expr)
    assert all(c.allows(V(v)) for v in yes), expr
    assert not any(c.allows(V(v)) for v in no), expr


@pytest.mark.parametrize("expr", ["", ">=", "^^0.4.0", "banana", "0.4.0 ||", ">= <0.5.0", "0.4.0.1"])
def test_invalid_pragma_is_a_clear_error(expr: str) -> None:
    with pytest.raises(InvalidPragma, match="invalid pragma solidity"):
        parse_constraint(expr)


def test_invalid_pragma_in_source_names_file_and_line() -> None:
    with pytest.raises(InvalidPragma, match=r"^a\.sol: invalid pragma solidity 'x\.y': line 2:"):
        pragma_constraint("// x\npragma solidity x.y;\n", "a.sol")


def test_pragmas_in_comments_and_strings_are_ignored() -> None:
    src = (
        "// pragma solidity ^0.4.0;\n"
        "/* pragma solidity 0.5.0;\n   pragma solidity 0.6.0; */\n"
        "pragma solidity ^0.8.0; // pragma solidity 0.7.0;\n"
        'contract A { string s = "pragma solidity 0.4.11;"; }\n'
    )
    assert solidity_pragmas(src) == [(4, "^0.8.0")]
    assert resolve(src, RELEASES) == V("0.8.30")


def test_multiple_pragmas_must_all_hold() -> None:
    src = "pragma solidity >=0.4.22;\npragma experimental ABIEncoderV2;\npragma solidity <0.6.0;\n"
    assert resolve(src, RELEASES) == V("0.5.17")


def test_missing_pragma_resolves_to_newest() -> None:
    assert resolve("contract A {}", RELEASES) == V("0.8.30")


def test_installed_version_is_preferred_when_it_fits() -> None:
    src = "pragma solidity ^0.4.24;"
    assert resolve(src, RELEASES) == V("0.4.26")
    assert resolve(src, RELEASES, prefer=[V("0.4.24"), V("0.8.30")]) == V("0.4.24")
    assert resolve(src, RELEASES, prefer=[V("0.8.30")]) == V("0.4.26")


def test_unsatisfiable_pragma_names_file_and_pragma() -> None:
    with pytest.raises(UnsatisfiablePragma, match=r"^c\.sol: .*'\^0\.3\.0'"):
        resolve("pragma solidity ^0.3.0;", RELEASES, file="c.sol")
    with pytest.raises(UnsatisfiablePragma):
        resolve("pragma solidity ^0.5.0;\npragma solidity ^0.8.0;", RELEASES)


def test_no_candidates_gives_none() -> None:
    assert resolve("pragma solidity ^0.8.0;", []) is None


_versions = st.builds(lambda a, b: V(f"0.{a}.{b}"), st.integers(4, 9), st.integers(0, 30))
_ops = st.sampled_from(["", "=", "^", "~", ">=", ">", "<=", "<"])


@st.composite
def _pragmas(draw: st.DrawFn) -> str:
    alts = []
    for _ in range(draw(st.integers(1, 3))):
        parts = [f"{draw(_ops)}{draw(_versions)}" for _ in range(draw(st.integers(1, 2)))]
        alts.append(" ".join(parts))
    return " || ".join(alts)


@given(_pragmas(), st.lists(_versions, min_size=1, max_size=12), st.lists(_versions, max_size=4))
def test_resolve_always_satisfies_constraint(expr: str, candidates: list[V], prefer: list[V]) -> None:
    constraint = parse_constraint(expr)
    src = f"// SPDX\npragma solidity {expr};\ncontract A {{}}\n"
    try:
        chosen = resolve(src, candidates, prefer)
    except UnsatisfiablePragma:
        assert not any(constraint.allows(v) for v in [*candidates, *prefer])
        return
    assert chosen is not None and constraint.allows(chosen)
    fitting_preferred = [v for v in prefer if constraint.allows(v)]
    if fitting_preferred:
        assert chosen == max(fitting_preferred)
    else:
        assert chosen == max(v for v in candidates if constraint.allows(v))


# --- known releases ---------------------------------------------------------------------------


def test_shipped_release_list_is_complete_and_stable() -> None:
    shipped = versions.shipped_releases()
    assert shipped[0] == V("0.4.11")
    assert V("0.4.24") in shipped and V("0.8.0") in shipped
    assert all(not v.is_prerelease for v in shipped)
    assert shipped == sorted(shipped)


def test_known_releases_offline_falls_back_to_shipped(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(versions, "_npm_versions", lambda timeout: None)
    assert versions.known_releases() == versions.shipped_releases()


def test_known_releases_uses_fresh_cache_and_refreshes_stale(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path))
    calls = []

    def fake_npm(timeout: float) -> list[str]:
        calls.append(1)
        return ["0.4.0", "0.4.11", "0.4.26", "0.5.0-nightly.2018.1.1", "0.9.1"]

    monkeypatch.setattr(versions, "_npm_versions", fake_npm)
    assert versions.known_releases() == [V("0.4.11"), V("0.4.26"), V("0.9.1")]
    assert versions.known_releases() == [V("0.4.11"), V("0.4.26"), V("0.9.1")]
    assert len(calls) == 1  # second call served from the cache
    cache = tmp_path / "solc" / "releases.json"
    old = time.time() - 2 * versions.RELEASES_TTL_S
    os.utime(cache, (old, old))
    monkeypatch.setattr(versions, "_npm_versions", lambda timeout: None)
    # stale cache and npm offline: still the cached list, not the shipped one
    assert versions.known_releases() == [V("0.4.11"), V("0.4.26"), V("0.9.1")]
    assert json.loads(cache.read_text())[-1] == "0.9.1"


# --- import helpers ---------------------------------------------------------------------------


def test_imports_are_found_with_lines_and_comments_skipped() -> None:
    src = (
        'import "./a.sol";\n'
        '// import "./nope.sol";\n'
        "import {X, Y as Z} from '../b.sol';\n"
        'import * as M from "@oz/c.sol";\n'
        "contract A { string s = \"import 'q.sol';\"; }\n"
        'import "d.sol" as D;\n'
    )
    assert [tuple(d) for d in imports(src)] == [
        (1, "./a.sol"),
        (3, "../b.sol"),
        (4, "@oz/c.sol"),
        (6, "d.sol"),
    ]


def test_relative_imports_and_remappings_follow_solc() -> None:
    assert absolute_import("./b.sol", "src/a.sol") == "src/b.sol"
    assert absolute_import("../lib/b.sol", "src/x/a.sol") == "src/lib/b.sol"
    assert absolute_import("lib/b.sol", "src/a.sol") == "lib/b.sol"
    remaps = [
        parse_remapping("@oz/=lib/oz/"),
        parse_remapping("@oz/token/=lib/tok/"),
        parse_remapping("src/legacy:@oz/=lib/oz-old/"),
    ]
    assert apply_remappings("@oz/a.sol", "src/a.sol", remaps) == "lib/oz/a.sol"
    assert apply_remappings("@oz/token/t.sol", "src/a.sol", remaps) == "lib/tok/t.sol"
    assert apply_remappings("@oz/a.sol", "src/legacy/a.sol", remaps) == "lib/oz-old/a.sol"
    assert apply_remappings("other/a.sol", "src/a.sol", remaps) == "other/a.sol"


def test_bad_remapping_is_a_clear_error() -> None:
    from swclint.solc.errors import SolcError

    with pytest.raises(SolcError, match="invalid remapping 'nonsense'"):
        parse_remapping("nonsense")


@pytest.mark.parametrize(
    ("expr", "yes", "no"),
    [
        ("v0.4.24", ["0.4.24"], ["0.4.25"]),
        (">=v0.4.22 <v0.5", ["0.4.22", "0.4.26"], ["0.5.0"]),
        (">=0.4.0<0.6.0", ["0.5.17"], ["0.6.0"]),
        ("<*", [], ["0.4.11", "0.8.30"]),
        (">= *", ["0.4.11", "0.8.30"], []),
        ("0.5.X", ["0.5.0", "0.5.17"], ["0.6.0"]),
    ],
)
def test_solc_spellings_npmspec_alone_would_reject(expr: str, yes: list[str], no: list[str]) -> None:
    """Ranges are NpmSpec's; solc's extra spellings are normalised to npm's before it sees them."""
    from semantic_version import NpmSpec

    c = parse_constraint(expr)
    assert c.specs and all(isinstance(s, NpmSpec) for s in c.specs)
    assert all(c.allows(V(v)) for v in yes), expr
    assert not any(c.allows(V(v)) for v in no), expr


def test_an_import_whose_pragma_clashes_is_named(tmp_path) -> None:
    from swclint.solc.compile import plan

    (tmp_path / "Lib.sol").write_text("pragma solidity ^0.6.0;\nlibrary Lib {}\n")
    (tmp_path / "Mid.sol").write_text('pragma solidity ^0.5.0;\nimport "./Lib.sol";\ncontract Mid {}\n')
    (tmp_path / "App.sol").write_text('pragma solidity ^0.5.0;\nimport "./Mid.sol";\ncontract App {}\n')
    (tmp_path / "Old.sol").write_text("pragma solidity ^0.1.0;\ncontract Old {}\n")
    releases = [V("0.5.17"), V("0.6.12")]
    groups, problems = plan([tmp_path / "App.sol", tmp_path / "Old.sol"], tmp_path,
                            candidates=releases, installed=[])
    assert groups == {}
    assert [p.message for p in problems] == [
        f"{tmp_path / 'App.sol'}: no known solc release satisfies both its pragma solidity '^0.5.0' "
        "and '^0.6.0' of imported 'Lib.sol'",
        f"{tmp_path / 'Old.sol'}: no known solc release satisfies pragma solidity '^0.1.0'"]


def test_a_package_resolves_a_dependency_to_its_own_nested_copy(tmp_path) -> None:
    from swclint.solc.imports import load_tree

    top, nested = tmp_path / "node_modules" / "dep", tmp_path / "node_modules" / "pkg" / "node_modules" / "dep"
    for folder in (top, nested, tmp_path / "src"):
        folder.mkdir(parents=True, exist_ok=True)
    (top / "D.sol").write_text("contract D2 {}\n")
    (nested / "D.sol").write_text('import "./E.sol";\ncontract D1 {}\n')
    (nested / "E.sol").write_text("contract E1 {}\n")
    (tmp_path / "node_modules" / "pkg" / "P.sol").write_text('import "dep/D.sol";\ncontract P {}\n')
    (tmp_path / "src" / "A.sol").write_text('import "dep/D.sol";\nimport "pkg/P.sol";\ncontract A {}\n')
    tree = load_tree([tmp_path / "src" / "A.sol"], tmp_path, [])
    assert tree.files["dep/D.sol"] == (top / "D.sol").resolve()
    assert tree.deps["pkg/P.sol"] == ["node_modules/pkg/node_modules/dep/D.sol"]
    assert tree.deps["node_modules/pkg/node_modules/dep/D.sol"] == ["node_modules/pkg/node_modules/dep/E.sol"]
    assert [str(r) for r in tree.aliases] == ["pkg/P.sol:dep/D.sol=node_modules/pkg/node_modules/dep/D.sol"]
    assert not tree.missing
    # alone, the package still reads its own copy, under a name Slither maps back to that file
    alone = load_tree([tmp_path / "node_modules" / "pkg" / "P.sol"], tmp_path, [])
    assert alone.deps["node_modules/pkg/P.sol"] == ["node_modules/pkg/node_modules/dep/D.sol"]
