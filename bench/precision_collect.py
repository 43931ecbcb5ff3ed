"""Collect swclint's SARIF findings for many files from a given source tree (one JSON line per file).

Run by path, not as a module, so that `--src` decides which swclint is imported: the working tree,
or an older checkout for a before/after comparison (`git archive <rev> | tar -x -C DIR`). Levels,
severities and confidences are read from the SARIF each version writes, so both are measured the
way a user sees them. For the same reason it uses click directly rather than swclint.cliutil:
importing anything of swclint before `--src` is on sys.path would pin the working tree's.

    python bench/precision_collect.py --src DIR [--jobs N] [--llm] FILE...
"""

from __future__ import annotations

import json
import logging
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click


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
            "checks": _checks(props),
        })
    return {"file": str(path), "analysed": path.name in result.files,
            "errors": [f"{e.stage}: {e.message}"[:200] for e in result.errors], "findings": findings}


def _checks(props: dict) -> list[str]:
    """The evidence sources that claim the finding. The model has an opinion on every static finding
    of its classes (swclint/llm/triage.py); it claims one only when it confirms it or found it alone."""
    sources = {e["source"] for e in props.get("evidence", [])}
    claims = props.get("triage") == "confirmed" or all(s.startswith("llm:") for s in sources)
    return sorted(s for s in sources if claims or not s.startswith("llm:"))


def _collect(args: tuple[str, bool]) -> dict:
    try:
        return collect(*args)
    except Exception as exc:  # a reporting problem on one file must not stop the benchmark either
        return {"file": args[0], "analysed": False, "errors": [f"{type(exc).__name__}: {exc}"[:200]], "findings": []}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--src", required=True, type=click.Path(exists=True, file_okay=False),
              help="Root of the swclint source tree to import.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--llm", is_flag=True, help="Also run the model.")
@click.argument("files", nargs=-1, required=True)
def cli(src: str, jobs: int, llm: bool, files: tuple[str, ...]) -> int:
    """Print one JSON line of SARIF-derived findings per FILE, analysed by the swclint in --src."""
    sys.path.insert(0, str(Path(src).resolve()))
    work = [(f, llm) for f in files]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for record in pool.map(_collect, work, chunksize=1):
                print(json.dumps(record, sort_keys=True), flush=True)
    else:
        for item in work:
            print(json.dumps(_collect(item), sort_keys=True), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Usage errors as one line and exit 2, like every swclint command line."""
    try:
        return cli.main(args=argv, prog_name="bench/precision_collect.py", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"precision_collect: error: {' '.join(exc.format_message().split())}", err=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
