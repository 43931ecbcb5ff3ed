"""`python -m bench.fix_rate`: how many model-class findings get a verified fix, and proof that no
unverified fix is shown.

Over the SWC registry's vulnerable files (a positive label of a class the model knows: SWC-101,
107, 110, 113, 114), one in-process run per file
with the shipped adapter and `--llm-fix --fail-on none` (every finding of a class the model knows gets
a fix attempt: a mechanical rewrite first, the model where none applies or verifies). A fix is shown only when swclint.fixcheck verified it. Then, independently of
fixcheck, each shown fix is applied to a copy of the file and the real CLI re-analyses it statically:
it must compile and report no finding of that SWC inside the replaced function.

    python -m bench.fix_rate --corpus ../shared/swc-registry
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import click

from bench.corpus import read_swc_registry
from swclint.cliutil import HELP, fail, invoked_args, run_click
from swclint.config import Options
from swclint.findings import Finding
from swclint.llm.prompt import LABELS

MODEL_CLASSES = set(LABELS[1:])


def vulnerable_files(corpus: Path) -> list[Path]:
    """Files with a positive label of a class the model knows."""
    return sorted({c.file for c in read_swc_registry(corpus)
                   if c.positive and c.swc in MODEL_CLASSES and c.file.is_file()})


def _reason_kind(reason: str) -> str:
    """Group reasons for the table; compiler messages differ per file."""
    return re.sub(r"does not compile with solc .*", "does not compile with the same solc", reason)


def apply_fix(text: str, f: Finding) -> str:
    loc = f.fix_location
    lines = text.splitlines(keepends=True)
    start = sum(map(len, lines[:loc.start_line - 1])) + loc.start_col - 1
    end = sum(map(len, lines[:loc.end_line - 1])) + loc.end_col - 1
    return text[:start] + (f.fix or "") + text[end:]


def recheck(file: Path, f: Finding) -> str | None:
    """Apply a shown fix to a copy and re-analyse it with the CLI; None when it holds, else why not."""
    patched = apply_fix(file.read_text(encoding="utf-8"), f)
    new_end = f.fix_location.start_line + (f.fix or "").count("\n")
    with tempfile.TemporaryDirectory(prefix="swclint-fix-rate-") as tmp:
        target = Path(tmp) / file.name
        target.write_text(patched, encoding="utf-8")
        exe = str(Path(sys.executable).with_name("swclint"))
        proc = subprocess.run([exe, "--no-llm", "--no-cache", "--format", "json", "--fail-on", "none", file.name],
                              cwd=tmp, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    if proc.returncode not in (0, 1):
        return f"CLI exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
    report = json.loads(proc.stdout)
    compile_errors = [e for e in report["errors"] if e["stage"] == "compile"]
    if compile_errors:
        return f"does not compile: {compile_errors[0]['message']}"
    for g in report["findings"]:
        if g["swc_id"] == f.swc_id and f.fix_location.start_line <= g["location"]["start_line"] <= new_end:
            return f"{f.swc_id} still reported at line {g['location']['start_line']}"
    return None


def measure(corpus: Path, skip: int, limit: int | None) -> dict:
    from swclint.llm.stage import make_llm_stage
    from swclint.pipeline import run

    opts = Options(llm=True, llm_fix=True, fail_on="none", jobs=1)
    stage_fn, notes = make_llm_stage(opts)
    if stage_fn is None:
        raise SystemExit(f"the model is not available: {notes}")
    outcomes: list = []
    add_fixes = stage_fn.add_fixes

    def recording(*args, **kwargs):
        got = add_fixes(*args, **kwargs)
        outcomes.extend(got)
        return got

    stage_fn.add_fixes = recording
    files = vulnerable_files(corpus)[skip:][:limit]
    model_class = shown = 0
    rechecks: list[dict] = []
    started = time.perf_counter()
    for file in files:
        result = run([str(file)], opts, root=file.parent, llm_stage=stage_fn)
        for f in result.findings:
            if f.swc_id not in MODEL_CLASSES or f.suppression is not None:
                continue
            model_class += 1
            if f.fix:
                shown += 1
                problem = recheck(file, f) if f.fix_location is not None else "shown without a verified region"
                rechecks.append({"file": str(file.relative_to(corpus)), "function": f.function, "swc": f.swc_id,
                                 "holds": problem is None, "problem": problem})
        print(f"[{model_class} model-class findings, {len(outcomes)} attempts, "
              f"{sum(o.verified for o in outcomes)} verified, {shown} shown, "
              f"{sum(not r['holds'] for r in rechecks)} failing the re-check, "
              f"{time.perf_counter() - started:.0f} s] {file.relative_to(corpus)}", file=sys.stderr, flush=True)
    verified = sum(o.verified for o in outcomes)
    return {
        "files": len(files),
        "model_class_findings": model_class,
        "fix_attempts": len(outcomes),
        "verified": verified,
        "shown": shown,
        "verified_rate": round(verified / model_class, 3) if model_class else None,
        "unverified_shown": sum(not r["holds"] for r in rechecks),
        "by_class": {swc: {"attempts": sum(o.swc_id == swc for o in outcomes),
                           "verified": sum(o.verified and o.swc_id == swc for o in outcomes),
                           **{f"verified_{src}": sum(o.verified and o.swc_id == swc and o.source == src
                                                     for o in outcomes) for src in ("rewrite", "model")}}
                     for swc in sorted({o.swc_id for o in outcomes})},
        "verified_by_source": dict(Counter(o.source for o in outcomes if o.verified)),
        "reasons": dict(Counter(_reason_kind(o.reason) for o in outcomes).most_common()),
        "rechecks": rechecks,
        "seconds": round(time.perf_counter() - started, 1),
    }


@click.command(context_settings=HELP)
@click.option("--corpus", type=click.Path(path_type=Path), required=True,
              help="The SWC registry (labels.csv at its root).")
@click.option("--skip", type=click.IntRange(min=0), default=0, help="Pass over the first N vulnerable files (split a run).")
@click.option("--limit", type=click.IntRange(min=1), help="Then only N vulnerable files.")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpus: Path, skip: int, limit: int | None, as_json: bool) -> int:
    """Share of model-class findings on the registry's vulnerable files that get a verified fix."""
    if not (corpus / "labels.csv").is_file():
        raise fail(f"{corpus}: no labels.csv (expected the SWC registry layout)")
    if shutil.which("swclint", path=str(Path(sys.executable).parent)) is None:
        raise fail("the swclint console script is not installed next to this python")
    result = measure(corpus.resolve(), skip, limit)
    result["command"] = "python -m bench.fix_rate " + " ".join(invoked_args())
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['files']} vulnerable registry files, {result['model_class_findings']} findings of the "
          f"model's classes, {result['fix_attempts']} fix attempts, {result['seconds']} s")
    print(f"verified fixes: {result['verified']} ({result['verified_rate']:.1%} of the model-class findings)"
          if result["verified_rate"] is not None else "verified fixes: no model-class findings")
    print(f"shown: {result['shown']}; independently re-checked with the CLI, failing: {result['unverified_shown']}")
    for swc, row in result["by_class"].items():
        print(f"  {swc}: {row['verified']}/{row['attempts']} verified "
              f"({row['verified_rewrite']} mechanical rewrites, {row['verified_model']} by the model)")
    print("why the others keep the remediation text only:")
    for reason, n in result["reasons"].items():
        if reason != "verified":
            print(f"  {n:>4}  {reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.fix_rate")


if __name__ == "__main__":
    sys.exit(main())
