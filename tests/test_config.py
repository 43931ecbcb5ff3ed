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
