"""`--diff-base REF`: the lines changed since a git revision, and the findings that touch them.

Read with `git diff` (working tree against REF, so uncommitted edits count) plus untracked files,
which are new in their entirety. Nothing from the scanned repository runs: no external diff or
textconv drivers, no fsmonitor hook, no pager, and every filter driver the configuration names is
blanked for the call, so a `.gitattributes` in the scanned tree cannot start a clean filter.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .findings import Finding

ALL_LINES = range(1, 10**9)  # an untracked file: every line is new

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_FILTER_KEY = re.compile(r"^filter\.(.+)\.(?:clean|smudge|process|required)$")


class DiffError(Exception):
    """--diff-base cannot be honoured (no git, not a repository, unknown revision); one line."""


def _git(args: list[str], cwd: Path, overrides: list[str] = ()) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None:
        raise DiffError("--diff-base needs git, which is not on PATH")
    safe = ["-c", "core.fsmonitor=false", "-c", "core.pager=cat", "-c", "diff.external=",
            "-c", "core.hooksPath=/dev/null", *overrides]
    # The user's environment stays (HOME for safe.directory, GIT_DIR if they chose one); only what
    # could start a program or change the output format is overridden.
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    try:
        return subprocess.run([git, "--no-pager", *safe, *args], cwd=cwd, capture_output=True, text=True,
                              errors="replace", env=env, stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"--diff-base: git failed: {exc}") from None


def _filter_overrides(cwd: Path) -> list[str]:
    """`-c filter.NAME.*=` for every filter driver git's configuration knows, so none can run."""
    proc = _git(["config", "--name-only", "--get-regexp", r"^filter\."], cwd)
    names = sorted({m.group(1) for line in proc.stdout.splitlines() if (m := _FILTER_KEY.match(line.strip()))})
    out: list[str] = []
    for name in names:
        out += ["-c", f"filter.{name}.clean=", "-c", f"filter.{name}.smudge=", "-c", f"filter.{name}.process=",
                "-c", f"filter.{name}.required=false"]
    return out


def parse_unified_zero(text: str) -> dict[str, set[int] | range]:
    """Changed new-side lines per path from `git diff --unified=0 --no-prefix` output.

    A pure deletion changes no new line; it marks the lines either side of the gap, since the code
    around a removed check is what the removal changes.
    """
    changed: dict[str, set[int] | range] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].rstrip("\t")  # git appends a tab to names containing a space
            current = None if target == "/dev/null" else changed.setdefault(_unquote(target), set())
        elif line.startswith("@@") and current is not None:
            m = _HUNK.match(line)
            if not m:
                continue
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            if count:
                current.update(range(start, start + count))
            else:
                current.update(x for x in (start, start + 1) if x >= 1)
    return changed


def _unquote(path: str) -> str:
    """git quotes unusual paths C-style ("a\\tb.sol"); with core.quotePath=false only those remain."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
            "latin-1").decode("utf-8", "replace")
    return path


def changed_lines(root: Path, ref: str) -> dict[str, set[int] | range]:
    """Lines changed since `ref`, keyed by path relative to `root` (POSIX), for files under root."""
    if not ref or ref.startswith("-"):
        raise DiffError(f"--diff-base: '{ref}' is not a git revision")
    top = _git(["rev-parse", "--show-toplevel"], root)
    if top.returncode != 0:
        raise DiffError(f"--diff-base: {root} is not inside a git repository")
    toplevel = Path(top.stdout.strip()).resolve()
    verify = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if verify.returncode != 0:
        raise DiffError(f"--diff-base: unknown git revision '{ref}'")
    commit = verify.stdout.strip()
    overrides = ["-c", "core.quotePath=false", *_filter_overrides(root)]
    proc = _git(["diff", "--no-ext-diff", "--no-textconv", "--no-color", "--no-renames", "--unified=0",
                 "--no-prefix", commit, "--"], toplevel, overrides)
    if proc.returncode != 0:
        raise DiffError(f"--diff-base: git diff failed: {_first_line(proc.stderr)}")
    by_top = parse_unified_zero(proc.stdout)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], toplevel, overrides)
    if untracked.returncode == 0:
        for name in filter(None, untracked.stdout.split("\0")):
            by_top[name] = ALL_LINES
    out: dict[str, set[int] | range] = {}
    for name, lines in by_top.items():
        try:
            rel = (toplevel / name).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue  # outside the analysis root: no finding can point there
        out[rel] = lines
    return out


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "no message"


def touches(finding: Finding, changed: dict[str, set[int] | range]) -> bool:
    lines = changed.get(finding.location.path)
    if not lines:
        return False
    if isinstance(lines, range):
        return True
    return any(n in lines for n in range(finding.location.start_line, finding.location.end_line + 1))


def only_changed(findings: list[Finding], changed: dict[str, set[int] | range]) -> list[Finding]:
    """The findings whose region intersects a changed line."""
    return [f for f in findings if touches(f, changed)]
