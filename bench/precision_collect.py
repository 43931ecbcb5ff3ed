"""Collect swclint's SARIF findings for many files from a given source tree (one JSON line per file).

Run by path, not as a module, so that `--src` decides which swclint is imported: the working tree,
or an older checkout for a before/after comparison (`git archive <rev> | tar -x -C DIR`). Levels,
severities and confidences are read from the SARIF each version writes, so both are measured the
way a user sees them.

    python bench/precision_collect.py --src DIR [--jobs N] [--llm] FILE...
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _options(llm: bool):
    from swclint.config import Options

    opts = Options(llm=llm, jobs=1, timeout=120.0)
    for name in ("cache", "static_cache", "result_cache", "llm_fix"):  # measure analysis, not caches
        if hasattr(opts, name):
            setattr(opts, name, False)
    return opts


def collect(file: str, llm: bool = False) -> dict:
    """One file's findings as {file, analysed, errors, findings: [{swc, level, ..., checks}]}."""
    from swclint.pipeline import run
    from swclint.report.sarif import to_sarif

    logging.disable(logging.WARNING)
    path = Path(file)
    opts = _options(llm)
    stage = None
    if llm:
        from swclint.llm.stage import make_llm_stage

        stage, _notes = make_llm_stage(opts)
    try:
        result = run([str(path)], opts, root=path.parent, llm_stage=stage)
    except Exception as exc:  # one file must never stop the benchmark
        return {"file": str(path), "analysed": False, "errors": [f"{type(exc).__name__}: {exc}"[:200]],
                "findings": []}
    sarif = to_sarif(result)["runs"][0]
    findings = []
    for res in sarif["results"]:
        if res.get("suppressions"):
            continue
        loc = res["locations"][0]
        logical = (loc.get("logicalLocations") or [{}])[0].get("fullyQualifiedName", "")
        props = res.get("properties", {})
        findings.append({
            "swc": res["ruleId"],
            "level": res.get("level", "warning"),  # SARIF default; some serialisers omit it
            "severity": props.get("severity", ""),
            "confidence": props.get("confidence"),
            "line": loc["physicalLocation"]["region"]["startLine"],
            "end": loc["physicalLocation"]["region"].get("endLine", loc["physicalLocation"]["region"]["startLine"]),
            "contract": logical.split(".", 1)[0],
            "checks": sorted({e["source"] for e in props.get("evidence", [])}),
        })
    return {"file": str(path), "analysed": path.name in result.files,
            "errors": [f"{e.stage}: {e.message}"[:200] for e in result.errors], "findings": findings}


def _collect(args: tuple[str, bool]) -> dict:
    try:
        return collect(*args)
    except Exception as exc:  # a reporting problem on one file must not stop the benchmark either
        return {"file": args[0], "analysed": False, "errors": [f"{type(exc).__name__}: {exc}"[:200]], "findings": []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precision_collect")
    parser.add_argument("--src", required=True, help="root of the swclint source tree to import")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--llm", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(args.src).resolve()))
    work = [(f, args.llm) for f in args.files]
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for record in pool.map(_collect, work, chunksize=1):
                print(json.dumps(record, sort_keys=True), flush=True)
    else:
        for item in work:
            print(json.dumps(_collect(item), sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
