"""Every command line besides `swclint` (swclint-train, swclint-data, the bench scripts): click with
`-h/--help`, usage errors as one line naming the command, exit status 2."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import click
import pytest

from swclint.cliutil import run_click

REPO = Path(__file__).resolve().parent.parent
BENCH = ["clean", "scale", "mutate", "llm_gain", "llm_speed", "label_noise", "synth_twins", "train_speed",
         "compiler_bugs", "incremental", "precision", "fix_rate", "model_cost", "triage_sweep"]
TRAIN_COMMANDS = ["train", "eval", "calibrate", "sweep", "export"]


def _main(module: str):
    return importlib.import_module(module).main


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("name", BENCH)
def test_bench_script_help(name: str, flag: str, capsys) -> None:
    assert _main(f"bench.{name}")([flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: python -m bench.{name} [OPTIONS]") and "-h, --help" in out


@pytest.mark.parametrize("name", BENCH)
def test_bench_script_usage_error_is_one_line(name: str, capsys) -> None:
    assert _main(f"bench.{name}")(["--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"bench.{name}: error: No such option '--no-such-option'")
    assert f"(see `python -m bench.{name} --help`)" in err


@pytest.mark.parametrize("args", [["--help"], ["-h"], *([c, "--help"] for c in TRAIN_COMMANDS)])
def test_swclint_train_help(args: list[str], capsys) -> None:
    from trainer.cli import main

    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: swclint-train")
    if len(args) == 2:
        assert f"swclint-train {args[0]} [OPTIONS]" in out


def test_swclint_train_usage_errors(capsys) -> None:
    from trainer.cli import main

    assert main(["train", "--data", "d"]) == 2  # --out missing
    err = capsys.readouterr().err
    assert err == "swclint-train train: error: Missing option '--out'. (see `swclint-train train --help`)\n"
    assert main(["sweep", "--data", "d", "--out", "o", "--r", "4,x"]) == 2
    assert "expected comma-separated ints, got '4,x'" in capsys.readouterr().err
    assert main(["sweep", "--data", "d", "--out", "o", "--quant", "3bit"]) == 2
    assert "unknown quantization '3bit'" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["build", "--help"]])
def test_swclint_data_help(args: list[str], capsys) -> None:
    from dataset.cli import main

    assert main(args) == 0
    assert capsys.readouterr().out.startswith("Usage: swclint-data")


def test_swclint_data_usage_error(capsys) -> None:
    from dataset.cli import main

    assert main(["build", "--tokenizer", "gpt"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("swclint-data build: error: ") and "'gpt' is not one of 'auto', 'estimate'" in err
    assert "\n" not in err


@pytest.mark.parametrize(("exe", "module"), [("swclint-train", "trainer"), ("swclint-data", "dataset")])
def test_console_scripts_and_modules(exe: str, module: str) -> None:
    """The installed entry points and `python -m` both reach the click groups."""
    script = Path(sys.executable).with_name(exe)
    for cmd in ([str(script), "--help"], [sys.executable, "-m", module, "--help"]):
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith(f"Usage: {exe}"), proc.stderr
    proc = subprocess.run([str(script), "--bogus"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_run_click_reports_expected_failures_in_one_line(capsys) -> None:
    @click.command()
    def boom() -> None:
        raise ValueError("data.jsonl:3: invalid JSON\n  (details)")

    assert run_click(boom, [], "tool", errors=(ValueError,)) == 2
    assert capsys.readouterr().err == "tool: error: data.jsonl:3: invalid JSON (details)\n"
    with pytest.raises(ValueError):  # anything else is a bug and keeps its traceback
        run_click(boom, [], "tool")


def test_run_click_passes_the_exit_status_and_arguments() -> None:
    from swclint.cliutil import invoked_args

    @click.command()
    @click.option("--n", type=int)
    def status(n: int) -> int:
        assert invoked_args() == ["--n", str(n)]
        return n

    assert run_click(status, ["--n", "3"], "tool") == 3


@pytest.mark.parametrize("script", ["bench/precision_collect.py", "scripts/gpu_check.py"])
def test_scripts_run_by_path_are_click_too(script: str) -> None:
    run = [sys.executable, str(REPO / script)]
    proc = subprocess.run([*run, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: ") and "-h, --help" in proc.stdout
    proc = subprocess.run([*run, "--bogus"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "error: No such option '--bogus'" in proc.stderr
