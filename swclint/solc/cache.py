"""Where the solc layer keeps its files: `$SWCLINT_CACHE_DIR/solc`, else `$XDG_CACHE_HOME/swclint/solc`."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("SWCLINT_CACHE_DIR")
    if base:
        return Path(base).expanduser() / "solc"
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return root / "swclint" / "solc"
