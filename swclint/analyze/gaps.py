"""What Slither could not see in a file, as the errors of a run say it (no Slither import needed)."""

from __future__ import annotations

from ..findings import FileError

PARTIAL = "analysed partially"  # FileError message prefix: the file is in the report, with gaps
FAILED = "Slither failed"  # FileError message prefix: Slither saw none of the unit


def static_gap(error: FileError) -> bool:
    """Code Slither could not see: it failed on the file, or built no IR for some of its functions."""
    return error.stage == "analyze" and error.message.startswith((FAILED, PARTIAL))
