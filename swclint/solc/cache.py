"""Where the solc layer keeps its files: `<cache root>/solc`."""

from __future__ import annotations

from pathlib import Path

from ..paths import cache_root


def cache_dir() -> Path:
    return cache_root() / "solc"
