"""`python -m bench.model_cost`: what turning the model on costs a default run, in one script run.

The real CLI over one project (a sample of a corpus copied into a scratch folder), four runs:

1. static, cold:   `swclint --no-llm`  with empty caches
2. default, cold:  `swclint`           (model on, fixes off: the default) with empty caches
3. default, warm:  `swclint` again     (answer cache and static result cache warm)
4. static, warm:   `swclint --no-llm` again

Each configuration has its own cache folder (compilers and the converted base model are linked in,
so nothing is downloaded or converted inside a timing). Ratios: cold default / cold static and
warm default / warm static (the issue's bars: at most 2.0 and 1.1).

    python -m bench.model_cost --corpus ../shared/cgt/sources --glob '[89ab]*.sol' --sample 40
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from swclint.cliutil import HELP, fail, invoked_args, run_click
from swclint.paths import cache_root

SHARED_CACHE_PARTS = ("solc", "models")  # read-only inputs every run needs; never timed


def pick(corpus: Path, pattern: str, sample: int | None, seed: int) -> list[Path]:
    files = sorted(p for p in corpus.rglob(pattern) if p.is_file() and p.suffix == ".sol")
    if sample and sample < len(files):
        files = sorted(random.Random(seed).sample(files, sample))
    return files


def scratch_cache(parent: Path, name: str) -> Path:
    """A fresh cache folder that shares the installed compilers and the converted base model."""
    cache = parent / name
    cache.mkdir()
    for part in SHARED_CACHE_PARTS:
        if (cache_root() / part).exists():
            (cache / part).symlink_to(cache_root() / part)
    return cache


def run_cli(project: Path, cache: Path, *flags: str) -> dict:
    exe = str(Path(sys.executable).with_name("swclint"))
    env = {**os.environ, "SWCLINT_CACHE_DIR": str(cache), "CI": "1"}
    started = time.perf_counter()
    proc = subprocess.run([exe, *flags, "--format", "json", "--fail-on", "none", "."], cwd=project,
                          capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"swclint {' '.join(flags)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    model = [f for f in report["findings"] if any(e["source"].startswith("llm:") for e in f["evidence"])]
    notes = [ln.removeprefix("swclint: ") for ln in proc.stderr.splitlines() if ln.startswith("swclint: model")]
    return {"seconds": round(seconds, 2), "findings": len(report["findings"]), "with_model_evidence": len(model),
            "files": len(report.get("files", [])) or None, "errors": len(report["errors"]), "notes": notes}


def measure(files: list[Path]) -> dict:
    with tempfile.TemporaryDirectory(prefix="swclint-model-cost-") as tmp:
        work = Path(tmp)
        project = work / "project"
        project.mkdir()
        for f in files:
            shutil.copyfile(f, project / f.name)
        static_cache = scratch_cache(work, "cache-static")
        model_cache = scratch_cache(work, "cache-model")
        runs = {
            "static_cold": run_cli(project, static_cache, "--no-llm"),
            "default_cold": run_cli(project, model_cache),
            "default_warm": run_cli(project, model_cache),
            "static_warm": run_cli(project, static_cache, "--no-llm"),
        }
    ratio = {
        "cold_default_over_static": round(runs["default_cold"]["seconds"] / runs["static_cold"]["seconds"], 2),
        "warm_default_over_static_warm": round(runs["default_warm"]["seconds"] / runs["static_warm"]["seconds"], 2),
        "warm_default_over_static_cold": round(runs["default_warm"]["seconds"] / runs["static_cold"]["seconds"], 2),
    }
    return {"contracts": len(files), "runs": runs, "ratios": ratio,
            "machine": f"{platform.machine()} x{os.cpu_count()} CPUs, python {platform.python_version()}",
            # other work on the machine skews every ratio: say how busy it was
            "load_average_1m_after": round(os.getloadavg()[0], 1)}


@click.command(context_settings=HELP)
@click.option("--corpus", type=click.Path(path_type=Path), required=True,
              help="Folder of .sol files (searched recursively).")
@click.option("--glob", "pattern", default="*.sol", show_default=True,
              help="File name pattern, e.g. '[89ab]*.sol' for the cgt test split.")
@click.option("--sample", type=click.IntRange(min=1), help="Measure a random sample of this many files.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpus: Path, pattern: str, sample: int | None, seed: int, as_json: bool) -> int:
    """Default run with the model versus static only: cold and warm."""
    if not corpus.is_dir():
        raise fail(f"{corpus}: not a folder")
    files = pick(corpus, pattern, sample, seed)
    if not files:
        raise fail(f"{corpus}: no files match {pattern}")
    result = measure(files)
    result["command"] = "python -m bench.model_cost " + " ".join(invoked_args())
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['contracts']} contracts from {corpus} ({pattern}"
          f"{f', sample {sample} seed {seed}' if sample else ''}); {result['machine']}, "
          f"load average {result['load_average_1m_after']} at the end")
    print(f"{'run':<14} {'seconds':>8} {'findings':>9} {'model ev.':>9} {'errors':>7}")
    for name, r in result["runs"].items():
        print(f"{name:<14} {r['seconds']:>8.1f} {r['findings']:>9} {r['with_model_evidence']:>9} {r['errors']:>7}")
    for name, value in result["ratios"].items():
        print(f"{name}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.model_cost")


if __name__ == "__main__":
    sys.exit(main())
