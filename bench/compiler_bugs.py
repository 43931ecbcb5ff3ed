"""`python -m bench.compiler_bugs`: files flagged SWC-102 by Slither's `solc-version` vs by the compiler chosen.

    python -m bench.compiler_bugs --corpus examples
    python -m bench.compiler_bugs --npm @openzeppelin/contracts@4.9.6 [--json]

One real static run with `--all-checks`, so Slither's `solc-version` (which SWC-102 used to map,
now reported as `slither/solc-version`) and `swclint-compiler-bugs` (SWC-102 now) see the same
compile. Counts the files each flags and the bugs the new messages name.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import click

from bench.scale import ScaleError, corpus_args, corpus_options, resolve_corpus, swclint_exe
from swclint.cliutil import HELP, fail, run_click

_BUG = re.compile(r"(\w+) \((?:medium|high|medium/high)(?:, with the optimizer on)?\)")


def count(report: dict) -> dict:
    """Files analysed, files each check flags, and how often each bug is named.

    Slither reports one `solc-version` result per pragma text and compilation unit, at the first
    file using it, and lists every pragma directive using it after "It is used by:"; each listed
    directive is one flagged file.
    """
    old, new, bugs = 0, set(), Counter()
    for f in report["findings"]:
        by_source = {e["source"]: e for e in f["evidence"]}
        if "slither:solc-version" in by_source:
            users = by_source["slither:solc-version"]["detail"].partition("It is used by:")[2]
            old += sum(1 for line in users.splitlines() if line.strip().startswith("-"))
        if f["swc_id"] == "SWC-102" and "swclint:swclint-compiler-bugs" in by_source:
            new.add(f["location"]["path"])
            bugs.update(_BUG.findall(f["message"]))
    return {"files": report["summary"]["files"], "slither_solc_version": old,
            "swclint_compiler_bugs": len(new), "bugs": dict(sorted(bugs.items()))}


def run(paths: list[Path], cwd: Path, extra: list[str]) -> dict:
    cmd = [swclint_exe(), *map(str, paths), "--all-checks", "--no-llm", "--no-cache", "--format", "json",
           "--fail-on", "none", *extra]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise ScaleError(f"swclint exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return count(json.loads(proc.stdout))


def format_table(label: str, row: dict) -> str:
    lines = [f"{label}: {row['files']} files analysed",
             f"  flagged by slither:solc-version (SWC-102 before): {row['slither_solc_version']}",
             f"  flagged by swclint-compiler-bugs (SWC-102 now):   {row['swclint_compiler_bugs']}",
             "  bugs named now:"]
    lines += [f"    {name}: {n} files" for name, n in row["bugs"].items()]
    return "\n".join(lines)


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@corpus_options
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpus: tuple[Path, ...], npm: tuple[str, ...], more_npm: tuple[str, ...], as_json: bool) -> None:
    folders, specs = corpus_args(corpus, npm, more_npm)
    try:
        paths, cwd, extra = resolve_corpus(folders, specs)
        row = run(paths, cwd, extra)
    except ScaleError as exc:
        raise fail(str(exc)) from None
    label = " ".join([*map(str, folders), *specs])
    click.echo(json.dumps(row, indent=2) if as_json else format_table(label, row))


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.compiler_bugs")


if __name__ == "__main__":
    raise SystemExit(main())
