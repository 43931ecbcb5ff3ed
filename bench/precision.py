"""Per-check precision and recall on labelled code, and how often each SARIF level is right.

    python -m bench.precision --corpus ../shared/cgt --split dev --sample 300 --jobs 2 \
        --registry ../shared/swc-registry --write swclint/data/precision.json
    python -m bench.precision --corpus ../shared/cgt --split test --sample 200 --src /tmp/before

A **check** is one evidence source (`slither:reentrancy-eth`, `swclint:swclint-arithmetic`,
`llm:...` with `--llm`). A finding counts for every check in its evidence.

CGT labels are per contract (bench/cgt.py): a finding is **judged** when some dataset assessed its
SWC class for the contract it lies in, or for a contract inheriting from it; it is **on a labelled
weakness** when one of those assessments says the weakness holds. precision = findings on a weakness /
all findings of the check (unassessed ones count as unconfirmed, a lower bound; `precision_judged`
divides by judged findings instead); recall = labelled weaknesses with a finding of the check in the contract's lineage / all of them.
On the SWC registry (line labels, bench/detect.py's matching rule) the same two numbers are kept
for reference; the levels and confidences are derived from CGT only (swclint/precision.py).

`--src DIR` measures another swclint source tree (e.g. HEAD before a change) through the same
collector; `--write FILE` stores the per-check table with the command and a corpus hash.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import click

from bench.cgt import sample_files
from bench.corpus import CgtLabel, CorpusError, read_cgt, read_swc_registry
from bench.detect import MAX_REGION, SLACK
from swclint.analyze.contracts import contract_at, contract_spans, lineage
from swclint.cliutil import HELP, invoked_args, run_click

COLLECTOR = Path(__file__).with_name("precision_collect.py")
REPO = Path(__file__).resolve().parent.parent
LEVELS = ("error", "warning", "note")


def collect(files: list[Path], src: Path, jobs: int, llm: bool) -> list[dict]:
    """Findings per file from the collector subprocess (progress on stderr)."""
    cmd = [sys.executable, str(COLLECTOR), "--src", str(src), "--jobs", str(jobs)]
    if llm:
        cmd.append("--llm")
    records = []
    with subprocess.Popen([*cmd, *map(str, files)], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            records.append(json.loads(line))
            if len(records) % 25 == 0 or len(records) == len(files):
                print(f"precision: {len(records)}/{len(files)} files", file=sys.stderr, flush=True)
    if proc.returncode:
        raise click.ClickException(f"collector exited with {proc.returncode}")
    return records


def _owner(finding: dict, spans) -> str | None:
    return contract_at(spans, finding["line"]) or finding.get("contract") or None


def judge_cgt(records: list[dict], labels: list[CgtLabel]) -> list[tuple[dict, bool | None]]:
    """(finding, True on a labelled weakness / False judged clean / None unlabelled) for every finding."""
    by_file: dict[str, list[CgtLabel]] = defaultdict(list)
    for label in labels:
        by_file[str(label.file)].append(label)
    out = []
    for record in records:
        text = Path(record["file"]).read_text(encoding="utf-8", errors="replace")
        spans = contract_spans(text)
        file_labels = by_file.get(str(Path(record["file"]).resolve()), [])
        for finding in record["findings"]:
            owner = _owner(finding, spans)
            applicable = [lb for lb in file_labels if lb.swc == finding["swc"]
                          and (not lb.contract or (owner is not None and owner in lineage(spans, lb.contract)))]
            out.append((finding, any(lb.holds for lb in applicable) if applicable else None))
    return out


def cgt_recall(records: list[dict], labels: list[CgtLabel]) -> dict[str, dict[str, int]]:
    """Per check: positive labels of its SWC class and how many it flags (in the contract's lineage)."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: {"positives": 0, "found": 0})
    by_file = {str(Path(r["file"]).resolve()): r for r in records}
    checks_by_swc: dict[str, set[str]] = defaultdict(set)
    for r in records:
        for f in r["findings"]:
            for check in f["checks"]:
                checks_by_swc[f["swc"]].add(check)
    for label in (lb for lb in labels if lb.holds):
        record = by_file.get(str(label.file))
        if record is None:
            continue
        spans = contract_spans(label.file.read_text(encoding="utf-8", errors="replace"))
        scope = lineage(spans, label.contract) if label.contract else None
        hit_checks = {c for f in record["findings"] if f["swc"] == label.swc
                      and (scope is None or _owner(f, spans) in scope) for c in f["checks"]}
        for check in checks_by_swc[label.swc]:
            found[check]["positives"] += 1
            found[check]["found"] += check in hit_checks
    return found


def per_check(judged: list[tuple[dict, bool | None]], recall: dict[str, dict[str, int]]) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for finding, verdict in judged:
        for check in finding["checks"]:
            row = table.setdefault(check, {"swc": finding["swc"], "findings": 0, "judged": 0, "tp": 0})
            row["findings"] += 1
            if verdict is not None:
                row["judged"] += 1
                row["tp"] += verdict
    for check, row in table.items():
        # a finding no dataset assessed counts as unconfirmed: the "on a labelled weakness" rate
        row["precision"] = round(row["tp"] / row["findings"], 3)
        row["precision_judged"] = round(row["tp"] / row["judged"], 3) if row["judged"] else None
        r = recall.get(check)
        row["positives"] = r["positives"] if r else 0
        row["recall"] = round(r["found"] / r["positives"], 3) if r and r["positives"] else None
    return dict(sorted(table.items()))


def per_level(judged: list[tuple[dict, bool | None]]) -> dict[str, dict]:
    """Per SARIF level: findings, judged, on a labelled weakness; fraction of all and of judged ones."""
    out = {}
    for level in LEVELS:
        rows = [v for f, v in judged if f["level"] == level]
        j = [v for v in rows if v is not None]
        out[level] = {"findings": len(rows), "judged": len(j), "on_weakness": sum(j),
                      "fraction": round(sum(j) / len(rows), 3) if rows else None,
                      "judged_fraction": round(sum(j) / len(j), 3) if j else None}
    return out


def registry_scores(records: list[dict], root: Path) -> dict[str, dict]:
    """Per check on the SWC registry: findings in files labelled for its class, precision, recall."""
    cases = read_swc_registry(root)
    positives = [c for c in cases if c.positive]
    labelled = {(str(c.file), c.swc) for c in cases}
    table: dict[str, dict] = {}
    hits: dict[str, set] = defaultdict(set)
    for record in records:
        file = str(Path(record["file"]).resolve())
        for f in record["findings"]:
            if (file, f["swc"]) not in labelled:
                continue
            true = f["end"] - f["line"] + 1 <= MAX_REGION and any(
                f["line"] <= line + SLACK and f["end"] >= line - SLACK
                for c in positives if str(c.file) == file and c.swc == f["swc"] for line in c.lines)
            for check in f["checks"]:
                row = table.setdefault(check, {"swc": f["swc"], "judged": 0, "tp": 0})
                row["judged"] += 1
                row["tp"] += true
                if true:
                    hits[check].add((file, f["swc"]))
    for check, row in table.items():
        pos = [c for c in positives if c.swc == row["swc"]]
        row["precision"] = round(row["tp"] / row["judged"], 3) if row["judged"] else None
        row["recall"] = round(len(hits[check]) / len(pos), 3) if pos else None
    return dict(sorted(table.items()))


def corpus_hash(labels_file: Path, files: list[Path]) -> str:
    """sha256 over the label file and every measured source (name and bytes), in name order."""
    digest = hashlib.sha256(labels_file.read_bytes())
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def format_report(result: dict) -> str:
    rows: list[str] = []
    if "corpus" in result:
        c = result["corpus"]
        rows += [f"{c['name']} {c['split']}: {c['files']} files ({c['analysed']} analysed), {c['labels']} labels", "",
                 f"{'check':42} {'SWC':8} {'findings':>8} {'judged':>6} {'TP':>4} {'prec':>5} {'recall':>6}"]
        for check, r in result["checks"].items():
            prec = "-" if r["precision"] is None else f"{r['precision']:.2f}"
            rec = "-" if r["recall"] is None else f"{r['recall']:.2f}"
            rows.append(f"{check:42} {r['swc']:8} {r['findings']:>8} {r['judged']:>6} {r['tp']:>4} {prec:>5} {rec:>6}")
        rows += ["", f"{'level':8} {'findings':>8} {'judged':>6} {'on weakness':>11} {'of all':>7} {'of judged':>9}"]
        for level, r in result["levels"].items():
            frac = "-" if r["fraction"] is None else f"{r['fraction']:.3f}"
            jfrac = "-" if r["judged_fraction"] is None else f"{r['judged_fraction']:.3f}"
            rows.append(f"{level:8} {r['findings']:>8} {r['judged']:>6} {r['on_weakness']:>11} {frac:>7} {jfrac:>9}")
    if result.get("registry"):
        rows += ["", "SWC registry (line labels, reference only):",
                 f"{'check':42} {'SWC':8} {'judged':>6} {'TP':>4} {'prec':>5} {'recall':>6}"]
        for check, r in result["registry"].items():
            prec = "-" if r["precision"] is None else f"{r['precision']:.2f}"
            rec = "-" if r["recall"] is None else f"{r['recall']:.2f}"
            rows.append(f"{check:42} {r['swc']:8} {r['judged']:>6} {r['tp']:>4} {prec:>5} {rec:>6}")
    return "\n".join(rows)


@click.command(context_settings=HELP)
@click.option("--corpus", type=click.Path(path_type=Path, exists=True), help="CGT corpus root.")
@click.option("--split", type=click.Choice(["dev", "test"]), default="dev", show_default=True)
@click.option("--sample", type=click.IntRange(min=1), help="A deterministic subset of N files (bench.cgt).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--llm", is_flag=True, help="Also run the model (its checks get rows too).")
@click.option("--src", type=click.Path(path_type=Path, exists=True, file_okay=False), default=REPO,
              help="swclint source tree to measure (default: this one).")
@click.option("--registry", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Also measure on the SWC registry (reference numbers).")
@click.option("--write", "write_to", type=click.Path(path_type=Path), help="Store the result as the precision data file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def cli(corpus: Path, split: str, sample: int | None, jobs: int, llm: bool, src: Path, registry: Path | None,
         write_to: Path | None, as_json: bool) -> None:
    """Per-check precision/recall on CGT and the fraction of each SARIF level on labelled weaknesses."""
    if corpus is None and registry is None:
        raise click.UsageError("give --corpus (CGT) and/or --registry")
    if write_to is not None and corpus is None:
        raise click.UsageError("--write stores CGT numbers: give --corpus")
    result: dict = {"version": 1, "command": "python -m bench.precision " + shlex.join(invoked_args())}
    if corpus is not None:
        try:
            labels = read_cgt(corpus, split)
        except CorpusError as exc:
            raise click.ClickException(str(exc)) from None
        files = sample_files((lb.file for lb in labels), sample)
        chosen = set(files)
        labels = [lb for lb in labels if lb.file in chosen]
        records = collect(files, src, jobs, llm)
        judged = judge_cgt(records, labels)
        result |= {
            "corpus": {"name": "cgt", "split": split, "files": len(files), "sample": sample,
                       "analysed": sum(1 for r in records if r["analysed"]), "labels": len(labels),
                       "sha256": corpus_hash(corpus / "labels.csv", files)},
            "checks": per_check(judged, cgt_recall(records, labels)),
            "levels": per_level(judged),
        }
    if registry is not None:
        sols = sorted({c.file for c in read_swc_registry(registry)})
        result["registry"] = registry_scores(collect(sols, src, jobs, llm), registry)
        result["registry_sha256"] = corpus_hash(registry / "labels.csv", sols)
    if write_to is not None:
        write_to.parent.mkdir(parents=True, exist_ok=True)
        write_to.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(json.dumps(result, indent=2, sort_keys=True) if as_json else format_report(result))


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.precision")


if __name__ == "__main__":
    sys.exit(main())
