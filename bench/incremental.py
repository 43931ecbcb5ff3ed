"""Incremental static runs: cold, warm (nothing changed) and one-file-changed, with the result cache.

    python -m bench.incremental --corpus examples --npm @openzeppelin/contracts@4.9.6 [--jobs 2] [--repeat 3]

Each corpus is copied to a temporary folder (so a file can be edited) and scanned there by the real
CLI (`swclint . --no-llm --format json`) with a private, empty cache folder that links to the
installed compilers, so "cold" means no static results but no compiler downloads either:

- cold: the static cache is empty;
- warm: the same tree again;
- leaf changed: one comment line appended to the file no other file imports with the largest
  import closure (a contract someone works on), then the tree again; files that fail to compile
  (never cached) are not picked;
- base changed: the same edit to the file the most other files import (every importer is
  re-analysed; no target, shown for what it costs).

After every cached run the same tree is scanned with `--no-cache` (outside the timings) and the
findings compared: first what they claim (class, region, severity), which the cache must never
change (exit 1 otherwise), then their messages and evidence. The latter can differ, as they differ
between two `--no-cache` runs with other `--jobs`: Slither words a few checks from the whole
compile unit a file was analysed in (SWC-103 lists every pragma of the unit; a call-stack bullet
names derived contracts compiled alongside), and a replayed file keeps the wording of the unit it
was last analysed in; with --jobs above 1 the script measures that too, on the final tree
(`--no-cache --jobs 1` against `--no-cache --jobs N`). Wall times are medians over --repeat, each
repeat starting from an empty cache and the unedited tree.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from bench.scale import ScaleError, corpus_args, corpus_options, machine, npm_install, sol_files, swclint_exe
from swclint.cliutil import HELP, invoked_args, run_click

TARGETS = {"warm": 0.2, "leaf changed": 0.4}
EDIT = "\n// edited by bench.incremental\n"


@dataclass
class Row:
    corpus: str
    files: int
    run: str  # cold | warm | leaf changed | base changed
    seconds: list[float] = field(default_factory=list)
    changed_file: str = ""
    reanalysed: int = 0  # files whose analysis the edit invalidated (the file and its importers)
    same_places: bool = True  # same (class, place, severity) as a --no-cache run of the tree, every repeat
    identical: bool = True  # and the same messages and evidence too

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def import_graph(root: Path) -> dict[str, set[str]]:
    """For each .sol file under root (relative POSIX path): the files its import closure holds."""
    from swclint.discover import relpath
    from swclint.solc.imports import load_tree, unit_name

    files = sorted(sol_files(root))
    tree = load_tree(files, root, [])
    return {relpath(f, root): {relpath(tree.files[u], root) for u in tree.closure(unit_name(f, root))
                               if u in tree.files} for f in files}


def pick_files(graph: dict[str, set[str]], broken: set[str]) -> tuple[str, str, dict[str, int]]:
    """(leaf with the largest closure, most imported file, how many files each one's edit invalidates).

    Only files that compiled and were analysed cleanly qualify: a file that fails to compile is
    never cached, so editing it would measure nothing.
    """
    importers = {f: {g for g, closure in graph.items() if f in closure} for f in graph}
    ok = [f for f in graph if not (graph[f] & broken)]
    if not ok:
        raise ScaleError("no file of the corpus compiled cleanly; nothing to edit")
    leaves = [f for f in ok if importers[f] == {f}] or ok
    leaf = max(leaves, key=lambda f: (len(graph[f]), f))
    base = max(ok, key=lambda f: (len(importers[f]), f))
    return leaf, base, {leaf: len(importers[leaf]), base: len(importers[base])}


def scan(tree: Path, cache: Path, jobs: int, *extra: str) -> tuple[float, list, set[str], str]:
    """(wall seconds, findings, paths with errors, command) of one real CLI run over `tree`."""
    report = cache.parent / "report.json"
    cmd = [swclint_exe(), ".", "--no-llm", "--format", "json", "--output", str(report), "--fail-on", "none",
           "--jobs", str(jobs), *extra]
    env = {**os.environ, "SWCLINT_CACHE_DIR": str(cache), "CI": "1"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1) or not report.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise ScaleError(f"{shlex.join(cmd)} in {tree} failed: {tail[0]}")
    doc = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    findings = [{k: v for k, v in f.items() if k != "fingerprint"} for f in doc["findings"]]
    shown = ["swclint", ".", "--no-llm", "--format", "json", "--output", "report.json", *cmd[7:]]
    errors = {e["path"] for e in doc["errors"]}
    return seconds, findings, errors, shlex.join(shown)


def places(findings: list[dict]) -> list[tuple]:
    """What a finding claims, without its wording: class, region and severity."""
    return sorted((f["swc_id"], json.dumps(f["location"], sort_keys=True), f["severity"]) for f in findings)


def _fresh_cache(work: Path, solc: Path, name: str = "cache") -> Path:
    cache = work / name
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir()
    (cache / "solc").symlink_to(solc)  # compilers stay installed: only static results start empty
    return cache


def reworded(a: list[dict], b: list[dict]) -> int:
    """How many findings of `a` have no identical twin (wording and evidence included) in `b`."""
    twins = {json.dumps(f, sort_keys=True) for f in b}
    return sum(json.dumps(f, sort_keys=True) not in twins for f in a)


def measure(name: str, source: Path, jobs: int, repeat: int) -> tuple[list[Row], str, str]:
    from swclint.paths import cache_root

    solc = cache_root() / "solc"
    rows: dict[str, Row] = {}
    command = ""
    with tempfile.TemporaryDirectory(prefix="swclint-incremental-") as tmp:
        work = Path(tmp)
        tree = work / "tree"
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(".git", "node_modules"))
        graph = import_graph(tree)
        unused = _fresh_cache(work, solc, "no-cache")  # --no-cache runs read and write no results
        _, _, broken, _ = scan(tree, unused, jobs, "--no-cache")
        leaf, base, invalidated = pick_files(graph, broken)
        originals = {f: (tree / f).read_bytes() for f in (leaf, base)}
        for _ in range(repeat):
            for f, data in originals.items():
                (tree / f).write_bytes(data)
            cache = _fresh_cache(work, solc)
            for run, edited in (("cold", None), ("warm", None), ("leaf changed", leaf), ("base changed", base)):
                if edited:
                    with (tree / edited).open("a", encoding="utf-8") as handle:
                        handle.write(EDIT)
                seconds, found, _, command = scan(tree, cache, jobs)
                _, expected, _, _ = scan(tree, unused, jobs, "--no-cache")
                row = rows.setdefault(run, Row(name, len(graph), run, changed_file=edited or "",
                                               reanalysed=invalidated.get(edited, 0) if edited else 0))
                row.seconds.append(seconds)
                row.same_places = row.same_places and places(found) == places(expected)
                row.identical = row.identical and found == expected
        # Without any cache: does the wording depend on how files are grouped into compile units?
        note = ""
        if jobs != 1:
            _, single, _, _ = scan(tree, unused, 1, "--no-cache")
            note = (f"{name}: `--no-cache --jobs 1` against `--jobs {jobs}` on the base-changed tree: same "
                    f"classes, regions, severities: {'yes' if places(single) == places(expected) else 'NO'}; "
                    f"findings worded differently: {reworded(expected, single)}")
    return list(rows.values()), command, note


def format_table(rows: list[Row]) -> str:
    lines = ["| corpus | files | run | changed file (files to re-analyse) | wall s (median) | runs | x cold | "
             "target | met | findings = --no-cache | messages, evidence = --no-cache |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    cold = {r.corpus: r.median for r in rows if r.run == "cold"}
    for r in rows:
        ratio = r.median / cold[r.corpus]
        target = TARGETS.get(r.run)
        met = "-" if target is None else ("yes" if ratio <= target else "no")
        changed = f"{r.changed_file} ({r.reanalysed})" if r.changed_file else "-"
        lines.append(f"| {r.corpus} | {r.files} | {r.run} | {changed} | {r.median:.2f} | "
                     f"{', '.join(f'{s:.2f}' for s in r.seconds)} | {ratio:.2f} | "
                     f"{'-' if target is None else f'<= {target}'} | {met} | {'yes' if r.same_places else 'NO'} | "
                     f"{'yes' if r.identical else 'no'} |")
    return "\n".join(lines)


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@corpus_options
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="swclint --jobs.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="Repeats per corpus (medians are reported).")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpus: tuple[Path, ...], npm: tuple[str, ...], more_npm: tuple[str, ...], jobs: int, repeat: int,
        as_json: bool) -> int:
    folders, packages = corpus_args(corpus, npm, more_npm)
    named = [(str(c), c) for c in folders]
    if packages:
        _, installed = npm_install(packages)
        named += list(zip(packages, installed, strict=True))
    rows: list[Row] = []
    notes: list[str] = []
    command = ""
    for name, folder in named:
        if not folder.is_dir() or not sol_files(folder):
            raise ScaleError(f"{folder}: no .sol files")
        more, command, note = measure(name, folder, jobs, repeat)
        rows += more
        notes += [note] if note else []
    invocation = shlex.join(["python", "-m", "bench.incremental", *invoked_args()])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if as_json:
        click.echo(json.dumps({"command": invocation, "machine": machine(), "load_after": load, "notes": notes,
                               "rows": [{**asdict(r), "median": r.median} for r in rows]}, indent=2))
        return 0 if all(r.same_places for r in rows) else 1
    click.echo(format_table(rows))
    click.echo()
    for note in notes:
        click.echo(f"{note}  ")
    click.echo(f"Command: `{invocation}`  ")
    click.echo(f"Each run: `{command}` in a copy of the corpus, with its own SWCLINT_CACHE_DIR  ")
    click.echo(f"Machine: {machine()}, load average after the runs {load:.2f}")
    return 0 if all(r.same_places for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.incremental", errors=(ScaleError,))


if __name__ == "__main__":
    raise SystemExit(main())
