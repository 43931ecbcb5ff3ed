"""The Finding record and the merge step: one finding per SWC class x location, all evidence kept."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

SEVERITIES = ("info", "low", "medium", "high")


def severity_rank(severity: str) -> int:
    """Order severities so `--fail-on` can compare them (`none` ranks above everything)."""
    if severity == "none":
        return len(SEVERITIES)
    return SEVERITIES.index(severity)


@dataclass(frozen=True, order=True)
class Location:
    """A source region. `path` is relative to the analysis root, POSIX separators; lines/cols 1-based."""

    path: str
    start_line: int
    end_line: int
    start_col: int = 1
    end_col: int = 1


@dataclass(frozen=True)
class Evidence:
    """One source of evidence for a finding, e.g. `slither:reentrancy-eth` or `llm:swclint-gemma-3-270m`."""

    source: str
    confidence: float  # 0..1
    detail: str = ""


@dataclass(frozen=True)
class Suppression:
    """Why a finding is hidden: `inSource` (a swclint-disable comment) or `external` (baseline)."""

    kind: str  # "inSource" | "external"
    justification: str = ""


@dataclass
class Finding:
    swc_id: str  # "SWC-107"
    title: str
    severity: str  # one of SEVERITIES
    confidence: float  # 0..1, combined over evidence
    location: Location
    message: str
    remediation: str = ""  # the one advice text: the rule catalog's for swc_id
    contract: str = ""
    function: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    fix: str | None = None  # the model's suggested replacement source for the region, when it wrote one
    fix_location: Location | None = None  # the region `fix` replaces (the whole function), once verified
    suppression: Suppression | None = None
    triage: str = ""  # "doubted" | "confirmed" when the model re-ranked a static finding (llm/triage.py)

    @property
    def sort_key(self) -> tuple:
        return (self.location, self.swc_id, self.function, self.message)

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)


def confidence_label(value: float) -> str:
    if value >= 0.8:
        return "high"
    if value >= 0.5:
        return "medium"
    return "low"


def combine_confidence(values: list[float]) -> float:
    """Noisy-OR: independent pieces of evidence for the same flaw reinforce each other."""
    miss = 1.0
    for v in values:
        miss *= 1.0 - max(0.0, min(1.0, v))
    return round(1.0 - miss, 4)


def _same_place(a: Finding, b: Finding) -> bool:
    if a.swc_id != b.swc_id or a.location.path != b.location.path:
        return False
    if a.function and a.function == b.function and a.contract == b.contract:
        return True
    return a.location.start_line == b.location.start_line


def _model_only(f: Finding) -> bool:
    return bool(f.evidence) and all(e.source.startswith("llm:") for e in f.evidence)


def _leads(f: Finding, m: Finding) -> bool:
    """`f`, merged into `m`, is the more severe static finding and pins no wider a region."""
    return (severity_rank(f.severity) > severity_rank(m.severity) and not _model_only(f)
            and f.location.end_line - f.location.start_line <= m.location.end_line - m.location.start_line)


def merge(findings: list[Finding]) -> list[Finding]:
    """Collapse findings of the same SWC class at the same place (same function, or same line).

    The earliest, narrowest region leads, unless a later static finding there is more severe and no
    wider: then its statement and message lead, so the report points at what earned the severity.
    Evidence from every source is kept (the lead's first) and confidence is combined. Output order
    is deterministic.
    """
    merged: list[Finding] = []
    # Static evidence pins the region (a call line beats a whole function), so it comes first.
    for f in sorted(findings, key=lambda f: (f.location.path, f.swc_id, _model_only(f), f.location.start_line,
                                             f.location.end_line - f.location.start_line, f.message)):
        for i, m in enumerate(merged):
            if _same_place(m, f):
                lead, other = (f, m) if _leads(f, m) else (m, f)
                evidence = list(lead.evidence)
                for e in other.evidence:
                    if e not in evidence:
                        evidence.append(e)
                best_by_source: dict[str, float] = {}
                for e in evidence:
                    best_by_source[e.source] = max(best_by_source.get(e.source, 0.0), e.confidence)
                severity = max(m.severity, f.severity, key=severity_rank)
                merged[i] = replace(
                    lead,
                    evidence=evidence,
                    confidence=combine_confidence(list(best_by_source.values())),
                    severity=severity,
                    fix=m.fix or f.fix,
                )  # what the model's evidence means for the message is llm/triage.py's call
                break
        else:
            merged.append(f)
    return sorted(merged, key=lambda f: f.sort_key)


@dataclass(frozen=True)
class FileError:
    """A per-file problem: which file, which stage failed (read, compile, analyze, llm, limit,
    suppress, output), and the cause. Rendered as one line, never a traceback."""

    path: str
    stage: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.stage} error: {self.message}"


@dataclass
class RunResult:
    """Everything one run produced; the reporters only read this."""

    root: str  # absolute path the reported paths are relative to
    findings: list[Finding] = field(default_factory=list)  # suppressed ones included, flagged
    errors: list[FileError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # relative paths that were analysed (at least partly)
    sources: dict[str, str] = field(default_factory=dict)  # relative path -> text, for code frames/hashes
    unused_suppressions: list[FileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line notices (e.g. "model: off")
    tool_version: str = ""
