"""--diff-base REF: only findings on lines changed since REF, read from a real git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

from swclint.diff import ALL_LINES, DiffError, changed_lines, only_changed, parse_unified_zero
from swclint.findings import Finding, Location

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git not installed")

WALLET_V1 = """pragma solidity 0.8.26;
contract Wallet {
    address internal owner = msg.sender;

    function pay(address payable to, uint256 amount) external {
        require(tx.origin == owner, "owner");
        to.transfer(amount);
    }
}
"""
# The second commit adds a function with the same weakness: only it is new.
WALLET_V2 = WALLET_V1.replace("""        to.transfer(amount);
    }
""", """        to.transfer(amount);
    }

    function sweep(address payable to) external {
        require(tx.origin == owner, "owner");
        to.transfer(address(this).balance);
    }
""")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run([GIT, *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "Wallet.sol").write_text(WALLET_V1)
    _git(repo, "add", "Wallet.sol")
    _git(repo, "commit", "-q", "-m", "one")
    (repo / "Wallet.sol").write_text(WALLET_V2)
    _git(repo, "commit", "-q", "-am", "two")
    return repo


def _finding(path: str, start: int, end: int | None = None) -> Finding:
    return Finding("SWC-115", "t", "medium", 0.9, Location(path, start, end or start), "m")


# --- unit -------------------------------------------------------------------------------------------

def test_parse_unified_zero():
    text = """diff --git a.sol a.sol
--- a.sol
+++ a.sol
@@ -3 +3 @@ contract A {
-x
+y
@@ -10,0 +11,2 @@
+a
+b
@@ -20,2 +21,0 @@
-gone
-gone
diff --git b c.sol b c.sol
--- b c.sol
+++ b c.sol\t
@@ -0,0 +1 @@
+new
diff --git old.sol old.sol
--- old.sol
+++ /dev/null
@@ -1 +0,0 @@
-bye
"""
    assert parse_unified_zero(text) == {"a.sol": {3, 11, 12, 21, 22}, "b c.sol": {1}}


def test_only_changed_keeps_findings_that_touch_changed_lines():
    changed = {"a.sol": {10}, "new.sol": ALL_LINES}
    kept = only_changed([_finding("a.sol", 8, 12), _finding("a.sol", 11), _finding("b.sol", 10),
                         _finding("new.sol", 400)], changed)
    assert [(f.location.path, f.location.start_line) for f in kept] == [("a.sol", 8), ("new.sol", 400)]


@needs_git
def test_changed_lines_from_a_real_repository(repo):
    assert changed_lines(repo, "HEAD") == {}
    lines = changed_lines(repo, "HEAD~1")
    assert lines == {"Wallet.sol": set(range(9, 14))}  # the blank line and the new function
    (repo / "Extra.sol").write_text("contract Extra {}\n")  # untracked: new in full
    (repo / "Wallet.sol").write_text(WALLET_V2.replace("uint256 amount", "uint256 value"))  # uncommitted
    lines = changed_lines(repo, "HEAD")
    assert lines["Extra.sol"] is ALL_LINES and lines["Wallet.sol"] == {5}


@needs_git
def test_no_repository_code_runs(repo):
    """A filter driver, textconv, external diff and fsmonitor hook configured in the scanned
    repository never run."""
    marker = repo.parent / "ran"
    evil = f"sh -c 'touch {marker}; cat'"
    for key, value in (("filter.evil.clean", evil), ("filter.evil.process", evil),
                       ("filter.evil.required", "true"), ("diff.evil.textconv", evil),
                       ("diff.external", evil), ("core.fsmonitor", evil)):
        _git(repo, "config", key, value)
    (repo / ".gitattributes").write_text("*.sol filter=evil diff=evil\n")
    (repo / "Wallet.sol").write_text(WALLET_V2 + "// touched\n")
    lines = changed_lines(repo, "HEAD~1")
    assert not marker.exists()
    assert max(lines["Wallet.sol"]) == WALLET_V2.count("\n") + 1


@needs_git
def test_bad_revisions_and_places(repo, tmp_path):
    with pytest.raises(DiffError, match="unknown git revision 'nope'"):
        changed_lines(repo, "nope")
    with pytest.raises(DiffError, match="not a git revision"):
        changed_lines(repo, "--output=/tmp/x")
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    with pytest.raises(DiffError, match="not inside a git repository"):
        changed_lines(elsewhere, "HEAD")


# --- end to end: the real CLI -------------------------------------------------------------------------

def _findings(proc: subprocess.CompletedProcess) -> list[tuple[str, str, int]]:
    return [(f["swc_id"], f["function"], f["location"]["start_line"]) for f in json.loads(proc.stdout)["findings"]]


@needs_git
@pytest.mark.e2e
def test_diff_base_reports_only_what_the_second_commit_introduced(repo):
    full = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "medium", "--no-cache", cwd=repo)
    assert full.returncode == 1, full.stderr
    swc115 = {(fn, line) for swc, fn, line in _findings(full) if swc == "SWC-115"}
    assert {fn for fn, _ in swc115} == {"pay", "sweep"}

    pr = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "medium", "--diff-base", "HEAD~1", cwd=repo)
    assert pr.returncode == 1, pr.stderr
    found = _findings(pr)
    assert [(swc, fn) for swc, fn, _ in found if swc == "SWC-115"] == [("SWC-115", "sweep")]
    assert all(9 <= line <= 13 for _, _, line in found)  # nothing from the first commit's lines

    same = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "medium", "--diff-base", "HEAD", cwd=repo)
    assert same.returncode == 0 and _findings(same) == []  # nothing changed, nothing fails the build


@needs_git
@pytest.mark.e2e
@pytest.mark.parametrize(("ref", "env_path", "message"), [
    ("does-not-exist", None, "unknown git revision 'does-not-exist'"),
    ("HEAD~1", "nogit", "needs git, which is not on PATH"),
])
def test_diff_base_errors_are_one_line_exit_2(repo, tmp_path, ref, env_path, message):
    env = None
    if env_path:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for tool in ("node", "npm"):  # keep solc-js reachable; only git disappears
            if shutil.which(tool):
                (bin_dir / tool).symlink_to(shutil.which(tool))
        env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{bin_dir}"}
    proc = run_cli(".", "--no-llm", "--diff-base", ref, cwd=repo, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr, proc.stderr


@needs_git
@pytest.mark.e2e
def test_diff_base_outside_a_repository(tmp_path):
    (tmp_path / "A.sol").write_text(WALLET_V1)
    proc = run_cli(".", "--no-llm", "--diff-base", "HEAD", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not inside a git repository" in proc.stderr


def test_diff_base_is_not_a_config_key(tmp_path):
    """A stored diff base would silently narrow every run, `baseline create` included."""
    (tmp_path / ".swclint.toml").write_text('diff-base = "HEAD"\n')
    (tmp_path / "A.sol").write_text(WALLET_V1)
    proc = run_cli(".", "--no-llm", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'diff-base' is not a config key" in lines[0] and "--diff-base" in lines[0], lines
