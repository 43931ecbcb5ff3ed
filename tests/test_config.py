"""[tool.swclint] / .swclint.toml are read, validated, and overridden by the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import EXAMPLES, run_json

from swclint.cli import build_options
from swclint.config import ConfigError
from swclint.discover import discover, load_remappings


def test_pyproject_table_and_cli_override(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.swclint]\nfail-on = "high"\ndisable = ["SWC-102"]\nexclude = ["test/**"]\n')
    opts = build_options(None, tmp_path, {"fail_on": "medium", "disable": ()})
    assert opts.fail_on == "medium"  # CLI wins
    assert opts.disable == ["SWC-102"] and opts.exclude == ["test/**"]  # config fills the rest


def test_unknown_key_names_file(tmp_path: Path):
    (tmp_path / ".swclint.toml").write_text("fail_on = 'low'\ncolour = true\n")
    with pytest.raises(ConfigError, match=r"\.swclint\.toml.*colour"):
        build_options(None, tmp_path, {})


def test_default_excludes_and_globs(tmp_path: Path):
    for rel in ["src/A.sol", "node_modules/x/B.sol", "lib/forge-std/C.sol", "out/D.sol", "test/E.sol"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("contract X {}")
    found = discover([str(tmp_path)], tmp_path, exclude=["test/*"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == ["src/A.sol"]
    everything = discover([str(tmp_path)], tmp_path, default_excludes=False)
    assert len(everything.files) == 5
    explicit = discover([str(tmp_path / "node_modules/x/B.sol")], tmp_path)
    assert len(explicit.files) == 1  # a file named on the command line is never excluded


def test_a_named_folder_inside_an_excluded_one_is_analysed(tmp_path: Path):
    for rel in ["node_modules/pkg/contracts/A.sol", "node_modules/pkg/contracts/node_modules/dep/B.sol",
                "node_modules/pkg/contracts/mocks/M.sol", "lib/x/src/C.sol"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("contract X {}")
    named = discover([str(tmp_path / "node_modules/pkg/contracts")], tmp_path, exclude=["*/mocks"])
    # excludes still apply below the named folder, by name and by pattern
    assert [p.relative_to(tmp_path).as_posix() for p in named.files] == ["node_modules/pkg/contracts/A.sol"]
    assert not named.errors
    assert [p.name for p in discover([str(tmp_path / "lib/x")], tmp_path).files] == ["C.sol"]
    # the parent scan still skips both, and says why a folder that held only excluded code gave nothing
    only_excluded = tmp_path / "vendored"
    (only_excluded / "node_modules/y").mkdir(parents=True)
    (only_excluded / "node_modules/y/D.sol").write_text("contract D {}")
    assert discover([str(tmp_path)], tmp_path).files == []
    err = discover([str(only_excluded)], tmp_path).errors
    assert len(err) == 1 and "outside excluded paths" in err[0].message


def test_foundry_and_txt_remappings(tmp_path: Path):
    (tmp_path / "remappings.txt").write_text("@a/=lib/a/src/\n# comment\n")
    (tmp_path / "foundry.toml").write_text('[profile.default]\nremappings = ["@b/=lib/b/"]\n')
    got = load_remappings(tmp_path, ["@c/=vendor/c/"])
    assert got == [f"@a/={tmp_path}/lib/a/src/", f"@b/={tmp_path}/lib/b/", f"@c/={tmp_path}/vendor/c/"]


@pytest.mark.e2e
def test_config_disables_rule_in_real_run(tmp_path: Path):
    src = (EXAMPLES / "contracts" / "SWC-107" / "Vault_0_4.sol").read_text()
    (tmp_path / "Vault.sol").write_text(src)
    (tmp_path / ".swclint.toml").write_text('disable = ["SWC-107"]\n')
    report, _ = run_json("Vault.sol", cwd=tmp_path)
    assert report["summary"]["files"] == 1
    assert not [f for f in report["findings"] if f["swc_id"] == "SWC-107"]


# --- validation: one line naming the file, the key and what is allowed; exit 2, no traceback ------

BAD_VALUES = [
    ('fail-on = "hihg"', ["fail-on", "hihg", "info, low, medium, high, none", 'did you mean "high"']),
    ('jobs = "four"', ["jobs", "four", "expected an integer"]),
    ("jobs = -1", ["jobs", "at least 0"]),
    ("jobs = true", ["jobs", "expected an integer"]),
    ("llm-threshold = 1.5", ["llm-threshold", "between 0 and 1"]),
    ('llm-threshold = "high"', ["llm-threshold", "expected a number"]),
    ('llm-scope = "every"', ["llm-scope", "candidates, all"]),
    ('backend = "opneai"', ["backend", 'did you mean "openai"']),
    ("timeout = 0", ["timeout", "greater than 0"]),
    ('llm = "yes"', ["llm", "true or false"]),
    ("exclude = 3", ["exclude", "list of strings"]),
    ('exclude = ["a", 1]', ["exclude", "list of strings"]),
    ('disable = ["SWC-1O7"]', ["disable", "SWC-1O7", "rule id"]),
    ('solc-version = "0.8"', ["solc-version", "0.8.26"]),
    ('remappings = ["@oz"]', ["remappings", "prefix=target"]),
    ("llm_treshold = 0.5", ["llm_treshold", "did you mean 'llm-threshold'"]),
    ("colour = true", ["colour", "known keys:", "fail-on"]),
    ('format = "sarif"', ["format", "command line", "--format"]),
]


@pytest.mark.parametrize(("line", "expected"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_bad_config_value_is_one_line_exit_2(tmp_path: Path, line: str, expected: list[str]):
    from click.testing import CliRunner

    from swclint.cli import main

    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.swclint]\n{line}\n")
    (tmp_path / "A.sol").write_text("pragma solidity 0.8.26;\ncontract A {}\n")
    result = CliRunner().invoke(main, [str(tmp_path / "A.sol"), "--no-llm"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"swclint: error: {tmp_path / 'pyproject.toml'}: [tool.swclint] ")
    for part in expected:
        assert part in lines[0]


def test_good_values_are_converted(tmp_path: Path):
    (tmp_path / ".swclint.toml").write_text('llm-threshold = 1\njobs = 2\ndisable = "SWC-103"\n'
                                            'fail_on = "none"\nsolc-version = "0.8.26"\n')
    opts = build_options(None, tmp_path, {})
    assert opts.llm_threshold == 1.0 and isinstance(opts.llm_threshold, float)
    assert opts.jobs == 2 and opts.disable == ["SWC-103"] and opts.fail_on == "none"


def test_command_line_values_are_checked_too(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"^command line: --jobs -2: must be at least 0$"):
        build_options(None, tmp_path, {"jobs": -2})


@pytest.mark.e2e
def test_bad_config_through_the_console_script(tmp_path: Path):
    """The installed `swclint` script: exit 2 (not 1, the findings code), one line, no traceback."""
    from cli_helpers import run_cli

    (tmp_path / ".swclint.toml").write_text('fail-on = "hihg"\njobs = "four"\n')
    (tmp_path / "A.sol").write_text("pragma solidity 0.8.26;\ncontract A {}\n")
    proc = run_cli("A.sol", "--no-llm", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert ".swclint.toml: fail-on = \"hihg\"" in line and "did you mean" in line
