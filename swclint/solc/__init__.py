"""The solc layer: pragma → version, compilers (native or solc-js from npm), standard-JSON compile."""

from swclint.solc.compile import CompileResult, Diagnostic, compile_files, compile_group, plan
from swclint.solc.errors import CompilerBroken, InvalidPragma, SolcError, SolcUnavailable, UnsatisfiablePragma
from swclint.solc.providers import (
    Solc,
    get_solc,
    get_solc_for,
    install,
    installed_versions,
    list_versions,
)
from swclint.solc.versions import Constraint, known_releases, parse_constraint, resolve

__all__ = [
    "CompileResult",
    "CompilerBroken",
    "Constraint",
    "Diagnostic",
    "InvalidPragma",
    "Solc",
    "SolcError",
    "SolcUnavailable",
    "UnsatisfiablePragma",
    "compile_files",
    "compile_group",
    "get_solc",
    "get_solc_for",
    "install",
    "installed_versions",
    "known_releases",
    "list_versions",
    "parse_constraint",
    "plan",
    "resolve",
]
