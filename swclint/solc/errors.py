"""Exceptions of the solc layer; every message is one line naming the file or version and the cause."""

from __future__ import annotations

from pathlib import Path


class SolcError(Exception):
    """Base class: anything the solc layer reports to the user."""


class InvalidPragma(SolcError, ValueError):
    def __init__(self, pragma: str, cause: str, file: str | Path | None = None) -> None:
        self.pragma, self.cause, self.file = pragma, cause, file
        where = f"{file}: " if file else ""
        shown = " ".join(pragma.split())  # errors are one line, even for a pragma spread over several
        super().__init__(f"{where}invalid pragma solidity '{shown}': {' '.join(str(cause).split())}")


class UnsatisfiablePragma(SolcError):
    """`clash`: (imported unit, its pragma) when the file's own pragma is satisfiable but not together
    with that import's, so the message names the import to upgrade or pin."""

    def __init__(self, file: str | Path | None, pragma: str, clash: tuple[str, str] | None = None) -> None:
        self.file, self.pragma, self.clash = file, pragma, clash
        where = f"{file}: " if file else ""
        if clash:
            super().__init__(f"{where}no known solc release satisfies both its pragma solidity '{pragma}' "
                             f"and '{clash[1]}' of imported '{clash[0]}'")
        else:
            super().__init__(f"{where}no known solc release satisfies pragma solidity '{pragma}'")


class SolcUnavailable(SolcError):
    """No working compiler for a version: not installable, broken package, or offline."""


class CompilerBroken(SolcUnavailable):
    """The compiler for a version is installed but does not load (e.g. npm `solc@0.4.0` ships HTML)."""


class GroupFailed(SolcError):
    """solc failed on several files compiled together without naming one of them (solc-js's stack
    cannot take an input much over a megabyte; a crash names no file): compile them in smaller
    groups."""
