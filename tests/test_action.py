"""The composite GitHub Action: schema, wiring, and scripts/action-run.sh run locally."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "action-run.sh"
BANK = ROOT / "tests" / "fixtures" / "report" / "Bank.sol"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

FAKE_SWCLINT = r"""#!/usr/bin/env bash
# Stand-in for swclint: records its argv (one per line) and writes a SARIF log to --output.
printf '%s\n' "$@" > "$FAKE_ARGS"
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--output" ]; then out="$2"; shift; fi
  shift
done
if [ -n "$out" ] && [ -n "${FAKE_SARIF:-}" ]; then cp "$FAKE_SARIF" "$out"; fi
exit "${FAKE_CODE:-0}"
"""


def _sarif_with(results: list[dict]) -> dict:
    return {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "swclint"}}, "results": results}]}


@pytest.fixture
def fake_env(tmp_path):
    """Workspace, fake swclint on PATH, and GitHub's environment variables."""
    bin_dir, workspace = tmp_path / "bin", tmp_path / "ws"
    bin_dir.mkdir()
    workspace.mkdir()
    fake = bin_dir / "swclint"
    fake.write_text(FAKE_SWCLINT)
    fake.chmod(0o755)
    sarif = tmp_path / "fake.sarif"
    sarif.write_text(json.dumps(_sarif_with([
        {"ruleId": "SWC-107", "message": {"text": "a."}},
        {"ruleId": "SWC-101", "message": {"text": "b."}},
        {"ruleId": "SWC-103", "message": {"text": "c."}, "suppressions": [{"kind": "external"}]},
    ])))
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "FAKE_ARGS": str(tmp_path / "args"),
        "FAKE_SARIF": str(sarif),
        "FAKE_CODE": "1",
    }
    return tmp_path, env


def _run_script(env: dict, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    env = {**env, **{f"SWCLINT_{k.upper()}": v for k, v in inputs.items()}}
    proc = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    out_file = Path(env["GITHUB_OUTPUT"])
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines()) if out_file.exists() else {}
    return proc, outputs


def _args(tmp_path: Path) -> list[str]:
    return (tmp_path / "args").read_text().splitlines()


def test_script_captures_exit_code_and_counts_unsuppressed_results(fake_env):
    tmp_path, env = fake_env
    proc, outputs = _run_script(env, target="contracts lib/x.sol", fail_on="medium",
                                sarif_file="out.sarif", extra_args="--baseline .swclint-baseline.json")
    assert proc.returncode == 0, proc.stderr  # never fail before the upload step
    assert outputs == {"sarif-file": "out.sarif", "sarif-written": "true", "findings-count": "2",
                       "exit-code": "1"}
    assert (tmp_path / "ws" / "out.sarif").exists()  # relative to GITHUB_WORKSPACE
    assert _args(tmp_path) == ["contracts", "lib/x.sol", "--format", "sarif", "--output", "out.sarif",
                               "--fail-on", "medium", "--no-llm", "--baseline", ".swclint-baseline.json"]
    assert "2 finding(s), exit code 1" in (tmp_path / "summary").read_text()


def test_script_defaults_and_llm_options(fake_env):
    tmp_path, env = fake_env
    env["FAKE_CODE"] = "0"
    proc, outputs = _run_script(env, llm="on", adapter="out/adapter", solc_version="0.8.20")
    assert proc.returncode == 0
    assert outputs["exit-code"] == "0" and outputs["sarif-file"] == "swclint.sarif"
    assert _args(tmp_path) == [".", "--format", "sarif", "--output", "swclint.sarif", "--fail-on", "high",
                               "--llm", "--adapter", "out/adapter", "--solc-version", "0.8.20"]


def test_script_without_sarif_reports_not_written(fake_env):
    tmp_path, env = fake_env
    del env["FAKE_SARIF"]
    env["FAKE_CODE"] = "2"
    (tmp_path / "ws" / "swclint.sarif").write_text("stale")  # a previous run's log must not be uploaded
    proc, outputs = _run_script(env)
    assert proc.returncode == 0
    assert outputs == {"sarif-file": "swclint.sarif", "sarif-written": "false", "findings-count": "0",
                       "exit-code": "2"}


def test_script_rejects_bad_llm_input(fake_env):
    _, env = fake_env
    proc, outputs = _run_script(env, llm="maybe")
    assert proc.returncode == 2 and "input 'llm' must be 'on' or 'off'" in proc.stdout
    assert outputs == {}


