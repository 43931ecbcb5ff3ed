"""Helpers for tests that run the real `swclint` console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SWCLINT_SHARED", REPO.parent / "shared"))
EXAMPLES = REPO / "examples"


def swclint_exe() -> str:
    exe = Path(sys.executable).parent / "swclint"
    return str(exe) if exe.exists() else (shutil.which("swclint") or "swclint")


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600,
            env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("CI", "1")
    return subprocess.run([swclint_exe(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def run_json(*args: str, cwd: Path | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    proc = run_cli("--format", "json", "--no-llm", *args, cwd=cwd)
    assert proc.stdout.strip(), f"no JSON on stdout; stderr:\n{proc.stderr}"
    return json.loads(proc.stdout), proc


TOOLS_DIR = Path(os.environ.get("SWCLINT_TOOLS_DIR", Path.home() / ".cache" / "swclint" / "tools"))


def sarif_multitool() -> tuple[Path | None, str]:
    """@microsoft/sarif-multitool installed once into the tools cache with npm: (package folder, "") or
    (None, why not). Every test that needs it installs it, so none depends on running after another."""
    package = TOOLS_DIR / "node_modules" / "@microsoft" / "sarif-multitool"
    if package.exists():
        return package, ""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "node/npm not installed: cannot fetch @microsoft/sarif-multitool"
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS_DIR),
                           "@microsoft/sarif-multitool"], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not package.exists():
        return None, f"npm registry unreachable, cannot install sarif-multitool: {proc.stderr.strip()[-300:]}"
    return package, ""
