"""`[tool.swclint]` in pyproject.toml or `.swclint.toml`, merged under the CLI options."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
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
    llm_scope: str = "candidates"  # candidates|all
    llm_cache: bool = True  # reuse cached model answers for unchanged functions
    llm_fix: bool = True  # generate a fix for each model-positive function (the slow part on CPU)
    jobs: int = 0  # 0 = number of cores
    timeout: float = 300.0  # seconds per compile group / analysis
    max_file_bytes: int = 2_000_000
    show_suppressed: bool = False
    report_unused_suppressions: bool = False
    baseline: str | None = None

    def update(self, values: dict, source: str) -> None:
        known = {f.name: f for f in fields(self)}
        for key, value in values.items():
            name = key.replace("-", "_")
            if name not in known:
                raise ConfigError(f"{source}: unknown key '{key}' in [tool.swclint]")
            setattr(self, name, value)


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
