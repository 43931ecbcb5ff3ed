"""Run Slither as a library on one Solidity file (compiled through standard JSON).

The compiler comes from ``swclint.solc.providers.get_solc`` when that layer is
installed; ``SWCLINT_SOLC_BIN_DIR`` (a folder of ``solc-<version>`` executables
answering ``--version`` / ``--standard-json``) overrides it for offline setups.
"""

from __future__ import annotations

import os
from pathlib import Path

from packaging.version import Version

from swclint.solc.versions import resolve


class CompileError(Exception):
    """The file could not be compiled; the message names the file and the cause."""


def _shim_versions(bin_dir: Path) -> dict[Version, Path]:
    found = {}
    for exe in bin_dir.glob("solc-*"):
        try:
            found[Version(exe.name.removeprefix("solc-"))] = exe
        except ValueError:
            continue
    return found


def solc_for(path: Path) -> str:
    """Executable path of a solc that accepts the file's pragma."""
    source = path.read_text(encoding="utf-8", errors="replace")
    bin_dir = os.environ.get("SWCLINT_SOLC_BIN_DIR")
    if bin_dir:
        available = _shim_versions(Path(bin_dir))
        version = resolve(source, sorted(available), file=path)
        if version is None:
            raise CompileError(f"{path}: no solc in {bin_dir}")
        return str(available[version])
    try:
        from swclint.solc.providers import get_solc, installed_versions
        from swclint.solc.versions import known_releases
    except ImportError as exc:  # the solc layer is not there yet
        raise CompileError(f"{path}: no solc provider ({exc}); set SWCLINT_SOLC_BIN_DIR") from exc
    version = resolve(source, known_releases(), installed_versions(), file=path)
    return str(get_solc(version).executable)


def load_slither(path: str | Path, *, detectors: list[type] | None = None):
    """Compile ``path`` and return a Slither object with ``detectors`` registered."""
    from crytic_compile import CryticCompile
    from crytic_compile.platform.exceptions import InvalidCompilation
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither

    path = Path(path).resolve()
    solc = solc_for(path)
    platform = SolcStandardJson()
    platform.add_source_file(path.name)
    try:
        compiled = CryticCompile(platform, solc=solc, solc_working_dir=str(path.parent))
        slither = Slither(compiled)
    except (InvalidCompilation, Exception) as exc:  # crytic/slither raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CompileError(f"{path}: {first}") from exc
    for detector in detectors or []:
        slither.register_detector(detector)
    return slither
