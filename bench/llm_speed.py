"""`python -m bench.llm_speed`: model cost on this machine.

1. In-process: seconds per function for classification (batched, one forward per chunk) and for
   fix generation, over the example contracts' functions, with the shipped adapter.
2. End to end: the real CLI over the example project with the model, cold answer cache
   (`--no-llm-cache`) versus warm (second run), and the static-only run for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    from swclint.llm.backends import DEFAULT_ADAPTER

    parser = argparse.ArgumentParser(prog="python -m bench.llm_speed", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO / "examples" / "contracts")
    parser.add_argument("--adapter", type=Path, default=DEFAULT_ADAPTER)
    parser.add_argument("--fixes", type=int, default=5, help="how many fix generations to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
              **in_process(args.corpus, args.adapter, args.fixes), **cli_runs(args.corpus)}
    result["warm_speedup"] = round(result["model_cold_s"] / result["model_warm_s"], 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:26} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