def test_inputs_are_not_evaluated_or_globbed(fake_env):
    tmp_path, env = fake_env
    (tmp_path / "ws" / "A.sol").write_text("")
    proc, _ = _run_script(env, target="$(touch pwned)", extra_args="--exclude *.sol")
    assert proc.returncode == 0
    assert not (tmp_path / "ws" / "pwned").exists()
    args = _args(tmp_path)
    assert args[0] == "$(touch" and args[-2:] == ["--exclude", "*.sol"]


# --- action.yml / workflow --------------------------------------------------------------------------

def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_inputs_outputs_and_steps():
    action = _action()
    defaults = {k: v.get("default") for k, v in action["inputs"].items()}
    assert {k: defaults[k] for k in ("target", "fail-on", "sarif-file", "upload-sarif", "llm")} == {
        "target": ".", "fail-on": "high", "sarif-file": "swclint.sarif", "upload-sarif": "true", "llm": "off"}
    assert {"adapter", "solc-version", "extra-args", "category"} <= set(action["inputs"])
    assert set(action["outputs"]) == {"sarif-file", "findings-count"}
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/setup-python@")
    cache = steps[1]
    assert cache["uses"].startswith("actions/cache@") and cache["with"]["path"] == "~/.cache/swclint"
    install = steps[2]["run"]
    assert '"${{ github.action_path }}"' in install and '"${{ github.action_path }}[llm]"' in install
    assert "download.pytorch.org/whl/cpu" in install
    run = next(s for s in steps if s.get("id") == "run")
    assert "scripts/action-run.sh" in run["run"] and "${{" not in run["run"]  # inputs only via env
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@v3"))
    assert "inputs.upload-sarif == 'true'" in upload["if"] and "always()" in upload["if"]
    assert upload["with"] == {"sarif_file": "${{ steps.run.outputs.sarif-file }}",
                              "category": "${{ inputs.category }}"}
    last = steps[-1]
    assert steps.index(last) > steps.index(upload)
    assert last["env"]["SWCLINT_EXIT"] == "${{ steps.run.outputs.exit-code }}" and "exit" in last["run"]


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-actions", "action.yml"),
                                              ("vendor.github-workflows", "docs/github-workflow.yml")])
