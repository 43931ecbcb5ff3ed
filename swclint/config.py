"""`[tool.swclint]` in pyproject.toml or `.swclint.toml`, merged under the CLI options."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the cause."""


@dataclass
class Options:
    """Every knob a run takes. Defaults here, then config file, then CLI flags."""

    exclude: list[str] = field(default_factory=list)
    default_excludes: bool = True
    fail_on: str = "low"  # low|medium|high|none
    disable: list[str] = field(default_factory=list)  # SWC ids never reported
    solc_version: str | None = None  # pin, overrides pragmas
    solc_path: str | None = None
    remappings: list[str] = field(default_factory=list)
    all_checks: bool = False
    llm: bool | None = None  # None = auto (on when the ML extra is installed)
    backend: str = "hf"
    adapter: str | None = None
    endpoint: str | None = None
    llm_threshold: float = 0.8
    llm_scope: str = "findings"  # findings|candidates|all
    llm_cache: bool = True  # reuse cached model answers for unchanged functions
    llm_fix: bool = False  # on request: verified fixes for findings at/above fail_on (slow on CPU)
    jobs: int = 0  # 0 = number of cores
    timeout: float = 300.0  # seconds per compile group / analysis
    max_file_bytes: int = 2_000_000
    show_suppressed: bool = False
    report_unused_suppressions: bool = False
    baseline: str | None = None
    cache: bool = True  # reuse static results of unchanged files (result_cache.py)
    diff_base: str | None = None  # only report findings on lines changed since this git revision
    min_confidence: float = 0.0  # hide findings whose confidence (measured precision) is lower

    def update(self, values: dict, source: str) -> None:
        """Set `values` (config keys or CLI option names) after checking each; ConfigError names the
        source, the key and what is allowed."""
        hints = _hints()
        for key, value in values.items():
            name = str(key).replace("-", "_")
            if name not in hints or (source != "command line" and name.replace("_", "-") in CLI_ONLY_FIELDS):
                table = "[tool.swclint] " if source.endswith("pyproject.toml") else ""
                raise ConfigError(f"{source}: {table}{_unknown_key(str(key))}")
            try:
                value = check_value(name, value, hints[name])
            except ValueError as exc:
                raise ConfigError(f"{source}: {_show(key, value, source)}: {exc}") from None
            setattr(self, name, value)


# --- validation ---------------------------------------------------------------------------------
# Options' fields are the one list of keys (config file and CLI share them) and their annotations
# the types; ALLOWED adds the values a field accepts beyond its type. A new field is validated by
# its type as soon as it exists; give it an ALLOWED entry when only some values make sense.

SEVERITY_CHOICES = ("info", "low", "medium", "high", "none")
_VERSION = re.compile(r"\d+\.\d+\.\d+")
_RULE_ID = re.compile(r"(?i)SWC-\d{3}|[a-z][\w-]*/[\w-]+")  # SWC-107, or slither/<check> for --all-checks
CLI_ONLY = {"format": "--format", "output": "--output", "category": "--category", "color": "--color",
            "config": "--config", "paths": "PATHS"}
# Options fields a config file must not set: a stored diff base would also narrow `baseline create`.
CLI_ONLY_FIELDS = {"diff-base": "--diff-base"}


def _choices(*allowed: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value in allowed:
            return None
        near = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f' (did you mean "{near[0]}"?)' if near else ""
        return f"use one of {', '.join(allowed)}{hint}"
    return check


def _at_least(low: float, *, strict: bool = False) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        ok = value > low if strict else value >= low  # type: ignore[operator]
        return None if ok else f"must be {'greater than' if strict else 'at least'} {low:g}"
    return check


def _between(low: float, high: float) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"  # type: ignore[operator]
    return check


def _each(pattern: re.Pattern[str], what: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        bad = [v for v in value if not pattern.fullmatch(v)]  # type: ignore[union-attr]
        return f"{bad[0]!r} is not {what}" if bad else None
    return check


ALLOWED: dict[str, Callable[[object], str | None]] = {
    "fail_on": _choices(*SEVERITY_CHOICES),
    "backend": _choices("hf", "openai", "none"),
    "llm_scope": _choices("findings", "candidates", "all"),
    "llm_threshold": _between(0.0, 1.0),
    "min_confidence": _between(0.0, 1.0),
    "jobs": _at_least(0),
    "timeout": _at_least(0, strict=True),
    "max_file_bytes": _at_least(1),
    "solc_version": lambda v: None if _VERSION.fullmatch(str(v)) else "use a release such as \"0.8.26\"",
    "disable": _each(_RULE_ID, "a rule id such as SWC-107"),
    "remappings": _each(re.compile(r"[^=]+=.*"), "a remapping prefix=target"),
}

_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _hints() -> dict[str, object]:
    return typing.get_type_hints(Options)


def check_value(name: str, value: object, hint: object) -> object:
    """`value` converted to the field's type, or ValueError saying what the field accepts."""
    args = typing.get_args(hint)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if optional else hint
    if value is None and optional:
        return None
    if typing.get_origin(base) is list:
        if isinstance(value, str):
            value = [value]  # a lone glob or id is a one-element list
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        value = list(value)
    elif base is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected {_TYPE_WORDS[float]}")
        value = float(value)
    elif base in _TYPE_WORDS and (not isinstance(value, base) or (base is int and isinstance(value, bool))):
        raise ValueError(f"expected {_TYPE_WORDS[base]}")  # type: ignore[index]
    problem = ALLOWED[name](value) if name in ALLOWED else None
    if problem:
        raise ValueError(problem)
    return value


def _show(key: object, value: object, source: str) -> str:
    """`key = value` as the user wrote it (TOML in a file, the option on the command line)."""
    if source == "command line":
        return f"--{str(key).replace('_', '-')} {value}"
    try:
        text = json.dumps(value, ensure_ascii=False)  # JSON scalars and arrays read as TOML here
    except (TypeError, ValueError):
        text = repr(value)
    table = "[tool.swclint] " if source.endswith("pyproject.toml") else ""
    return f"{table}{key} = {text}"


def _unknown_key(key: str) -> str:
    dashed = key.replace("_", "-")
    if dashed in CLI_ONLY or dashed in CLI_ONLY_FIELDS:
        flag = CLI_ONLY.get(dashed) or CLI_ONLY_FIELDS[dashed]
        return f"'{key}' is not a config key; give it on the command line ({flag})"
    keys = sorted(name.replace("_", "-") for name in _hints())
    near = difflib.get_close_matches(dashed, keys, n=1, cutoff=0.6)
    if near:
        return f"unknown key '{key}' (did you mean '{near[0]}'?)"
    return f"unknown key '{key}'; known keys: {', '.join(keys)}"


def find_config(start: Path) -> Path | None:
    """The nearest `.swclint.toml`, or `pyproject.toml` with a [tool.swclint] table, upwards."""
    for d in [start.resolve(), *start.resolve().parents]:
        dot = d / ".swclint.toml"
        if dot.is_file():
            return dot
        py = d / "pyproject.toml"
        if py.is_file():
            try:
                if "swclint" in tomllib.loads(py.read_text(errors="replace")).get("tool", {}):
                    return py
            except tomllib.TOMLDecodeError:
                continue
        if (d / ".git").exists():
            break
    return None


def load_config(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("swclint", {})
    elif "tool" in data and "swclint" in data["tool"]:
        data = data["tool"]["swclint"]
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.swclint] must be a table")
    return data
