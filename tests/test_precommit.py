"""The pre-commit hooks: manifest validity, and a real commit blocked by swclint-static (e2e)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("SWCLINT_CACHE_DIR", Path.home() / ".cache" / "swclint"))

VULNERABLE = (ROOT / "tests" / "fixtures" / "report" / "Bank.sol").read_text()
FIXED = VULNERABLE.replace(
    '        (bool ok, ) = msg.sender.call{value: amount}("");\n'
    '        require(ok, "send failed");\n'
    '        balances[msg.sender] = 0;\n',
    '        balances[msg.sender] = 0;\n'
    '        (bool ok, ) = msg.sender.call{value: amount}("");\n'
    '        require(ok, "send failed");\n',
)


def _tool(name: str) -> str:
    exe = BIN / name
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed (pip install swclint[dev])")
    return found


def test_manifest_is_valid_for_pre_commit():
    proc = subprocess.run([_tool("pre-commit"), "validate-manifest", str(MANIFEST)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hooks():
    hooks = {h["id"]: h for h in yaml.safe_load(MANIFEST.read_text())}
    assert {k: h["entry"] for k, h in hooks.items()} == {
        "swclint": "swclint", "swclint-static": "swclint --no-llm", "swclint-llm": "swclint --llm"}
    for h in hooks.values():
        assert h["language"] == "python"
        assert h["types"] == ["solidity"] or h.get("files") == r"\.sol$"
        assert h["pass_filenames"] is True and h["require_serial"] is True
    assert "additional_dependencies" in MANIFEST.read_text()  # the hint for the model hook
    assert FIXED != VULNERABLE


def _git(cwd: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check,
                          timeout=1800)


def _snapshot_hook_repo(env: dict) -> tuple[Path, str]:
    """Commit the current working tree into a stable cache path with fixed dates, so an unchanged tree
    gets the same revision and pre-commit reuses the hook environment it built last time."""
    repo = CACHE / "pre-commit-hookrepo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    files = _git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    _git(repo, "init", "-q", "-b", "main", env=env)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-q", "--no-verify", "-m", "snapshot", env=env)
    return repo, _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()


@pytest.mark.e2e
def test_commit_is_blocked_by_reentrancy_then_allowed_when_fixed(tmp_path):
    swclint = _tool("swclint")
    pre_commit = _tool("pre-commit")
    if subprocess.run([swclint, "--help"], capture_output=True).returncode != 0:
        pytest.skip("swclint --help fails: CLI not ready")
    env = {**os.environ, "PRE_COMMIT_HOME": str(CACHE / "pre-commit"),
           "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    hook_repo, rev = _snapshot_hook_repo(env)

    project = tmp_path / "project"
    (project / "contracts").mkdir(parents=True)
    _git(project, "init", "-q", "-b", "main", env=env)
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hook_repo), "rev": rev,
        "hooks": [{"id": "swclint-static", "args": ["--fail-on", "high"]}]}]}))
    subprocess.run([pre_commit, "install"], cwd=project, env=env, check=True, capture_output=True)

    (project / "contracts" / "Bank.sol").write_text(VULNERABLE)
    _git(project, "add", "-A", env=env)
    blocked = _git(project, "commit", "-m", "vulnerable", env=env, check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "SWC-107" in output and "contracts/Bank.sol" in output
    assert _git(project, "rev-list", "--all", env=env, check=False).stdout.strip() == ""  # nothing committed

    (project / "contracts" / "Bank.sol").write_text(FIXED)
    _git(project, "add", "-A", env=env)
    allowed = _git(project, "commit", "-m", "fixed", env=env, check=False)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "swclint (static only)" in allowed.stdout + allowed.stderr
