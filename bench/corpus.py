"""Corpus readers: every benchmark layout becomes a list of labelled cases.

A case is one (file, SWC class): positive with its labelled lines, or negative
(a `_fixed`/count-0 variant that must raise no finding of that class).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path


class CorpusError(Exception):
    """Bad corpus input; the message names the file and the cause."""


@dataclass(frozen=True)
class Case:
    file: Path  # absolute
    swc: str  # "SWC-101"
    lines: tuple[int, ...] = ()  # labelled lines (1-based); empty for negative cases
    positive: bool = True


_SWC = re.compile(r"^SWC-(\d{3})$")


def _swc(value: str, where: str) -> str:
    value = value.strip().upper()
    if value.isdigit():
        value = f"SWC-{value}"
    if not _SWC.match(value):
        raise CorpusError(f"{where}: not an SWC id: {value!r}")
    return value


def read_swc_registry(root: Path) -> list[Case]:
    """SWC registry: `labels.csv` (sol_file, swc_id, count, line_numbers) at the root."""
    labels = root / "labels.csv"
    if not labels.is_file():
        raise CorpusError(f"{labels}: missing (expected the SWC registry layout)")
    cases = []
    with labels.open(newline="", encoding="utf-8") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{labels}:{row_number}"
            try:
                sol, swc, count, lines = row["sol_file"], row["swc_id"], row["count"], row["line_numbers"]
            except KeyError as exc:
                raise CorpusError(f"{where}: missing column {exc}") from exc
            line_numbers = tuple(int(x) for x in (lines or "").split())
            positive = int(count or 0) > 0
            cases.append(
                Case((root / sol).resolve(), _swc(swc, where), line_numbers if positive else (), positive)
            )
    return cases


# DASP-10 categories used by SmartBugs curated, mapped to the closest SWC class.
DASP_TO_SWC = {
    "reentrancy": "SWC-107",
    "access_control": "SWC-105",
    "arithmetic": "SWC-101",
    "unchecked_low_level_calls": "SWC-104",
    "denial_of_service": "SWC-113",
    "bad_randomness": "SWC-120",
    "front_running": "SWC-114",
    "time_manipulation": "SWC-116",
}


def read_smartbugs(root: Path) -> list[Case]:
    """SmartBugs curated: `vulnerabilities.json` = [{path, vulnerabilities: [{lines, category}]}]."""
    index = root / "vulnerabilities.json"
    if not index.is_file():
        raise CorpusError(f"{index}: missing (expected the SmartBugs curated layout)")
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{index}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    cases = []
    for entry in entries:
        path = entry.get("path") or entry.get("name")
        if not path:
            raise CorpusError(f"{index}: entry without path: {entry!r:.80}")
        file = (root / path).resolve()
        if not file.exists() and (root / "dataset" / path).exists():
            file = (root / "dataset" / path).resolve()
        by_swc: dict[str, list[int]] = {}
        for vuln in entry.get("vulnerabilities", []):
            swc = DASP_TO_SWC.get(str(vuln.get("category", "")).lower())
            if swc:
                by_swc.setdefault(swc, []).extend(int(x) for x in vuln.get("lines", []))
        cases += [Case(file, swc, tuple(sorted(set(lines)))) for swc, lines in sorted(by_swc.items())]
    return cases


# SolidiFI bug-type folder / column names.
SOLIDIFI_TO_SWC = {
    "overflow-underflow": "SWC-101",
    "re-entrancy": "SWC-107",
    "tod": "SWC-114",
    "timestamp-dependency": "SWC-116",
    "unchecked-send": "SWC-104",
    "unhandled-exceptions": "SWC-104",
    "tx.origin": "SWC-115",
}


def read_solidifi(root: Path) -> list[Case]:
    """SolidiFI: `<BugType>/buggy_N.sol` with `<BugType>/BugLog_N.csv` (loc, length, bug type, approach)."""
    cases = []
    logs = sorted(root.rglob("BugLog_*.csv"))
    if not logs:
        raise CorpusError(f"{root}: no BugLog_N.csv files (expected the SolidiFI layout)")
    for log in logs:
        number = log.stem.split("_", 1)[1]
        sol = log.with_name(f"buggy_{number}.sol")
        if not sol.is_file():
            raise CorpusError(f"{log}: no matching {sol.name}")
        by_swc: dict[str, set[int]] = {}
        with log.open(newline="", encoding="utf-8") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                kind = row.get("bug type") or log.parent.name
                swc = SOLIDIFI_TO_SWC.get(kind.lower()) or SOLIDIFI_TO_SWC.get(log.parent.name.lower())
                if swc is None:
                    continue
                try:
                    start, length = int(row["loc"]), int(row.get("length") or 1)
                except (KeyError, ValueError) as exc:
                    raise CorpusError(f"{log}:{row_number}: bad loc/length ({exc})") from exc
                by_swc.setdefault(swc, set()).update(range(start, start + max(length, 1)))
        cases += [Case(sol.resolve(), swc, tuple(sorted(lines))) for swc, lines in sorted(by_swc.items())]
    return cases


def read_csv(path: Path) -> list[Case]:
    """Generic `file,line,swc` CSV (files relative to the CSV); an empty line marks a negative case."""
    if path.is_dir():
        path = path / "labels.csv"
    if not path.is_file():
        raise CorpusError(f"{path}: missing label CSV")
    grouped: dict[tuple[Path, str], list[int]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path}:{row_number}"
            if not {"file", "line", "swc"} <= set(row):
                raise CorpusError(f"{where}: header must be file,line,swc")
            key = ((path.parent / row["file"].strip()).resolve(), _swc(row["swc"], where))
            lines = grouped.setdefault(key, [])
            if (row["line"] or "").strip():
                try:
                    lines.append(int(row["line"]))
                except ValueError as exc:
                    raise CorpusError(f"{where}: line is not a number: {row['line']!r}") from exc
    return [Case(file, swc, tuple(sorted(lines)), bool(lines)) for (file, swc), lines in grouped.items()]


# --- CGT (consolidated ground truth): contract-level labels, one row per dataset assessment ---------

CGT_SPLITS = {"dev": "01234567", "test": "89ab"}  # first hex digit of the file name
CGT_EXTRA = {"SWC-995", "SWC-996", "SWC-997", "SWC-998", "SWC-999"}  # CGT's own classes, not SWC


@dataclass(frozen=True)
class CgtLabel:
    """One assessment: does `swc` hold for `contract` in `file`, according to `dataset`."""

    file: Path  # absolute
    contract: str  # "" when CGT names no contract: then the whole file is the unit
    dataset: str
    swc: str  # "SWC-107"
    holds: bool


def cgt_split_of(file: Path) -> str | None:
    """"dev" or "test" by the first character of the file name (an MD5 in CGT); None otherwise."""
    first = file.name[:1].lower()
    return next((name for name, chars in CGT_SPLITS.items() if first in chars), None)


def read_cgt(root: Path, split: str | None = None) -> list[CgtLabel]:
    """`labels.csv` of the CGT corpus as deduplicated labels, optionally one split ("dev"/"test").

    Rows without an SWC id and CGT's own 995-999 classes are dropped. Several entries (addresses)
    can share one source file; their identical (file, contract, dataset, swc) assessments count once.
    """
    if split is not None and split not in CGT_SPLITS:
        raise CorpusError(f"unknown split {split!r} (choose from {', '.join(CGT_SPLITS)})")
    root = Path(root)
    labels = root / "labels.csv" if root.is_dir() else root
    if not labels.is_file():
        raise CorpusError(f"{labels}: missing (expected the CGT layout: labels.csv + sources/)")
    seen: dict[tuple[Path, str, str, str], CgtLabel] = {}
    with labels.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        need = {"file", "contract", "dataset", "swc", "holds"}
        if not need <= set(reader.fieldnames or ()):
            raise CorpusError(f"{labels}:1: header must contain {', '.join(sorted(need))}")
        for row_number, row in enumerate(reader, start=2):
            where = f"{labels}:{row_number}"
            if not (row["swc"] or "").strip():
                continue
            swc = _swc(row["swc"], where)
            if swc in CGT_EXTRA:
                continue
            file = (labels.parent / row["file"].strip()).resolve()
            if split is not None and cgt_split_of(file) != split:
                continue
            holds = row["holds"].strip()
            if holds not in ("0", "1"):
                raise CorpusError(f"{where}: holds must be 0 or 1, not {holds!r}")
            label = CgtLabel(file, row["contract"].strip(), row["dataset"].strip(), swc, holds == "1")
            key = (label.file, label.contract, label.dataset, label.swc)
            old = seen.setdefault(key, label)
            if old.holds != label.holds:
                raise CorpusError(f"{where}: {label.dataset} says both holds and not for "
                                  f"{label.contract or '<file>'} {swc}")
    return sorted(seen.values(), key=lambda x: (str(x.file), x.contract, x.dataset, x.swc))


READERS = {
    "swc-registry": read_swc_registry,
    "smartbugs": read_smartbugs,
    "solidifi": read_solidifi,
    "csv": read_csv,
}


def read_corpus(root: Path, fmt: str) -> list[Case]:
    if fmt not in READERS:
        raise CorpusError(f"unknown corpus format {fmt!r} (choose from {', '.join(READERS)})")
    if not root.exists():
        raise CorpusError(f"{root}: no such corpus")
    return READERS[fmt](root)
