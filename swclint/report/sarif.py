"""SARIF 2.1.0 in the shape GitHub code scanning consumes (see docs/ARCHITECTURE.md).

The log is built with `sarif-om`'s object model and serialised by `jschema-to-python`, the pair
Microsoft publishes for Python SARIF producers; the serialiser leaves out properties that hold the
schema's default (a `warning` level, `startColumn` 1 ...), which SARIF consumers read the same.
`rules[]` is generated from the rule catalog for the rules that occur; suppressed findings stay in
the log with `suppressions[]`; per-file errors become tool execution notifications. Output is
deterministic: no timestamps, findings in report order, properties in the object model's order.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import attr
import sarif_om as om
from jschema_to_python.to_json import to_json

from swclint import __version__
from swclint.findings import FileError, Finding, RunResult
from swclint.precision import level as finding_level
from swclint.precision import precision_label, rule_level, rule_precision
from swclint.report import default_catalog
from swclint.report.fingerprint import fingerprint_all
from swclint.severity import finding_security_severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/swclint/swclint"
SRCROOT = "%SRCROOT%"
MAX_FULL_DESCRIPTION = 1024
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}


@attr.s
class Suppression(om.Suppression):
    """sarif-om 1.0.4 was generated from a pre-release schema that called this property `state`;
    SARIF 2.1.0 (and GitHub) read `status`."""

    status = attr.ib(default=None, metadata={"schema_property_name": "status"})


# The serialiser drops a `level` equal to the schema default ("warning"); these keep it, so every
# result, notification and rule states its level and consumers need not know SARIF's defaults.
@attr.s
class Result(om.Result):
    level = attr.ib(default=None, metadata={"schema_property_name": "level"})


@attr.s
class Notification(om.Notification):
    level = attr.ib(default=None, metadata={"schema_property_name": "level"})


@attr.s
class ReportingConfiguration(om.ReportingConfiguration):
    level = attr.ib(default=None, metadata={"schema_property_name": "level"})


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


def _text(text: str) -> om.MultiformatMessageString:
    return om.MultiformatMessageString(text=text)


def rule_descriptor(swc_id: str, rule: Any, fallback: Finding) -> om.ReportingDescriptor:
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
    measured = rule_precision(swc_id, tuple(_rule_attr(rule, "detectors", ())))
    properties["precision"] = precision_label(measured)  # measured: swclint/data/precision.json
    if _rule_attr(rule, "security_severity"):
        properties["security-severity"] = str(_rule_attr(rule, "security_severity"))
    return om.ReportingDescriptor(
        id=swc_id,
        name=_pascal(_rule_attr(rule, "name") or title),
        short_description=_text(_sentence(title)),
        full_description=_text(_clip(_sentence(description), MAX_FULL_DESCRIPTION)),
        help=om.MultiformatMessageString(text="\n\n".join(help_text), markdown="\n\n".join(help_md)),
        help_uri=help_uri,
        default_configuration=ReportingConfiguration(level=rule_level(severity, measured)),
        properties=properties,
    )


def _artifact(path: str) -> om.ArtifactLocation:
    return om.ArtifactLocation(uri=quote(path, safe="/"), uri_base_id=SRCROOT)


def region(finding: Finding, source: str) -> om.Region:
    loc = finding.location
    start_line, start_col = max(loc.start_line, 1), max(loc.start_col, 1)
    end_line = max(loc.end_line, start_line)
    end_col = loc.end_col
    if end_col <= 1 or (end_line == start_line and end_col <= start_col):
        # Column unknown: extend to the end of the last flagged line when we have the source.
        lines = source.splitlines()
        end_col = len(lines[end_line - 1]) + 1 if end_line <= len(lines) else 0
    known_end = end_col > (start_col if end_line == start_line else 0)
    return om.Region(start_line=start_line, start_column=start_col, end_line=end_line,
                     end_column=end_col if known_end else None)


def _message(f: Finding, remediation: str) -> str:
    parts = [_sentence(f.message)]
    if f.fix:
        parts.append("Suggested replacement:\n" + f.fix.rstrip())
    if remediation:
        parts.append("Fix: " + _sentence(remediation))
    elif f.fix:
        parts.append("Fix: apply the suggested replacement.")
    return "\n".join(parts)


def _fixes(f: Finding, reg: om.Region, source: str, remediation: str) -> list[om.Fix] | None:
    """A `fixes[]` entry for a verified fix, which replaces the whole function (`fix_location`)."""
    if not f.fix or f.fix_location is None:
        return None
    reg = region(dataclasses.replace(f, location=f.fix_location), source)
    return [om.Fix(
        description=om.Message(text=_sentence(remediation) or "Apply the suggested replacement."),
        artifact_changes=[om.ArtifactChange(
            artifact_location=_artifact(f.location.path),
            replacements=[om.Replacement(deleted_region=reg, inserted_content=om.ArtifactContent(text=f.fix))],
        )],
    )]


def result_object(f: Finding, rule_index: int, fingerprint: str, source: str,
                  remediation: str) -> om.Result:
    reg = region(f, source)
    logical = None
    if f.function or f.contract:
        name = ".".join(p for p in (f.contract, f.function) if p)
        logical = [om.LogicalLocation(fully_qualified_name=name, kind="function" if f.function else "type")]
    suppressions = None
    if f.suppression is not None:
        suppressions = [Suppression(kind=f.suppression.kind, status="accepted",
                                    justification=f.suppression.justification or None)]
    return Result(
        rule_id=f.swc_id,
        rule_index=rule_index,
        level=finding_level(f),  # severity capped by measured precision (swclint.precision)
        message=om.Message(text=_message(f, remediation)),
        locations=[om.Location(physical_location=om.PhysicalLocation(artifact_location=_artifact(f.location.path),
                                                                     region=reg),
                               logical_locations=logical)],
        partial_fingerprints={"primaryLocationLineHash": fingerprint},
        properties={
            "severity": f.severity,
            "confidence": f.confidence,
            "security-severity": finding_security_severity(f),  # lowered with the finding's context
            "evidence": [{"source": e.source, "confidence": e.confidence, "detail": e.detail}
                         for e in f.evidence],
            **({"triage": f.triage} if f.triage else {}),  # the model doubted or confirmed it (llm/triage.py)
        },
        fixes=_fixes(f, reg, source, remediation),
        suppressions=suppressions,
    )


def notification(e: FileError, level_: str) -> om.Notification:
    physical = om.PhysicalLocation(artifact_location=_artifact(e.path),
                                   region=om.Region(start_line=e.line) if e.line else None)
    return Notification(
        level=level_,
        message=om.Message(text=_sentence(f"{e.stage} error: {e.message}" if level_ == "error" else e.message)),
        locations=[om.Location(physical_location=physical)],
        properties={"stage": e.stage},
    )


def _root_uri(root: str) -> str:
    uri = Path(root or ".").absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def build_log(result: RunResult, catalog: dict[str, Any] | None = None,
              automation_id: str | None = None) -> om.SarifLog:
    """The whole log as sarif-om objects."""
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
    invocation = om.Invocation(
        execution_successful=bool(result.files) or not errors,
        tool_execution_notifications=[notification(e, "error") for e in errors] or None,
        tool_configuration_notifications=[notification(e, "warning") for e in unused] or None,
    )
    version = result.tool_version or __version__
    run = om.Run(
        tool=om.Tool(driver=om.ToolComponent(name="swclint", version=version, semantic_version=version,
                                             information_uri=INFORMATION_URI, rules=rules)),
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=_root_uri(result.root))},
        invocations=[invocation],
        column_kind="utf16CodeUnits",
        results=results,
        automation_details=om.RunAutomationDetails(id=automation_id) if automation_id else None,
    )
    return om.SarifLog(schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])


def to_sarif(result: RunResult, catalog: dict[str, Any] | None = None,
             automation_id: str | None = None) -> dict[str, Any]:
    """The log as plain JSON data (what `write_sarif` writes, parsed back)."""
    return json.loads(to_json(build_log(result, catalog, automation_id)))


def write_sarif(result: RunResult, out: TextIO, *, catalog: dict[str, Any] | None = None,
                automation_id: str | None = None) -> None:
    out.write(to_json(build_log(result, catalog, automation_id)) + "\n")
