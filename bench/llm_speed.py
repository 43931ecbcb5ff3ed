"""`python -m bench.llm_speed`: model cost on this machine.

1. In-process: seconds per function for classification (batched, one forward per chunk) and for
   fix generation, over the example contracts' functions, with the shipped adapter.
2. End to end: the real CLI over the example project with the model, cold answer cache
   (`--no-llm-cache`) versus warm (second run), and the static-only run for reference.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

from swclint.cliutil import HELP, run_click
from swclint.llm.backends import DEFAULT_ADAPTER

REPO = Path(__file__).resolve().parent.parent


def _chunks(corpus: Path):
    from swclint.analyze.chunks import extract_chunks

    out = []
    for path in sorted(corpus.rglob("*.sol")):
        out.extend(c for c in extract_chunks(path.read_text(), str(path)) if c.kind != "modifier")
    return out


def in_process(corpus: Path, adapter: Path, fixes: int) -> dict:
    from swclint.llm.backends import HFBackend
    from swclint.llm.prompt import build_prompt, fix_prompt

    started = time.perf_counter()
    backend = HFBackend(adapter)
    backend.model  # noqa: B018 - loading is lazy; time it here, not inside the first classification
    load_s = time.perf_counter() - started
    chunks = _chunks(corpus)
    prompts = [build_prompt(c) for c in chunks]
    started = time.perf_counter()
    answers = backend.classify(prompts)
    classify_s = time.perf_counter() - started
    fix_times = []
    for chunk, probs in list(zip(chunks, answers, strict=True))[:fixes]:
        label = max((k for k in probs if k != "none"), key=probs.get)
        t = time.perf_counter()
        backend.generate_fix(fix_prompt(chunk, label))
        fix_times.append(time.perf_counter() - t)
    return {"functions": len(chunks), "model_load_s": round(load_s, 2),
            "classify_s_per_function": round(classify_s / max(len(chunks), 1), 3),
            "fix_s_per_function": round(statistics.mean(fix_times), 2) if fix_times else None,
            "fixes_timed": len(fix_times)}


def cli_runs(corpus: Path) -> dict:
    exe = str(Path(sys.executable).with_name("swclint"))
    env = {**os.environ, "CI": "1"}

    def timed(*args: str) -> float:
        t = time.perf_counter()
        subprocess.run([exe, *args, "--format", "json", "--fail-on", "none", str(corpus)],
                       capture_output=True, text=True, env=env, check=True)
        return round(time.perf_counter() - t, 2)

    return {"static_s": timed("--no-llm"), "model_cold_s": timed("--llm", "--llm-scope", "all", "--no-llm-cache"),
            "model_warm_s": timed("--llm", "--llm-scope", "all")}


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@click.option("--corpus", type=click.Path(path_type=Path), default=REPO / "examples" / "contracts", show_default=True)
@click.option("--adapter", type=click.Path(path_type=Path), default=DEFAULT_ADAPTER, show_default=True)
@click.option("--fixes", type=int, default=5, show_default=True, help="How many fix generations to time.")
@click.option("--json", "as_json", is_flag=True)
def cli(corpus: Path, adapter: Path, fixes: int, as_json: bool) -> None:
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
              **in_process(corpus, adapter, fixes), **cli_runs(corpus)}
    result["warm_speedup"] = round(result["model_cold_s"] / result["model_warm_s"], 1)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            click.echo(f"{key:26} {value}")


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.llm_speed")


if __name__ == "__main__":
    sys.exit(main())
