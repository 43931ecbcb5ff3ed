"""False positives on clean production code: what swclint reports on a corpus that should be quiet.

    python -m bench.clean --npm @openzeppelin/contracts@4.9.6 [--jobs 2] [--json]
    python -m bench.clean --corpus DIR
    python -m bench.clean --npm @openzeppelin/contracts@4.9.6 --llm-args "--llm-scope all"

Runs the real CLI once (`--no-llm` unless `--llm-args` is given, JSON report) and prints, by severity, the findings of our own
detectors (evidence `swclint:*`) and of Slither's (`slither:*`) separately, every High from our
detectors with its location, and the Medium count per contract (per contract declared in the
corpus's .sol files, and per analysed file). A finding merged from both tools counts as ours and is
shown as `slither+swclint`. With the model on, findings backed by the model alone (origin `llm`)
are counted too, by class and per contract. Exit status 1
when a High carries our detectors' evidence.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import click

from bench.scale import ScaleError, corpus_args, corpus_options, resolve_corpus, sol_files, swclint_exe
from swclint.cliutil import HELP, invoked_args, run_click

SEVERITIES = ("high", "medium", "low", "info")
_CONTRACT_RE = r"^\s*(?:abstract\s+)?(?:contract|library|interface)\s+[A-Za-z_]"


def origin(finding: dict) -> str:
    """Which tools' evidence a finding carries: `swclint`, `slither`, or `slither+swclint` when merged.

    A merged finding has the highest severity of its parts, so "ours" (any `swclint` evidence) is an
    upper bound on what our detectors report alone.
    """
    sources = {e["source"].split(":", 1)[0] for e in finding.get("evidence", [])}
    return "+".join(sorted(sources - {"llm"})) or ("llm" if "llm" in sources else "?")


def is_ours(finding: dict) -> bool:
    return "swclint" in origin(finding).split("+")


def count_contracts(paths: list[Path]) -> int:
    import re

    pattern = re.compile(_CONTRACT_RE, re.MULTILINE)
    return sum(len(pattern.findall(f.read_text(encoding="utf-8", errors="replace")))
               for p in paths for f in sol_files(p))


def run(paths: list[Path], cwd: Path, jobs: int, extra: list[str], llm_args: list[str] | None = None) -> dict:
    model = ["--llm", *llm_args] if llm_args is not None else ["--no-llm"]
    with tempfile.TemporaryDirectory(prefix="swclint-clean-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [swclint_exe(), *map(str, paths), *model, "--format", "json", "--output", str(report),
               "--fail-on", "none", "--jobs", str(jobs), *extra]
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        try:
            return json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise ScaleError(f"swclint gave no JSON report (exit {proc.returncode}): {last}") from exc


def summarise(report: dict, contracts: int) -> dict:
    findings = [f for f in report["findings"] if not f.get("suppressed")]
    by_origin: dict[str, Counter] = {}
    for f in findings:
        by_origin.setdefault(origin(f), Counter())[f["severity"]] += 1
    ours = [f for f in findings if is_ours(f)]
    medium_all = sum(1 for f in findings if f["severity"] == "medium")
    medium_ours = sum(1 for f in ours if f["severity"] == "medium")
    files = report["summary"]["files"]
    model_only = [f for f in findings if origin(f) == "llm"]
    return {
        "model_only": {"findings": len(model_only),
                       "by_rule": dict(sorted(Counter(f["swc_id"] for f in model_only).items())),
                       "per_contract": round(len(model_only) / contracts, 4) if contracts else 0.0},
        "files": files,
        "contracts": contracts,
        "errors": [f"{e['path']}: {e['stage']}: {e['message']}" for e in report["errors"]],
        "by_origin": {k: {s: v.get(s, 0) for s in SEVERITIES} for k, v in sorted(by_origin.items())},
        "ours_by_rule": dict(sorted(Counter(f"{f['swc_id']} {f['severity']}" for f in ours).items())),
        "ours_high": [f"{f['location']['path']}:{f['location']['start_line']} {f['swc_id']} {f['message']}"
                      for f in ours if f["severity"] == "high"],
        "medium_per_contract": {"ours": round(medium_ours / contracts, 4) if contracts else 0.0,
                                "all": round(medium_all / contracts, 4) if contracts else 0.0},
        "medium_per_file": {"ours": round(medium_ours / files, 4) if files else 0.0,
                            "all": round(medium_all / files, 4) if files else 0.0},
    }


def format_text(s: dict) -> str:
    lines = [f"files analysed: {s['files']}, contracts/libraries/interfaces declared: {s['contracts']}, "
             f"errors: {len(s['errors'])}", "", "origin          " + " ".join(f"{x:>7}" for x in SEVERITIES)]
    for name, counts in s["by_origin"].items():
        lines.append(f"{name:<15} " + " ".join(f"{counts[x]:>7}" for x in SEVERITIES))
    lines += ["", "our detectors, by rule: " + (", ".join(f"{k}: {v}" for k, v in s["ours_by_rule"].items())
                                                or "none")]
    lines.append(f"High from our detectors: {len(s['ours_high'])}")
    lines += [f"  {h}" for h in s["ours_high"]]
    m, mf = s["medium_per_contract"], s["medium_per_file"]
    lines.append(f"Medium per contract: ours {m['ours']:.3f}, all (with Slither's) {m['all']:.3f}")
    lines.append(f"Medium per file:     ours {mf['ours']:.3f}, all (with Slither's) {mf['all']:.3f}")
    mo = s["model_only"]
    if s.get("model"):
        lines.append(f"Model-only findings: {mo['findings']} ({mo['per_contract']:.3f} per contract), by rule: "
                     + (", ".join(f"{k}: {v}" for k, v in mo["by_rule"].items()) or "none"))
    lines += [f"error: {e}" for e in s["errors"]]
    return "\n".join(lines)


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@corpus_options
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
@click.option("--llm-args", default=None, metavar="ARGS",
              help='Turn the model on with these CLI options, e.g. "--llm-scope all".')
def cli(corpus: tuple[Path, ...], npm: tuple[str, ...], more_npm: tuple[str, ...], jobs: int, as_json: bool,
        llm_args: str | None) -> int:
    folders, packages = corpus_args(corpus, npm, more_npm)
    paths, cwd, extra = resolve_corpus(folders, packages)
    model_args = shlex.split(llm_args) if llm_args is not None else None
    summary = summarise(run(paths, cwd, jobs, extra, model_args), count_contracts(paths))
    summary["model"] = model_args is not None
    invocation = shlex.join(["python", "-m", "bench.clean", *invoked_args()])
    if as_json:
        click.echo(json.dumps({"command": invocation, **summary}, indent=2, sort_keys=True))
    else:
        click.echo(format_text(summary))
        click.echo(f"\nCommand: `{invocation}`")
    return 1 if summary["ours_high"] else 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.clean", errors=(ScaleError,))


if __name__ == "__main__":
    sys.exit(main())
