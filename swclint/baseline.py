"""Baseline files: accept today's findings so that only new ones fail the build.

Entries are matched on (ruleId, path, fingerprint) — never on line numbers — so a baseline keeps
working while the code around old findings moves.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from swclint import __version__
from swclint.findings import Finding, RunResult, Suppression
from swclint.report.fingerprint import fingerprint_all

BASELINE_VERSION = 1
DEFAULT_PATH = ".swclint-baseline.json"


class BaselineError(Exception):
    """A baseline file that cannot be read or written; str() is a one-line message naming the file."""

    def __init__(self, path: str | Path, cause: str):
        super().__init__(f"{path}: bad baseline file: {cause}")
        self.path = str(path)
        self.cause = cause


def entries(findings: list[Finding], sources: dict[str, str]) -> list[dict[str, str]]:
    """Baseline entries for findings not suppressed in source, sorted."""
    rows = [
        {"ruleId": f.swc_id, "path": f.location.path, "fingerprint": fp, "message": f.message}
        for f, fp in zip(findings, fingerprint_all(findings, sources), strict=True)
        if f.suppression is None or f.suppression.kind != "inSource"
    ]
    return sorted(rows, key=lambda r: (r["path"], r["ruleId"], r["fingerprint"], r["message"]))


def create(result: RunResult, path: str | Path = DEFAULT_PATH) -> int:
    """Write a baseline of the run's findings to `path`; returns the number of entries.

    An unwritable path raises OSError (the caller names the file); reading problems raise BaselineError.
    """
    rows = entries(result.findings, result.sources)
    doc = {"version": BASELINE_VERSION, "tool": "swclint",
           "toolVersion": result.tool_version or __version__, "entries": rows}
    Path(path).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(rows)


def load(path: str | Path) -> set[tuple[str, str, str]]:
    """The (ruleId, path, fingerprint) keys in a baseline file."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(path, "file not found (create one with 'swclint baseline create')") from None
    except OSError as e:
        raise BaselineError(path, e.strerror or str(e)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BaselineError(path, f"not valid JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise BaselineError(path, "expected an object with an 'entries' list")
    if doc.get("version") != BASELINE_VERSION:
        raise BaselineError(path, f"unsupported version {doc.get('version')!r} (expected {BASELINE_VERSION})")
    keys: set[tuple[str, str, str]] = set()
    for i, e in enumerate(doc["entries"]):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("ruleId", "path",
                                                                                  "fingerprint")):
            raise BaselineError(path, f"entry {i} needs string fields ruleId, path and fingerprint")
        keys.add((e["ruleId"], e["path"], e["fingerprint"]))
    return keys


def apply(findings: list[Finding], sources: dict[str, str], path: str | Path) -> list[Finding]:
    """Copies of `findings` with those in the baseline marked Suppression("external", "baseline")."""
    known = load(path)
    out = []
    for f, fp in zip(findings, fingerprint_all(findings, sources), strict=True):
        if f.suppression is None and (f.swc_id, f.location.path, fp) in known:
            f = replace(f, suppression=Suppression("external", "baseline"))
        out.append(f)
    return out
