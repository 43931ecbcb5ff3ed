"""The model as triage: its probability for a static finding's class re-ranks that finding.

The model stage (stage.py) attaches its calibrated probability p for a static finding's class in the
finding's function as `llm:` evidence; after the merge, `triage` reads it:

- p <= the adapter's doubt threshold: the model doubts it. Severity goes to `info` (below the default `--fail-on`, a
  SARIF note), confidence to at most p, and the message says so. The finding is never removed: it
  stays in text, JSON and SARIF with the model's evidence.
- p >= CONFIRM_AT: the model confirms it. Confidence combines static evidence and p (noisy-OR), and
  `precision.level` gives it at least a SARIF warning.
- in between: unchanged; p stays visible in the evidence.

Findings with only model evidence are not triaged: `--llm-threshold` already decided they exist.

Doubting is a property of the adapter: it demotes only with the threshold its calibration.json
declares (`triage_doubt_at`, fitted on CGT dev code with `python -m bench.triage_sweep`): a number for
every class, or one per class (`{"SWC-113": 0.1}`; a class left out is never demoted), because a
model's doubts can be right for one class and wrong for another. The shipped
adapter declares none, because it lowered F1 at every threshold measured (BENCHMARKS.md, "The model
as triage"): with it the model confirms, and shows its p, but never demotes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from ..findings import Finding, combine_confidence

# The threshold an adapter trained for triage would start from: calibrated p <= 0.1 means at most one
# such finding in ten is real, below the measured precision of most static checks it would overrule
# (swclint/data/precision.json). An adapter declares its own, measured, in calibration.json.
DOUBT_AT = 0.1
DOUBT_KEY = "triage_doubt_at"
# The bar a model-only finding clears by default (--llm-threshold): a verdict strong enough to be
# reported on its own is strong enough to back a static one.
CONFIRM_AT = 0.8
DOUBTED, CONFIRMED = "doubted", "confirmed"


def _is_model(source: str) -> bool:
    return source.startswith("llm:")


DoubtAt = float | Mapping[str, float] | None


def _threshold(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value < 1.0


def adapter_doubt_at(adapter: Path) -> float | dict[str, float] | None:
    """The doubt threshold(s) an adapter declares in its calibration.json: one for every class, one per
    class, or None (never demote). A declaration with any invalid value is ignored as a whole."""
    try:
        value = json.loads((adapter / "calibration.json").read_text(encoding="utf-8")).get(DOUBT_KEY)
    except (OSError, ValueError, AttributeError):
        return None
    if _threshold(value):
        return float(value)
    if isinstance(value, dict) and value and all(_threshold(v) for v in value.values()):
        return {str(k): float(v) for k, v in value.items()}
    return None


def doubt_threshold(doubt_at: DoubtAt, swc_id: str) -> float | None:
    """The threshold that applies to a finding of `swc_id`, or None."""
    if isinstance(doubt_at, Mapping):
        return doubt_at.get(swc_id)
    return doubt_at


def triage(findings: list[Finding], doubt_at: DoubtAt) -> list[Finding]:
    """Each finding with static and model evidence, re-ranked by the model's probability."""
    return [_triage_one(f, doubt_threshold(doubt_at, f.swc_id)) for f in findings]


def _triage_one(f: Finding, doubt_at: float | None) -> Finding:
    static = [e.confidence for e in f.evidence if not _is_model(e.source)]
    model = [e.confidence for e in f.evidence if _is_model(e.source)]
    if not static or not model:
        return f
    p = max(model)
    if doubt_at is not None and p <= doubt_at:
        note = f"The model doubts it (p={p:.2f} for {f.swc_id})" + (
            f"; severity {f.severity} -> info." if f.severity != "info" else ".")
        return replace(f, severity="info", confidence=round(min(combine_confidence(static), p), 4),
                       triage=DOUBTED, message=f"{f.message} {note}")
    if p >= CONFIRM_AT:
        return replace(f, confidence=combine_confidence(static + [p]), triage=CONFIRMED,
                       message=f"{f.message} The model agrees (p={p:.2f}).")
    return replace(f, confidence=combine_confidence(static))
