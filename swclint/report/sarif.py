"""SARIF 2.1.0 in the shape GitHub code scanning consumes (see DESIGN.md).

`rules[]` is generated from the rule catalog for the rules that occur; suppressed findings stay in
the log with `suppressions[]`; per-file errors become tool execution notifications. Output is
deterministic: no timestamps, sorted keys, findings in report order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from swclint import __version__
from swclint.findings import FileError, Finding, RunResult
from swclint.report import default_catalog
from swclint.report.fingerprint import fingerprint_all

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/swclint/swclint"
SRCROOT = "%SRCROOT%"
MAX_FULL_DESCRIPTION = 1024
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}


def level(severity: str) -> str:
    return LEVELS.get(severity, "note")


def _sentence(text: str) -> str:
    """Trimmed text ending in a period (SARIF validators expect full sentences)."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def _pascal(name: str) -> str:
    """SARIF wants a rule `name` that is a single PascalCase identifier."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
        return name
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w) or "Rule"


def _cwe(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    return text.upper() if text.upper().startswith("CWE-") else f"CWE-{text}"


def _rule_attr(rule: Any, name: str, default: Any = "") -> Any:
    value = getattr(rule, name, default)
    return default if value is None else value


def rule_descriptor(swc_id: str, rule: Any, fallback: Finding) -> dict[str, Any]:
    """One `reportingDescriptor` from a catalog Rule (or, if the catalog lacks it, the finding)."""
    title = _rule_attr(rule, "title") or fallback.title or swc_id
    description = _rule_attr(rule, "description") or fallback.message
    remediation = _rule_attr(rule, "remediation") or fallback.remediation
    example = _rule_attr(rule, "fix_example")
    cwe, cwe_title = _cwe(_rule_attr(rule, "cwe")), _rule_attr(rule, "cwe_title")
    help_uri = _rule_attr(rule, "help_uri") or f"https://swcregistry.io/docs/{swc_id}"
    severity = _rule_attr(rule, "severity") or fallback.severity

    help_text = [_sentence(description)]
    help_md = [f"**{swc_id}: {title}**" + (f" ({cwe}: {cwe_title})" if cwe and cwe_title else ""),
               _sentence(description)]
    if remediation:
        help_text.append(f"Remediation: {_sentence(remediation)}")
        help_md += ["### Remediation", _sentence(remediation)]
    if example:
        help_text.append(f"Example fix:\n{example.rstrip()}")
        help_md += ["### Example fix", f"```solidity\n{example.rstrip()}\n```"]
    help_md.append(f"See the [SWC registry entry]({help_uri}).")

    tags = ["security", swc_id]
    if cwe:
        tags += [cwe, f"external/cwe/{cwe.lower()}"]
    tags += [t for t in _rule_attr(rule, "tags", []) if t not in tags]
    properties: dict[str, Any] = {"tags": tags}
    if _rule_attr(rule, "precision"):
        properties["precision"] = _rule_attr(rule, "precision")
    if _rule_attr(rule, "security_severity"):
        properties["security-severity"] = str(_rule_attr(rule, "security_severity"))
    return {
        "id": swc_id,
        "name": _pascal(_rule_attr(rule, "name") or title),
        "shortDescription": {"text": _sentence(title)},
        "fullDescription": {"text": _clip(_sentence(description), MAX_FULL_DESCRIPTION)},
        "help": {"text": "\n\n".join(help_text), "markdown": "\n\n".join(help_md)},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": level(severity)},
        "properties": properties,
    }


def _artifact(path: str) -> dict[str, str]:
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def region(finding: Finding, source: str) -> dict[str, int]:
    loc = finding.location
    start_line, start_col = max(loc.start_line, 1), max(loc.start_col, 1)
    end_line = max(loc.end_line, start_line)
    r = {"startLine": start_line, "startColumn": start_col, "endLine": end_line}
    end_col = loc.end_col
    if end_col <= 1 or (end_line == start_line and end_col <= start_col):
        # Column unknown: extend to the end of the last flagged line when we have the source.
        lines = source.splitlines()
        end_col = len(lines[end_line - 1]) + 1 if end_line <= len(lines) else 0
    if end_col > (start_col if end_line == start_line else 0):
        r["endColumn"] = end_col
    return r


def _message(f: Finding, remediation: str) -> str:
    parts = [_sentence(f.message)]
    if f.fix:
        parts.append("Suggested replacement:\n" + f.fix.rstrip())
    if remediation:
        parts.append("Fix: " + _sentence(remediation))
    elif f.fix:
        parts.append("Fix: apply the suggested replacement.")
    return "\n".join(parts)


def result_object(f: Finding, rule_index: int, fingerprint: str, source: str,
                  remediation: str) -> dict[str, Any]:
    reg = region(f, source)
    physical = {"artifactLocation": _artifact(f.location.path), "region": reg}
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.function or f.contract:
        name = ".".join(p for p in (f.contract, f.function) if p)
        location["logicalLocations"] = [{"fullyQualifiedName": name,
                                         "kind": "function" if f.function else "type"}]
    res: dict[str, Any] = {
        "ruleId": f.swc_id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": _message(f, remediation)},
        "locations": [location],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        "properties": {
            "severity": f.severity,
            "confidence": f.confidence,
            "evidence": [{"source": e.source, "confidence": e.confidence, "detail": e.detail}
                         for e in f.evidence],
        },
    }
    if f.fix:
        res["fixes"] = [{
            "description": {"text": _sentence(remediation) or "Apply the suggested replacement."},
            "artifactChanges": [{
                "artifactLocation": _artifact(f.location.path),
                "replacements": [{"deletedRegion": reg, "insertedContent": {"text": f.fix}}],
            }],
        }]
    if f.suppression is not None:
        sup: dict[str, Any] = {"kind": f.suppression.kind, "status": "accepted"}
        if f.suppression.justification:
            sup["justification"] = f.suppression.justification
        res["suppressions"] = [sup]
    return res


def notification(e: FileError, level_: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(e.path)}
    if e.line:
        physical["region"] = {"startLine": e.line}
    return {
        "level": level_,
        "message": {"text": _sentence(f"{e.stage} error: {e.message}" if level_ == "error" else e.message)},
        "locations": [{"physicalLocation": physical}],
        "properties": {"stage": e.stage},
    }


def _root_uri(root: str) -> str:
    uri = Path(root or ".").absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def to_sarif(result: RunResult, catalog: dict[str, Any] | None = None,
             automation_id: str | None = None) -> dict[str, Any]:
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    catalog = default_catalog(catalog) if findings else (catalog or {})
    fingerprints = fingerprint_all(findings, result.sources)

    first_by_rule: dict[str, Finding] = {}
    for f in findings:
        first_by_rule.setdefault(f.swc_id, f)
    rule_ids = sorted(first_by_rule)
    rules = [rule_descriptor(r, catalog.get(r), first_by_rule[r]) for r in rule_ids]
    index = {r: i for i, r in enumerate(rule_ids)}

    results = []
    for f, fp in zip(findings, fingerprints, strict=True):
        rule = catalog.get(f.swc_id)
        remediation = f.remediation or (_rule_attr(rule, "remediation") if rule is not None else "")
        results.append(result_object(f, index[f.swc_id], fp, result.sources.get(f.location.path, ""),
                                     remediation))

    errors = sorted(result.errors, key=lambda e: (e.path, e.line or 0, e.stage, e.message))
    unused = sorted(result.unused_suppressions, key=lambda e: (e.path, e.line or 0, e.message))
    invocation: dict[str, Any] = {"executionSuccessful": bool(result.files) or not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [notification(e, "error") for e in errors]
    if unused:
        invocation["toolConfigurationNotifications"] = [notification(e, "warning") for e in unused]

    version = result.tool_version or __version__
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "swclint", "version": version, "semanticVersion": version,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(result.root)}},
        "invocations": [invocation],
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    if automation_id:
        run["automationDetails"] = {"id": automation_id}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write_sarif(result: RunResult, out: TextIO, *, catalog: dict[str, Any] | None = None,
                automation_id: str | None = None) -> None:
    out.write(json.dumps(to_sarif(result, catalog, automation_id), indent=2, sort_keys=True,
                         ensure_ascii=False) + "\n")
