"""Native solc binaries: those already on this machine (py-solc-x, solc-select, `solc` on PATH), and
py-solc-x's installer for new ones when its download host answers."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)

_VERSION_LINE = re.compile(r"Version:\s*(\d+\.\d+\.\d+)")


def probe(executable: Path) -> Version | None:
    """The version a solc binary reports for `--version`, or None when it does not answer."""
    try:
        st = executable.stat()
    except OSError:
        return None
    return _probe(str(executable), st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _probe(executable: str, _mtime_ns: int) -> Version | None:
    try:
        proc = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("%s --version failed: %s", executable, exc)
        return None
    m = _VERSION_LINE.search(proc.stdout)
    if proc.returncode != 0 or not m:
        return None
    try:
        return Version(m.group(1))
    except InvalidVersion:
        return None


def _solcx() -> dict[Version, Path]:
    try:
        import solcx
        from solcx.install import get_executable
    except ImportError:
        return {}
    found: dict[Version, Path] = {}
    try:
        for v in solcx.get_installed_solc_versions():
            found[Version(str(v))] = Path(get_executable(v))
    except Exception as exc:  # py-solc-x raises its own types for a missing/odd install folder
        log.debug("py-solc-x lookup failed: %s", exc)
    return found


def _solc_select() -> dict[Version, Path]:
    home = Path(os.environ["VIRTUAL_ENV"]) if os.environ.get("VIRTUAL_ENV") else Path.home()
    artifacts = home / ".solc-select" / "artifacts"
    found: dict[Version, Path] = {}
    if artifacts.is_dir():
        for d in artifacts.glob("solc-*"):
            exe = d / d.name
            try:
                version = Version(d.name.removeprefix("solc-"))
            except InvalidVersion:
                continue
            if exe.is_file() and os.access(exe, os.X_OK):
                found[version] = exe
    return found


def _on_path() -> dict[Version, Path]:
    exe = shutil.which("solc")
    if exe is None:
        return {}
    version = probe(Path(exe))
    return {version: Path(exe)} if version else {}


def native_installs() -> dict[Version, Path]:
    """Every native solc found, first source wins: py-solc-x, then solc-select, then PATH."""
    found: dict[Version, Path] = {}
    for source in (_solcx, _solc_select, _on_path):
        for version, exe in source().items():
            found.setdefault(version, exe)
    return found


# --- installing through py-solc-x -----------------------------------------------------------------

HOST_PROBE_TIMEOUT_S = 5.0


@functools.lru_cache(maxsize=1)
def solcx_host_answers(timeout: float = HOST_PROBE_TIMEOUT_S) -> bool:
    """Does py-solc-x's download host serve its release list? Asked once per process, briefly, so an
    offline machine falls back to npm after seconds instead of hanging in py-solc-x's own request."""
    try:
        import requests
        from solcx.install import BINARY_DOWNLOAD_BASE, _get_os_name
    except ImportError:
        return False
    try:
        reply = requests.get(BINARY_DOWNLOAD_BASE.format(_get_os_name(), "list.json"), timeout=timeout)
        return reply.status_code == 200 and "releases" in reply.json()
    except (requests.RequestException, ValueError, OSError) as exc:
        log.debug("py-solc-x download host unreachable: %s", exc)
        return False


def solcx_install(version: Version) -> Path:
    """Install a native solc with py-solc-x's installer; the binary, which must report `version`."""
    import solcx
    from solcx.install import get_executable

    solcx.install_solc(str(version))
    exe = Path(get_executable(str(version)))
    if probe(exe) != version:
        raise RuntimeError(f"py-solc-x installed {exe}, which does not report solc {version}")
    return exe
