"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import SHARED


@pytest.fixture

def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED
