"""One `Solc` interface over every way to get a compiler, in order of preference:

explicit `--solc PATH` > native (py-solc-x, solc-select, `solc` on PATH) > solc-js from the npm
cache (installed on demand).
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from packaging.version import Version

from swclint.solc import native, solcjs
from swclint.solc.errors import CompilerBroken, SolcError, SolcUnavailable, UnsatisfiablePragma
from swclint.solc.versions import OLDEST_SUPPORTED, Constraint, known_releases, pragma_constraint

log = logging.getLogger(__name__)

MAX_INSTALL_ATTEMPTS = 5


class Solc(Protocol):
    version: Version
    executable: Path  # a command line accepting --version and --standard-json

    def compile_standard(self, input_json: dict, timeout: float | None = None) -> dict: ...


@dataclass(frozen=True)
class CliSolc:
    """A solc command line (native binary or the solc-js shim script)."""

    version: Version
    executable: Path
    kind: str  # "native" or "solc-js"

    def compile_standard(self, input_json: dict, timeout: float | None = None) -> dict:
        try:
            proc = subprocess.run(
                [str(self.executable), "--standard-json"],
                input=json.dumps(input_json),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise SolcError(f"solc {self.version} timed out after {timeout:g}s") from None
        except OSError as exc:
            raise SolcError(f"cannot run {self.executable}: {exc.strerror or exc}") from None
        try:
            output = json.loads(proc.stdout)
        except json.JSONDecodeError:
            lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
            cause = lines[-1] if lines else f"exit status {proc.returncode}"
            raise SolcError(f"solc {self.version} ({self.executable}) gave no JSON output: {cause}") from None
        if not isinstance(output, dict):
            raise SolcError(f"solc {self.version} ({self.executable}) gave unexpected output")
        return output


def installed_versions() -> list[Version]:
    """Versions available without a network: native and solc-js, deduplicated, ascending.

    Releases before 0.4.11 are left out even when installed: they are a per-file fallback
    (`compile.older_alternatives`), and must not become a first choice for anyone's pragma.
    """
    return sorted(v for v in set(native.native_installs()) | set(solcjs.installed()) if v >= OLDEST_SUPPORTED)


def install(versions: Iterable[Version]) -> list[Version]:
    """Install compilers (see `install_from`); return those that now work."""
    return [v for v, _ in install_from(versions)]


def install_from(versions: Iterable[Version]) -> list[tuple[Version, str]]:
    """Install each version natively with py-solc-x when its download host answers, else (or when
    that fails) as solc-js from npm into the cache (one npm call). Returns (version, how) for those
    that now work, how being "native (py-solc-x)" or "solc-js (npm)"."""
    wanted = list(dict.fromkeys(versions))
    done: list[tuple[Version, str]] = []
    if wanted and native.solcx_host_answers():
        for v in wanted:
            try:
                native.solcx_install(v)
                done.append((v, "native (py-solc-x)"))
            except Exception as exc:  # py-solc-x raises its own types, requests' and OSError
                log.warning("py-solc-x could not install solc %s (%s); trying solc-js from npm", v, exc)
    else:
        log.info("py-solc-x's download host does not answer; installing solc-js from npm")
    rest = [v for v in wanted if v not in {d for d, _ in done}]
    if rest:
        done += [(v, "solc-js (npm)") for v in solcjs.install(rest)]
    return sorted(done)


def get_solc(version: Version, *, allow_install: bool = True, native_path: Path | None = None) -> Solc:
    """A compiler for `version`. An explicit `native_path` always wins (its own version is reported)."""
    if native_path is not None:
        found = native.probe(Path(native_path))
        if found is None:
            raise SolcUnavailable(f"{native_path}: not a working solc (`--version` gave no version)")
        if found != version:
            log.warning("using %s (solc %s) although %s was asked for", native_path, found, version)
        return CliSolc(found, Path(native_path), "native")
    exe = native.native_installs().get(version)
    if exe is not None:
        return CliSolc(version, exe, "native")
    if solcjs.soljson_path(version) is None:
        if not allow_install:
            raise SolcUnavailable(f"solc {version} is not installed (installing is disabled)")
        solcjs.install([version])
    return CliSolc(version, solcjs.ensure_working(version), "solc-js")


def get_solc_for(
    source_text: str,
    *,
    file: str | Path | None = None,
    allow_install: bool = True,
    native_path: Path | None = None,
    on_skip: Callable[[Version, str], None] | None = None,
) -> Solc:
    """A working compiler for a source's pragmas (see `get_solc_for_constraint`)."""
    constraint = pragma_constraint(source_text, file)
    return get_solc_for_constraint(
        constraint, file=file, allow_install=allow_install, native_path=native_path, on_skip=on_skip
    )


def get_solc_for_constraint(
    constraint: Constraint,
    *,
    file: str | Path | None = None,
    allow_install: bool = True,
    native_path: Path | None = None,
    on_skip: Callable[[Version, str], None] | None = None,
) -> Solc:
    """Try satisfying versions, installed ones first, each newest to oldest, until one loads.

    Broken builds are skipped (reported through `on_skip` and the log); an npm failure stops
    the search since later versions would fail the same way.
    """
    if native_path is not None:
        return get_solc(Version("0"), native_path=native_path)
    installed = [v for v in reversed(installed_versions()) if constraint.allows(v)]
    others = (
        []
        if not allow_install
        else [v for v in reversed(known_releases()) if constraint.allows(v) and v not in installed]
    )
    if not installed and not others:
        if not allow_install and any(constraint.allows(v) for v in known_releases()):
            raise SolcUnavailable(
                f"{file or 'source'}: no installed solc satisfies '{constraint}' (installing is disabled)"
            )
        raise UnsatisfiablePragma(file, str(constraint))
    failures: list[str] = []
    for attempt, version in enumerate(installed + others):
        if attempt >= len(installed) + MAX_INSTALL_ATTEMPTS:
            break
        try:
            return get_solc(version, allow_install=allow_install)
        except CompilerBroken as exc:
            failures.append(str(exc))
            log.warning("%s; trying an older version", exc)
            if on_skip is not None:
                on_skip(version, str(exc))
        except SolcUnavailable as exc:
            failures.append(str(exc))
            break
    where = f"{file}: " if file else ""
    raise SolcUnavailable(f"{where}no working solc for '{constraint}': " + "; ".join(failures))


def list_versions() -> list[tuple[Version, str]]:
    """Every known release with its state: "installed (native)", "installed (solc-js)" or "available"."""
    natives = set(native.native_installs())
    js = set(solcjs.installed())
    rows = []
    for v in sorted(set(known_releases()) | natives | js):
        state = "installed (native)" if v in natives else "installed (solc-js)" if v in js else "available"
        rows.append((v, state))
    return rows
