"""Which files to analyse, relative to which root, with which import remappings."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .findings import FileError

DEFAULT_EXCLUDES = (".git", "node_modules", "lib", "out")


@dataclass
class Discovery:
    root: Path
    files: list[Path] = field(default_factory=list)  # absolute, sorted, unique
    errors: list[FileError] = field(default_factory=list)


def find_root(start: Path) -> Path:
    """The git top-level above `start`, else `start` itself: SARIF URIs are relative to it."""
    start = start.resolve()
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True, timeout=10
        )
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip()).resolve()
    except (OSError, subprocess.SubprocessError):
        pass
    return start


def relpath(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _excluded(rel: str, patterns: list[str], named: str = "") -> bool:
    """Whether `rel` (relative to the root) is excluded, judged below `named`, the folder the user gave.

    Like ruff's excludes, a folder named on the command line is analysed even when it lies inside an
    excluded one (`swclint node_modules/pkg/contracts`); its own path never excludes what it holds.
    """
    below = rel[len(named) + 1:] if named and rel.startswith(named + "/") else rel
    parts = below.split("/")
    for pat in patterns:
        if "/" not in pat and "*" not in pat and pat in parts[:-1]:
            return True
        if named and _matches(named, pat):
            continue
        if _matches(rel, pat):
            return True
    return False


def _matches(rel: str, pat: str) -> bool:
    return fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*")


def discover(paths: list[str], root: Path, exclude: list[str] | None = None,
             default_excludes: bool = True) -> Discovery:
    """Expand files and folders into `.sol` files. Explicitly named files and folders are never excluded."""
    patterns = list(DEFAULT_EXCLUDES if default_excludes else ()) + list(exclude or [])
    result = Discovery(root=root)
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            result.errors.append(FileError(raw, "discover", "path does not exist"))
            continue
        if p.is_file():
            if p.suffix != ".sol":
                result.errors.append(FileError(raw, "discover", "not a .sol file"))
                continue
            seen.add(p.resolve())
            continue
        named = relpath(p, root)
        found = skipped = 0
        for dirpath, dirnames, filenames in os.walk(p):
            dirnames.sort()
            base = Path(dirpath)
            kept = [d for d in dirnames if not _excluded(relpath(base / d, root) + "/x", patterns, named)]
            skipped += len(dirnames) - len(kept)
            dirnames[:] = kept
            for name in sorted(filenames):
                if not name.endswith(".sol"):
                    continue
                f = base / name
                if _excluded(relpath(f, root), patterns, named):
                    skipped += 1
                    continue
                seen.add(f.resolve())
                found += 1
        if not found:
            why = " outside excluded paths (see --exclude and --no-default-excludes)" if skipped else ""
            result.errors.append(FileError(raw, "discover", "no .sol files found in this folder" + why))
    result.files = sorted(seen)
    return result


def project_dirs(paths: list[Path], root: Path) -> list[Path]:
    """The nearest folder at or above each path (up to the root) that holds remappings.txt or
    foundry.toml: a project inside a monorepo keeps its own remappings."""
    found: list[Path] = []
    for p in paths:
        d = p.resolve() if p.is_dir() else p.resolve().parent
        while True:
            if (d / "remappings.txt").is_file() or (d / "foundry.toml").is_file():
                if d not in found:
                    found.append(d)
                break
            if d == root or d.parent == d or root not in d.parents:
                break
            d = d.parent
    return sorted(found) or [root]


def load_remappings(root: Path, extra: list[str] | None = None, paths: list[Path] | None = None) -> list[str]:
    """Remappings from `remappings.txt`, `foundry.toml` and `--remap`, later ones winning.

    Targets are made absolute against the folder of the file that declares them (the root for
    `--remap`), so solc and our import reader agree.
    """
    found: dict[str, str] = {}
    base = root

    def add(line: str) -> None:
        line = line.strip().strip('"').strip("'")
        if not line or line.startswith("#") or "=" not in line:
            return
        prefix, target = line.split("=", 1)
        context = ""
        if ":" in prefix:
            context, prefix = prefix.split(":", 1)
        target_path = Path(target)
        if not target_path.is_absolute():
            target_path = base / target_path
        value = target_path.as_posix() + ("/" if target.endswith("/") else "")
        found[(context + ":" if context else "") + prefix] = value

    for base in project_dirs(paths or [root], root):
        txt = base / "remappings.txt"
        if txt.is_file():
            for line in txt.read_text(errors="replace").splitlines():
                add(line)
        foundry = base / "foundry.toml"
        if foundry.is_file():
            try:
                data = tomllib.loads(foundry.read_text(errors="replace"))
                for profile in data.get("profile", {}).values():
                    for line in profile.get("remappings", []) if isinstance(profile, dict) else []:
                        add(str(line))
            except tomllib.TOMLDecodeError:
                pass  # a broken foundry.toml is the user's build problem, not a reason to stop linting
    base = root
    for line in extra or []:
        add(line)
    return [f"{k}={v}" for k, v in sorted(found.items())]
