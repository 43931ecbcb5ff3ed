"""Import the CGT corpus (dev split only) as function-level records with contract-level weak labels.

CGT says, per dataset, whether a weakness class holds for a contract. swclint's static stage says
which functions look like that class. Joined: a static candidate of a model class inside a contract
labelled negative for the class is a negative record (the static stage's false alarm, what triage
has to learn to doubt); inside a contract labelled positive it is a weak positive (the contract has
the weakness; this function is where static analysis points, not a labelled line).

- Contracts: a candidate's function is declared in contract D; a label on contract C covers it when
  D is C or one of C's bases (swclint/analyze/contracts.py); a label without a contract covers the
  whole file. Labels that cover D but disagree (two datasets on C, or two heirs of D) are skipped
  and counted, never resolved by vote.
- Functions: labels are every class the function is a weak positive for; a function whose candidates
  are all judged negative is clean ([]); one with a candidate nobody judged is skipped, because []
  would teach "none" for a class that may hold there.
- Only the dev split (file names starting 0-7) is read; a test-split file reaching the analysis is
  refused with an error, so held-out CGT numbers never see training code.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.corpus import CgtLabel, CorpusError, cgt_split_of, read_cgt
from dataset.errors import DatasetError
from dataset.records import make_record
from swclint.analyze.chunks import extract_chunks
from swclint.analyze.contracts import contract_spans, lineage
from swclint.chunk import Chunk
from swclint.findings import Finding
from swclint.llm.prompt import LABELS

SOURCE = "cgt"
SPLIT = "dev"
MODEL_CLASSES = tuple(label for label in LABELS if label != "none")

# file -> (findings, None) or (None, one line saying why the static stage gave nothing)
StaticRun = Callable[[Path], tuple[list[Finding] | None, str | None]]


def static_findings(file: Path) -> tuple[list[Finding] | None, str | None]:
    """swclint's static stage on one file (model off, result cache on: a rerun costs a cache read)."""
    from swclint.config import Options
    from swclint.pipeline import run

    try:
        result = run([str(file)], Options(llm=False, jobs=1), root=file.parent)
    except Exception as exc:  # one file must never stop an import of a thousand
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    if file.name not in result.files:
        first = next((e for e in result.errors if e.path == file.name), None)
        return None, f"{first.stage}: {first.message[:200]}" if first else "not analysed"
    return [f for f in result.findings if f.suppression is None], None


