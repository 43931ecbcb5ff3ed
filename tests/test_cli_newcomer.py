"""What a new user meets first: `--help`, a mistyped subcommand, `swclint rules`, the progress bar."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from cli_helpers import EXAMPLES, run_cli
from click.testing import CliRunner

from swclint.cli import main


def _invoke(*args: str, cwd: Path | None = None):
    if cwd is None:
        return CliRunner().invoke(main, list(args), prog_name="swclint")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        return CliRunner().invoke(main, list(args), prog_name="swclint")


def test_help_shows_scan_usage_and_its_options():
    result = _invoke("--help")
    assert result.exit_code == 0
    out = result.output
    assert "Usage: swclint [OPTIONS] [PATHS]..." in out and "scan (the default command)" in out
    assert "Usage: swclint COMMAND [ARGS]..." in out
    for option in ("--format", "--fail-on", "--exclude", "--no-llm", "--solc-version", "--baseline",
                   "--jobs", "--config", "--version"):
        assert option in out, option
    assert "Commands:" in out and "rules" in out and "solc" in out and "baseline" in out
    assert result.output == _invoke("-h").output


def test_scan_help_still_works():
    result = _invoke("scan", "--help")
    assert result.exit_code == 0 and "Usage: swclint scan [OPTIONS] [PATHS]..." in result.output


@pytest.mark.parametrize(("typo", "meant"), [("rule", "rules"), ("sovl", "solc"), ("baseln", "baseline"),
                                             ("Rules", "rules"), ("scna", "scan")])
def test_mistyped_subcommand_gets_a_suggestion(tmp_path: Path, typo: str, meant: str):
    result = _invoke(typo, "SWC-107", cwd=tmp_path)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line == f"swclint: error: '{typo}' is neither a file nor a command; did you mean `swclint {meant}`?"


def test_existing_path_close_to_a_command_is_scanned(tmp_path: Path):
    """A folder named like a command (`rule/`) is a path, not a typo."""
    (tmp_path / "rule").mkdir()
    result = _invoke("rule", "--no-llm", "--format", "json", cwd=tmp_path)
    assert "did you mean" not in result.stderr
    assert result.exit_code == 2  # an empty folder: nothing analysed
    assert "no .sol files" in result.output + result.stderr or '"files": 0' in result.output


def test_unrelated_missing_path_is_reported_as_a_path(tmp_path: Path):
    result = _invoke("contracts", "--no-llm", cwd=tmp_path)
    assert "did you mean" not in result.stderr
    assert result.exit_code == 2 and "contracts" in result.output + result.stderr


def test_rules_coverage_column():
    result = _invoke("rules")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["SWC", "SEVERITY", "TITLE"] and lines[0].endswith("DETECTED BY")
    rows = {line.split()[0]: line for line in lines[1:] if line.startswith("SWC-")}
    assert len(rows) == 37
    # our detector, Slither's checks and the model, each where the catalog and the label set say so
    assert "swclint: swclint-arithmetic" in rows["SWC-101"] and rows["SWC-101"].endswith("model")
    assert "slither: reentrancy-eth" in rows["SWC-107"] and "model" in rows["SWC-107"]
    assert "slither: tx-origin" in rows["SWC-115"] and "model" not in rows["SWC-115"]
    assert rows["SWC-136"].rstrip().endswith("-")
    footer = lines[-1]
    undetected = [swc for swc, row in rows.items() if row.rstrip().endswith(" -")]
    assert undetected and footer.endswith(", ".join(undetected) + ".")
    assert footer.startswith(f"{37 - len(undetected)} of 37 classes are detected here")


def test_rules_coverage_ignores_checks_this_slither_lacks(monkeypatch):
    from swclint import cli

    text = cli._coverage(("slither:no-such-check", "slither:tx-origin", "swclint:nope"), "SWC-115")
    assert text == "slither: tx-origin"
    assert cli._coverage(("slither:no-such-check",), "SWC-999") == ""


def test_progress_printer_labels_files_and_functions():
    from rich.console import Console

    from swclint.cli import _progress_printer

    out = io.StringIO()
    bar, update = _progress_printer(Console(file=out, force_terminal=False, width=100))
    with bar:
        update("compile+analyze", 3, 7)
        update("model", 10, 12)
    text = out.getvalue()
    assert "3/7 files" in text and "10/12 functions" in text


@pytest.mark.e2e
def test_pipeline_progress_counts_files(tmp_path: Path):
    """Three files, two compiler versions: progress totals 3 files, not 2 groups."""
    from swclint.config import Options
    from swclint.pipeline import run

    for name in ("Vault_0_4.sol", "Vault_0_4_fixed.sol", "Vault_0_8.sol"):
        shutil.copy(EXAMPLES / "contracts" / "SWC-107" / name, tmp_path / name)
    calls: list[tuple[str, int, int]] = []
    result = run([str(tmp_path)], Options(llm=False, jobs=1, cache=False) if "cache" in Options.__dataclass_fields__
                 else Options(llm=False, jobs=1), root=tmp_path,
                 progress=lambda stage, done, total: calls.append((stage, done, total)))
    static = [c for c in calls if c[0] == "compile+analyze"]
    assert len(result.files) == 3
    assert static[0] == ("compile+analyze", 0, 3) and static[-1] == ("compile+analyze", 3, 3)
    assert [c[1] for c in static] == sorted(c[1] for c in static)


@pytest.mark.e2e
def test_console_script_suggestion_has_no_traceback(tmp_path: Path):
    proc = run_cli("rule", "SWC-107", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "did you mean `swclint rules`?" in proc.stderr
