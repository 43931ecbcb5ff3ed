"""Stable fingerprints for findings, in the shape of GitHub's `primaryLocationLineHash`.

The hash covers what the finding is about (SWC id, contract, function and the flagged source text
with whitespace collapsed) but not where it sits, so inserting unrelated lines above a finding keeps
its fingerprint; the `:N` suffix tells apart identical findings in one file.
"""

from __future__ import annotations

import hashlib
import re

from swclint.findings import Finding

_WS = re.compile(r"\s+")


def flagged_text(finding: Finding, source_text: str) -> str:
    """The flagged line(s) with runs of whitespace collapsed to one space."""
    lines = source_text.splitlines()
    start = max(finding.location.start_line, 1)
    end = max(finding.location.end_line, start)
    return _WS.sub(" ", " ".join(lines[start - 1 : end])).strip()


def line_key(finding: Finding, source_text: str) -> str:
    """16 hex digits identifying the finding independently of its line number."""
    text = flagged_text(finding, source_text)
    if not text:
        # No source to hash (unreadable file): fall back to the message, which our detectors
        # phrase without line numbers.
        text = _WS.sub(" ", finding.message).strip()
    key = "\0".join((finding.swc_id, finding.contract, finding.function, text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def primary_location_line_hash(finding: Finding, source_text: str, occurrence: int = 1) -> str:
    """`<line_key>:<occurrence>`; `occurrence` is 1-based among findings with the same key."""
    return f"{line_key(finding, source_text)}:{occurrence}"


def fingerprint_all(findings: list[Finding], sources: dict[str, str]) -> list[str]:
    """Fingerprints for `findings`, in their order, numbering identical keys per file by position."""
    keys = [(f.location.path, line_key(f, sources.get(f.location.path, ""))) for f in findings]
    order = sorted(range(len(findings)), key=lambda i: (keys[i], findings[i].location))
    seen: dict[tuple[str, str], int] = {}
    result = [""] * len(findings)
    for i in order:
        seen[keys[i]] = seen.get(keys[i], 0) + 1
        result[i] = f"{keys[i][1]}:{seen[keys[i]]}"
    return result
