"""The same input gives the same report on every run: where a check picks one of several values to
name, it picks by declaration order, never by set order (which follows memory addresses)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node"),
]

FIXTURE = Path(__file__).parent / "fixtures" / "determinism"


def _report() -> list[tuple]:
    from swclint.config import Options
    from swclint.pipeline import run

    result = run([str(FIXTURE / "shop.sol")], Options(llm=False, jobs=1, cache=False), root=FIXTURE)
    assert not result.errors, result.errors
    return sorted((f.swc_id, f.function, f.location.start_line, f.severity, f.message) for f in result.findings)


def test_a_price_race_names_the_first_declared_value_on_every_run() -> None:
    runs = [_report() for _ in range(4)]  # each run builds new Slither objects at new addresses
    assert all(r == runs[0] for r in runs[1:])
    race = [(fn, msg) for swc, fn, _, _, msg in runs[0] if swc == "SWC-114"]
    assert ("buy", "Shop.buy() pays at the current `fee`, which a pending transaction can change") in [
        (fn, msg.split(" (severity")[0]) for fn, msg in race], race
    assert {fn for fn, _ in race} == {"buy", "setFee"}, race