def _verdicts(labels: list[CgtLabel], stats: Counter) -> dict[Path, dict[str, dict[str, bool]]]:
    """{file: {swc: {contract: holds}}} for the model's classes; contracts the datasets disagree on left out."""
    seen: dict[tuple[Path, str, str], set[bool]] = defaultdict(set)
    for label in labels:
        if label.swc in MODEL_CLASSES:
            seen[(label.file, label.swc, label.contract)].add(label.holds)
    out: dict[Path, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for (file, swc, contract), holds in sorted(seen.items(), key=lambda kv: (str(kv[0][0]), kv[0][1:])):
        if len(holds) > 1:
            stats[f"{SOURCE}.labels_disagree_skipped"] += 1
            continue
        out[file][swc][contract] = holds.pop()
    return out


def _verdict(declared_in: str, by_contract: dict[str, bool], spans) -> bool | None:
    """The one verdict the labels covering contract `declared_in` give, None when none or mixed."""
    covering = {holds for contract, holds in by_contract.items()
                if not contract or declared_in in lineage(spans, contract)}
    return covering.pop() if len(covering) == 1 else None


def _enclosing(chunks: list[Chunk], line: int) -> Chunk | None:
    inside = [c for c in chunks if c.start_line <= line <= c.end_line]
    return min(inside, key=lambda c: c.end_line - c.start_line) if inside else None


def _spread(files: list[Path], limit: int | None) -> list[Path]:
    """The first `limit` files by a hash of the name (a spread sample), analysed in name order."""
    picked = sorted(files, key=lambda f: hashlib.sha256(f.name.encode()).hexdigest())[:limit]
    return sorted(picked)


def require_dev(file: Path) -> None:
    """Refuse a file outside the dev split: training on test-split code would void its numbers."""
    split = cgt_split_of(file)
    if split != SPLIT:
        raise DatasetError(f"{file}: a CGT {split or 'unknown'}-split file; only the dev split is imported")


def _warn(line: str) -> None:
    print(f"swclint-data: {line}", file=sys.stderr, flush=True)


def import_cgt(root: Path, stats: Counter, limit: int | None = None, analyse: StaticRun = static_findings,
               warn: Callable[[str], None] = _warn, jobs: int = 1) -> list[dict]:
    """Records from the CGT dev split under `root` (labels.csv + sources/); `limit` files at most,
    `jobs` files analysed at once (records keep the file order either way)."""
    try:
        every = read_cgt(root)
    except CorpusError as exc:
        raise DatasetError(str(exc)) from None
    dev = [label for label in every if cgt_split_of(label.file) == SPLIT]
    stats[f"{SOURCE}.labels_read_dev"] = len(dev)
    stats[f"{SOURCE}.labels_ignored_test_split"] = len(every) - len(dev)
    verdicts = _verdicts(dev, stats)
    files = _spread(list(verdicts), limit)
    stats[f"{SOURCE}.files_with_model_class_labels"] = len(verdicts)
    base = (root if root.is_dir() else root.parent).resolve()
    for file in files:
        require_dev(file)
    out: list[dict] = []
    with contextlib.ExitStack() as stack:
        if jobs > 1 and len(files) > 1:
            pool = stack.enter_context(ProcessPoolExecutor(min(jobs, len(files))))
            results: Iterable = pool.map(analyse, files)
        else:
            results = map(analyse, files)
        for n, (file, result) in enumerate(zip(files, results, strict=True), 1):
            out.extend(_import_file(file, base, verdicts[file], stats, result, warn))
            if n % 25 == 0 or n == len(files):
                _warn(f"cgt: {n}/{len(files)} files, {len(out)} records")
    return out


def _import_file(file: Path, base: Path, by_swc: dict[str, dict[str, bool]], stats: Counter,
                 analysed: tuple[list[Finding] | None, str | None], warn: Callable[[str], None]) -> list[dict]:
    rel = file.relative_to(base).as_posix() if file.is_relative_to(base) else file.name
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        warn(f"{file}: cgt: cannot read ({exc.strerror})")
        stats[f"{SOURCE}.files_failed"] += 1
        return []
    findings, error = analysed
    if findings is None:
        warn(f"{file}: cgt: no static result ({error})")
        stats[f"{SOURCE}.files_failed"] += 1
        return []
    stats[f"{SOURCE}.files_analysed"] += 1
    chunks = [c for c in extract_chunks(text, rel) if c.kind != "modifier"]  # the model never sees modifiers
    spans = contract_spans(text)
    judged: dict[Chunk, dict[str, bool | None]] = defaultdict(dict)
    for finding in findings:
        if finding.swc_id not in MODEL_CLASSES or finding.location.path != file.name:
            continue
        chunk = _enclosing(chunks, finding.location.start_line)
        if chunk is None:  # a state variable or a modifier: no function to learn from
            stats[f"{SOURCE}.candidates_outside_functions"] += 1
            continue
        stats[f"{SOURCE}.candidates"] += 1
        verdict = _verdict(chunk.contract, by_swc.get(finding.swc_id, {}), spans)
        if verdict is None:
            stats[f"{SOURCE}.candidates_unjudged"] += 1
        judged[chunk][finding.swc_id] = verdict
    records = []
    for chunk, classes in sorted(judged.items(), key=lambda kv: kv[0].start_line):
        positive = sorted(swc for swc, holds in classes.items() if holds)
        if not positive and None in classes.values():
            stats[f"{SOURCE}.functions_skipped_unjudged"] += 1
            continue
        for swc in positive:
            stats[f"{SOURCE}.weak_positive.{swc}"] += 1
        for swc in (s for s, holds in classes.items() if holds is False):
            stats[f"{SOURCE}.negative.{swc}"] += 1
        stats[f"{SOURCE}.records_weak_positive" if positive else f"{SOURCE}.records_negative"] += 1
        records.append(make_record(chunk, positive, None, SOURCE, f"{SOURCE}:{rel}"))
    return records
