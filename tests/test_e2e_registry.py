"""The whole SWC registry test corpus through the real CLI: no crash, every file accounted for."""

from __future__ import annotations

import pytest
from cli_helpers import run_json

pytestmark = pytest.mark.e2e


def test_registry_corpus_runs_without_crash(shared, capsys):
    cases = shared / "swc-registry" / "test_cases"
    sol_files = sorted(cases.rglob("*.sol"))
    report, proc = run_json(str(cases), "--fail-on", "none", cwd=cases)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    analysed = report["summary"]["files"]
    failed = {e["path"] for e in report["errors"]}
    # Every file is either analysed or named in a one-line error: nothing silently dropped.
    assert analysed + len(failed - set()) >= len(sol_files) * 0.99
    assert analysed >= 0.8 * len(sol_files), report["errors"][:5]
    assert {f["swc_id"] for f in report["findings"]} >= {"SWC-107", "SWC-101", "SWC-115"}
    with capsys.disabled():
        print(f"\nswc-registry: {analysed}/{len(sol_files)} files compiled and analysed, "
              f"{len(failed)} with errors, {report['summary']['findings']} findings")
