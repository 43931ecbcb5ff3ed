"""The human-readable report: one block per finding with a code frame, remediation and any model fix."""

from __future__ import annotations

from typing import Any, TextIO

from swclint.findings import SEVERITIES, Finding, RunResult
from swclint.report import default_catalog, visible
from swclint.report.json_report import summary

CONTEXT_LINES = 2
MAX_FLAGGED_LINES = 6  # longer regions (whole functions) are cut in the frame
SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}

Segment = tuple[str, str]  # (text, rich style or "")
Line = list[Segment]


def code_frame(finding: Finding, source: str) -> list[Line]:
    """Context lines around the flagged region, flagged lines marked with '>'."""
    lines = source.splitlines()
    start, end = finding.location.start_line, max(finding.location.end_line, finding.location.start_line)
    if not lines or start < 1 or start > len(lines):
        return []
    shown_end = min(end, start + MAX_FLAGGED_LINES - 1)
    first, last = max(1, start - CONTEXT_LINES), min(len(lines), end + CONTEXT_LINES)
    width = len(str(last))
    frame: list[Line] = []
    for n in range(first, last + 1):
        if shown_end < n <= end:
            if n == shown_end + 1:
                frame.append([(f"    {'':>{width}} | ...", "dim")])
            continue
        flagged = start <= n <= end
        mark = ">" if flagged else " "
        frame.append([(f"  {mark} {n:>{width}} | ", "bold" if flagged else "dim"),
                      (lines[n - 1].rstrip(), "" if flagged else "dim")])
    return frame


def _remediation(f: Finding, catalog: dict[str, Any] | None) -> str:
    """The finding's remediation; the catalog's for its SWC id when the finding carries none."""
    if f.remediation:
        return f.remediation
    rule = (catalog or {}).get(f.swc_id)
    return getattr(rule, "remediation", "") if rule is not None else ""


def finding_lines(f: Finding, source: str, catalog: dict[str, Any] | None) -> list[Line]:
    loc = f.location
    head: Line = [(f"{loc.path}:{loc.start_line}:{loc.start_col}: ", "bold"),
                  (f"{f.swc_id} {f.title} ", "bold"),
                  (f"[{f.severity}, confidence {f.confidence_label}]", SEVERITY_STYLE.get(f.severity, ""))]
    if f.suppression is not None:
        why = f" -- {f.suppression.justification}" if f.suppression.justification else ""
        head.append((f" (suppressed: {f.suppression.kind}{why})", "dim"))
    out: list[Line] = [head, [(f"  {f.message}", "")]]
    out += code_frame(f, source)
    if f.evidence:
        ev = ", ".join(f"{e.source} ({e.confidence:.2f})" for e in f.evidence)
        out.append([("  evidence: ", "dim"), (ev, "")])
    remediation = _remediation(f, catalog)
    if remediation:
        out.append([("  remediation: ", "green"), (remediation, "")])
    if f.fix:  # the model's code, kept apart from the rule's remediation text
        out.append([("  suggested replacement:", "green")])
        out += [[(f"    + {line}", "green")] for line in f.fix.splitlines()]
    return out


def summary_line(result: RunResult) -> str:
    s = summary(result)
    parts = [f"{s['by_severity'][sev]} {sev}" for sev in reversed(SEVERITIES) if s["by_severity"][sev]]
    text = f"{s['findings']} finding{'s' if s['findings'] != 1 else ''}"
    if parts:
        text += f" ({', '.join(parts)})"
    text += f" in {s['files']} file{'s' if s['files'] != 1 else ''}"
    if s["suppressed"]:
        text += f", {s['suppressed']} suppressed"
    if s["errors"]:
        text += f", {s['errors']} error{'s' if s['errors'] != 1 else ''}"
    return text


def report_lines(result: RunResult, show_suppressed: bool, catalog: dict[str, Any] | None) -> list[Line]:
    findings = visible(result, show_suppressed)
    if catalog is None and any(not f.remediation for f in findings):
        catalog = default_catalog(None)
    lines: list[Line] = []
    for f in findings:
        lines += finding_lines(f, result.sources.get(f.location.path, ""), catalog)
        lines.append([])
    for e in sorted(result.errors, key=lambda e: (e.path, e.line or 0, e.stage, e.message)):
        lines.append([("error: ", "bold red"), (str(e), "")])
    for e in sorted(result.unused_suppressions, key=lambda e: (e.path, e.line or 0, e.message)):
        where = f"{e.path}:{e.line}" if e.line else e.path
        lines.append([("warning: ", "yellow"), (f"{where}: {e.message}", "")])
    for note in result.notes:
        lines.append([("note: ", "dim"), (note, "")])
    lines.append([(summary_line(result), "bold")])
    return lines


def write_text(result: RunResult, out: TextIO, *, color: bool = False, show_suppressed: bool = False,
               catalog: dict[str, Any] | None = None) -> None:
    lines = report_lines(result, show_suppressed, catalog)
    if not color:
        out.write("".join("".join(text for text, _ in line).rstrip() + "\n" for line in lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, force_terminal=True, color_system="standard", highlight=False,
                      markup=False, emoji=False, soft_wrap=True)
    for line in lines:
        console.print(Text.assemble(*[(text, style) if style else text for text, style in line]))
