"""Measured precision per check, and what derives from it: confidence, SARIF precision and level.

`swclint/data/precision.json` is written by `python -m bench.precision ... --write` (its `command`
and `corpus.sha256` say how): for every check (`slither:reentrancy-eth`, `swclint:swclint-tod`, ...)
the findings that fell on contracts a CGT dataset assessed for that SWC class (`judged`) and how many
of those the dataset calls a real weakness (`tp`). Nothing here is typed in by hand.

Thresholds (README, "Severity, confidence and levels"):

- a check is **measured** when at least `MIN_JUDGED` of its findings were judged; otherwise it keeps
  the conservative defaults below and `swclint rules` / SARIF say "unmeasured";
- a finding's **confidence** from a check is that check's precision (unmeasured: `UNMEASURED_CONFIDENCE`);
- SARIF `precision`: very-high >= 0.9, high >= 0.7, medium >= 0.4, else low; unmeasured: low;
- the SARIF **level** comes from the best precision among the finding's checks, gated by severity:
  `error` for medium/high severity at precision >= `ERROR_PRECISION`; `note` for low/info severity
  or precision below `NOTE_PRECISION`; `warning` otherwise, and for every unmeasured check. The
  model is a check like the others: its rows come from `bench.precision --llm`; until then model
  evidence keeps its calibrated probability as confidence, and only lifts a medium/high static
  finding it confirms from note to warning (`level`; the re-ranking itself is llm/triage.py).

precision = findings on a labelled weakness / all findings of the check: a finding on a contract no
dataset assessed for its class counts as unconfirmed, so it is a lower bound, and the same measure
the issue's "fewer than one in seven SWC-101 findings is on a labelled weakness" used.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from .findings import Finding, combine_confidence
from .llm.triage import CONFIRMED

DATA_FILE = "data/precision.json"  # inside the swclint package (package-data)
MIN_JUDGED = 10
UNMEASURED_CONFIDENCE = 0.3  # conservative: most measured checks land below 0.5
ERROR_PRECISION = 0.5
NOTE_PRECISION = 0.2
PRECISION_LABELS = ((0.9, "very-high"), (0.7, "high"), (0.4, "medium"), (0.0, "low"))


class PrecisionDataError(ValueError):
    """The data file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class CheckPrecision:
    """One check's counts on labelled code: all its findings, those on assessed contracts, those on weaknesses."""

    check: str
    swc: str
    findings: int
    judged: int
    tp: int
    recall: float | None = None

    @property
    def measured(self) -> bool:
        return self.judged >= MIN_JUDGED

    @property
    def precision(self) -> float | None:
        """Findings on labelled weaknesses / all findings (unassessed count as unconfirmed: a lower bound)."""
        return round(self.tp / self.findings, 3) if self.measured else None


@dataclass(frozen=True)
class PrecisionData:
    command: str
    corpus: dict
    checks: dict[str, CheckPrecision]

    def get(self, check: str) -> CheckPrecision | None:
        return self.checks.get(check)


def load_from(path: Path | None = None) -> PrecisionData:
    """The packaged data file, or `path`."""
    try:
        if path is None:
            text = resources.files("swclint").joinpath(DATA_FILE).read_text(encoding="utf-8")
            where = f"swclint/{DATA_FILE}"
        else:
            text, where = path.read_text(encoding="utf-8"), str(path)
        data = json.loads(text)
    except (OSError, ModuleNotFoundError) as exc:
        raise PrecisionDataError(f"{path or DATA_FILE}: cannot read the precision data: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PrecisionDataError(f"{path or DATA_FILE}: invalid JSON: {exc}") from None
    try:
        checks = {name: CheckPrecision(name, row["swc"], int(row["findings"]), int(row["judged"]), int(row["tp"]),
                                       row.get("recall"))
                  for name, row in data["checks"].items()}
        return PrecisionData(data["command"], data["corpus"], checks)
    except (KeyError, TypeError, ValueError) as exc:
        raise PrecisionDataError(f"{where}: malformed precision data ({exc!r})") from None


@functools.cache
def load() -> PrecisionData:
    """The packaged data, parsed once per process."""
    return load_from(None)


def check_confidence(check: str, data: PrecisionData | None = None) -> float:
    """Confidence a finding gets from one static check: its measured precision, else the default."""
    entry = (data or load()).get(check)
    return entry.precision if entry is not None and entry.precision is not None else UNMEASURED_CONFIDENCE


def precision_label(value: float | None) -> str:
    if value is None:
        return "low"
    return next(label for bound, label in PRECISION_LABELS if value >= bound)


def rule_precision(swc_id: str, detectors: tuple[str, ...] = (), data: PrecisionData | None = None) -> float | None:
    """Pooled precision of a rule's measured checks (`None` when none is measured)."""
    rows = [r for r in (data or load()).checks.values()
            if r.measured and (r.check in detectors or (not detectors and r.swc == swc_id))]
    findings = sum(r.findings for r in rows)
    return round(sum(r.tp for r in rows) / findings, 3) if findings else None


def finding_precision(f: Finding, data: PrecisionData | None = None) -> float | None:
    """Best measured precision among the finding's checks, the model included (`llm:<name>` rows come
    from `bench.precision --llm`); None when none is measured. A model's own probability is its
    confidence, not a measured precision, so it does not raise a level."""
    data = data or load()
    values = [entry.precision for e in f.evidence
              if (entry := data.get(e.source)) is not None and entry.precision is not None]
    return max(values) if values else None


def rule_level(severity: str, precision: float | None) -> str:
    """SARIF level from severity and measured precision (table in the module docstring).

    error: medium or high severity, precision >= ERROR_PRECISION (more often right than not);
    note: low/info severity, or precision measured below NOTE_PRECISION; warning otherwise,
    including every unmeasured check.
    """
    if severity not in ("medium", "high"):
        return "note"
    if precision is None:
        return "warning"
    if precision >= ERROR_PRECISION:
        return "error"
    return "warning" if precision >= NOTE_PRECISION else "note"


def level(f: Finding, data: PrecisionData | None = None) -> str:
    """A finding's SARIF level: its severity capped by its checks' best measured precision.

    A medium/high finding the model confirms (llm/triage.py) is at least a warning: its checks'
    low measured precision is an average over findings the model did not back.
    """
    found = rule_level(f.severity, finding_precision(f, data))
    return "warning" if found == "note" and f.triage == CONFIRMED and f.severity in ("medium", "high") else found


def calibrate(findings: list[Finding], data: PrecisionData | None = None) -> list[Finding]:
    """Static evidence confidences set from the data file; each finding's confidence recombined."""
    data = data or load()
    out = []
    for f in findings:
        evidence = [e if e.source.startswith("llm:") else replace(e, confidence=check_confidence(e.source, data))
                    for e in f.evidence]
        out.append(replace(f, evidence=evidence, confidence=combine_confidence([e.confidence for e in evidence])
                           if evidence else f.confidence))
    return out


def describe(check: str, data: PrecisionData | None = None) -> str:
    """"precision 0.43 (30 judged)" or "unmeasured (4 judged, fewer than 10)" for reports."""
    entry = (data or load()).get(check)
    if entry is None:
        return "unmeasured (no labelled findings)"
    if entry.precision is None:
        return f"unmeasured ({entry.judged} judged, fewer than {MIN_JUDGED})"
    return f"precision {entry.precision:.2f} ({entry.tp} of {entry.findings} on labelled weaknesses)"
