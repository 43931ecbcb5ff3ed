"""Where swclint keeps its caches (compilers, converted models, model answers)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$SWCLINT_CACHE_DIR, else $XDG_CACHE_HOME/swclint, else ~/.cache/swclint."""
    if os.environ.get("SWCLINT_CACHE_DIR"):
        return Path(os.environ["SWCLINT_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "swclint"