def test_schema_validation(schema, path):
    exe = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema not installed (pip install swclint[dev])")
    proc = subprocess.run([exe, "--builtin-schema", schema, str(ROOT / path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_validation_can_fail(tmp_path):
    exe = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema not installed (pip install swclint[dev])")
    broken = _action()
    broken["runs"]["steps"][0]["shell"] = 42
    bad = tmp_path / "action.yml"
    bad.write_text(yaml.safe_dump(broken))
    proc = subprocess.run([exe, "--builtin-schema", "vendor.github-actions", str(bad)], capture_output=True)
    assert proc.returncode != 0


def test_documented_workflow_uses_the_action_with_upload_permissions():
    wf = yaml.safe_load((ROOT / "docs" / "github-workflow.yml").read_text())
    assert wf["permissions"]["security-events"] == "write"
    steps = wf["jobs"]["swclint"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    action_step = next(s for s in steps if s.get("id") == "swclint")
    assert set(action_step["with"]) <= set(_action()["inputs"])


# --- real swclint -------------------------------------------------------------------------------------

def _real_swclint() -> str:
    exe = Path(sys.executable).parent / "swclint"
    exe_path = str(exe) if exe.exists() else shutil.which("swclint")
    if exe_path is None:
        pytest.skip("swclint console script not installed")
    proc = subprocess.run([exe_path, "--help"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"swclint --help fails (CLI not ready): {(proc.stderr or proc.stdout).strip()[-200:]}")
    return exe_path


@pytest.mark.e2e
def test_script_with_real_swclint(tmp_path):
    exe = _real_swclint()
    workspace = tmp_path / "ws"
    (workspace / "contracts").mkdir(parents=True)
    shutil.copy(BANK, workspace / "contracts" / "Bank.sol")
    env = {**os.environ, "PATH": f"{Path(exe).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_WORKSPACE": str(workspace),
           "GITHUB_ACTION_PATH": str(ROOT)}
    proc, outputs = _run_script(env, target="contracts", fail_on="high")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["sarif-written"] == "true", proc.stdout + proc.stderr
    doc = json.loads((workspace / "swclint.sarif").read_text())
    results = doc["runs"][0]["results"]
    assert "SWC-107" in {r["ruleId"] for r in results}
    assert outputs["findings-count"] == str(sum(1 for r in results if not r.get("suppressions")))
    assert outputs["exit-code"] == "1"


# --- diff-base: only what the pull request changed ----------------------------------------------------

def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def _pull_request(tmp_path: Path, first: str, second: str) -> tuple[Path, str]:
    """An upstream repository with two commits and a shallow (depth 1) clone of it as the workspace,
    as actions/checkout leaves it: the base commit is not in the clone."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    _git(upstream, "init", "-q")
    (upstream / "contracts").mkdir()
    (upstream / "contracts" / "Wallet.sol").write_text(first)
    _git(upstream, "add", ".")
    _git(upstream, "commit", "-q", "-m", "base")
    base = _git(upstream, "rev-parse", "HEAD")
    (upstream / "contracts" / "Wallet.sol").write_text(second)
    _git(upstream, "commit", "-q", "-am", "pr")
    ws = tmp_path / "ws"
    if ws.exists():
        shutil.rmtree(ws)
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{upstream}", str(ws))
    return ws, base


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def test_action_declares_diff_base_and_passes_the_pull_request_base():
    action = _action()
    assert action["inputs"]["diff-base"]["default"] == ""
    run = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    assert run["env"]["SWCLINT_DIFF_BASE"] == "${{ inputs.diff-base }}"
    assert run["env"]["SWCLINT_PR_BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"


@needs_git
def test_diff_base_auto_uses_the_pull_request_base_and_fetches_it(fake_env):
    tmp_path, env = fake_env
    ws, base = _pull_request(tmp_path, "contract A {}\n", "contract A { }\n")
    with pytest.raises(subprocess.CalledProcessError):
        _git(ws, "cat-file", "-e", f"{base}^{{commit}}")  # shallow: the base is not there yet
    proc, outputs = _run_script(env, diff_base="auto", pr_base_sha=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _args(tmp_path)[-2:] == ["--diff-base", base]
    _git(ws, "cat-file", "-e", f"{base}^{{commit}}")  # fetched, so git diff can read it


def test_diff_base_auto_outside_a_pull_request_reports_everything(fake_env):
    tmp_path, env = fake_env
    proc, _ = _run_script(env, diff_base="auto", pr_base_sha="")
    assert proc.returncode == 0
    assert "--diff-base" not in _args(tmp_path)
    assert "not a pull request" in proc.stdout


def test_diff_base_explicit_revision_and_bad_value(fake_env):
    tmp_path, env = fake_env
    proc, _ = _run_script(env, diff_base="origin/main")
    assert proc.returncode == 0
    assert _args(tmp_path)[-2:] == ["--diff-base", "origin/main"]
    Path(env["GITHUB_OUTPUT"]).unlink()
    proc, outputs = _run_script(env, diff_base="--output=/etc/passwd")
    assert proc.returncode == 2 and "input 'diff-base' must be a git revision" in proc.stdout
    assert outputs == {}
    _run_script(env)
    assert "--diff-base" not in _args(tmp_path)  # empty: everything, as before


@needs_git
@pytest.mark.e2e
def test_script_with_real_swclint_reports_only_the_pull_requests_findings(tmp_path):
    exe = _real_swclint()
    first = "pragma solidity 0.8.26;\ncontract Wallet {\n    address internal owner = msg.sender;\n" \
            "    function pay(address payable to, uint256 a) external {\n" \
            "        require(tx.origin == owner);\n        to.transfer(a);\n    }\n}\n"
    second = first.replace("    }\n}\n", "    }\n    function sweep(address payable to) external {\n"
                           "        require(tx.origin == owner);\n        to.transfer(address(this).balance);\n"
                           "    }\n}\n")
    ws, base = _pull_request(tmp_path, first, second)
    env = {**os.environ, "PATH": f"{Path(exe).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_WORKSPACE": str(ws),
           "GITHUB_ACTION_PATH": str(ROOT)}
    proc, outputs = _run_script(env, target="contracts", fail_on="medium", diff_base="auto", pr_base_sha=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((ws / "swclint.sarif").read_text())["runs"][0]["results"]
    lines = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
    assert ("SWC-115", 9) in lines, lines  # sweep's tx.origin check
    assert all(line >= 8 for _, line in lines), lines  # nothing from pay (lines 4-7), the base's code
    assert outputs["findings-count"] == str(len(results)) and outputs["exit-code"] == "1"
