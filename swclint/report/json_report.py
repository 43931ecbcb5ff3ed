"""The JSON report: a stable, documented object for scripts.

    {
      "version": 1,
      "tool": {"name": "swclint", "version": "0.1.0"},
      "findings": [{
          "swc_id", "title", "severity", "confidence", "confidence_label",
          "location": {"path", "start_line", "end_line", "start_col", "end_col"},
          "message", "remediation", "contract", "function",
          "evidence": [{"source", "confidence", "detail"}],
          "fix": str | null, "fix_location": {...} | null, "fingerprint": "<16 hex>:<n>",
          "triage": "" | "doubted" | "confirmed",   # the model re-ranked a static finding
          "suppressed": bool, "suppression": {"kind", "justification"} | null
      }, ...],                                     # all findings, suppressed ones flagged
      "errors": [{"path", "stage", "message", "line"}],
      "unused_suppressions": [{"path", "stage", "message", "line"}],
      "notes": [str],
      "summary": {"findings", "by_severity": {"high", "medium", "low", "info"}, "suppressed",
                  "files", "errors"}
    }

`remediation` is the one advice text: the catalog's (rules/SWC-*.toml) for the finding's SWC class.
`fix` is separate: the model's suggested replacement source, or null. `evidence[].detail` is what a
tool said, never advice.

Keys are sorted and findings are in report order, so equal input gives byte-equal output.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from swclint import __version__
from swclint.findings import SEVERITIES, FileError, Finding, RunResult
from swclint.report.fingerprint import fingerprint_all

JSON_VERSION = 1


def summary(result: RunResult) -> dict[str, Any]:
    """Counts of unsuppressed findings by severity, suppressed findings, files and errors."""
    active = [f for f in result.findings if f.suppression is None]
    return {
        "findings": len(active),
        "by_severity": {s: sum(f.severity == s for f in active) for s in SEVERITIES},
        "suppressed": len(result.findings) - len(active),
        "files": len(result.files),
        "errors": len(result.errors),
    }


def finding_dict(f: Finding, fingerprint: str) -> dict[str, Any]:
    d = asdict(f)
    d["confidence_label"] = f.confidence_label
    d["fingerprint"] = fingerprint
    d["suppressed"] = f.suppression is not None
    return d


def _error_dict(e: FileError) -> dict[str, Any]:
    return asdict(e)


def to_dict(result: RunResult) -> dict[str, Any]:
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    fingerprints = fingerprint_all(findings, result.sources)
    return {
        "version": JSON_VERSION,
        "tool": {"name": "swclint", "version": result.tool_version or __version__},
        "findings": [finding_dict(f, fp) for f, fp in zip(findings, fingerprints, strict=True)],
        "errors": [_error_dict(e) for e in sorted(result.errors, key=_error_order)],
        "unused_suppressions": [_error_dict(e) for e in sorted(result.unused_suppressions, key=_error_order)],
        "notes": list(result.notes),
        "summary": summary(result),
    }


def _error_order(e: FileError) -> tuple:
    return (e.path, e.line or 0, e.stage, e.message)


def write_json(result: RunResult, out: TextIO) -> None:
    out.write(json.dumps(to_dict(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
