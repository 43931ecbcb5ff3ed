"""Files without `pragma solidity` in a CGT split: how many the shipped static path analyses, and why not.

    python -m bench.unversioned --corpus ../shared/cgt --split dev [--without-03] [--json]

Such files get every release in turn (`swclint.solc.compile.older_alternatives`); the last step is
solc 0.3.6 with its AST bridged (`swclint/solc/legacy03.py`). `--without-03` drops that step, so
one script measures the fallback's effect. Each file runs alone, as `bench detect --format cgt` runs
it (`bench.cgt.run_tool`); a failure is grouped by the verdict of the release that read furthest.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections import Counter
from pathlib import Path

import click

from bench.corpus import read_cgt
from swclint.solc.source import solidity_pragmas


def unversioned_files(corpus: Path, split: str) -> list[Path]:
    """The labelled files of `split` whose source has no `pragma solidity` line."""
    files = sorted({label.file for label in read_cgt(corpus, split)})
    return [f for f in files if not solidity_pragmas(f.read_text(encoding="utf-8", errors="replace"))]


def cause(error: str) -> str:
    """The verdict of one failure without its file, line and literal values (to group them)."""
    verdict = error.split("read furthest: ", 1)[-1]
    verdict = re.sub(r"\b(rational_const|int_const) [\w /]+", r"\1 N", verdict)
    return re.sub(r'"[^"]*"', '"X"', verdict)[:110]


def measure(files: list[Path]) -> dict:
    from bench.cgt import run_tool

    logging.disable(logging.WARNING)
    failed: dict[str, str] = {}
    for f in files:
        result = run_tool("swclint", f)
        if not result.analysed:
            failed[f.name] = next((e for e in result.errors if ": compile: " in e), "; ".join(result.errors))
    given = len(files)
    return {"given": given, "analysed": given - len(failed),
            "analysed_ratio": round((given - len(failed)) / given, 3) if given else None,
            "causes": dict(Counter(cause(e) for e in failed.values()).most_common()),
            "failed": dict(sorted(failed.items()))}


@click.command()
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--split", type=click.Choice(["dev", "test"]), default="dev", show_default=True)
@click.option("--without-03", is_flag=True, help="Leave out the solc 0.3.6 step (the state before it).")
@click.option("--json", "as_json", is_flag=True, help="The whole result, failing files included, as JSON.")
def main(corpus: Path, split: str, without_03: bool, as_json: bool) -> None:
    if without_03:
        from swclint.solc import compile as solc_compile

        solc_compile.PRE_04_RELEASES = ()
    result = measure(unversioned_files(corpus, split))
    if as_json:
        json.dump(result, sys.stdout, indent=1)
        return
    print(f"{split} files without a pragma: analysed {result['analysed']}/{result['given']} "
          f"({result['analysed_ratio']}){' without solc 0.3.6' if without_03 else ''}")
    for why, n in result["causes"].items():
        print(f"  {n:3d}  {why}")


if __name__ == "__main__":
    main()
