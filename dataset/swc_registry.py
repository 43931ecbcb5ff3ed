"""Import the SWC registry test cases: `<case>.sol` + `<case>.yaml` with labelled line numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from dataset.errors import DatasetError
from dataset.records import make_record
from swclint.analyze.chunks import extract_chunks
from swclint.chunk import Chunk

SOURCE = "swc-registry"
FIXED_SUFFIX = "_fixed"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None


def line_labels(folder: Path) -> dict[str, dict[int, set[str]]]:
    """{sol file name: {line: {SWC ids}}} from every yaml in `folder`; count-0 issues add nothing."""
    labels: dict[str, dict[int, set[str]]] = {}
    for yml in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(_read_text(yml)) or {}
        except yaml.YAMLError as exc:
            raise DatasetError(f"{yml}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict) or not isinstance(data.get("issues", []), list):
            raise DatasetError(f"{yml}: expected a mapping with an 'issues' list")
        for issue in data.get("issues") or []:
            swc = str(issue.get("id", ""))
            if not swc.startswith("SWC-"):
                raise DatasetError(f"{yml}: issue without an SWC id")
            for loc in issue.get("locations") or []:
                for fname, lines in (loc.get("line_numbers") or {}).items():
                    for line in lines or []:
                        labels.setdefault(fname, {}).setdefault(int(line), set()).add(swc)
    return labels


def label_chunk(chunk: Chunk, lines: dict[int, set[str]]) -> list[str]:
    """SWC ids whose labelled lines fall inside the chunk."""
    found: set[str] = set()
    for line, ids in lines.items():
        if chunk.start_line <= line <= chunk.end_line:
            found |= ids
    return sorted(found)


def case_group(root: Path, folder: Path) -> str:
    """The case folder, with a `_fixed` variant grouped with its vulnerable case."""
    rel = folder.relative_to(root).as_posix()
    return "swc:" + rel.removesuffix(FIXED_SUFFIX)


def _fixed_chunks(folder: Path, sol: Path) -> dict[tuple[str, str], Chunk]:
    fixed = folder.with_name(folder.name + FIXED_SUFFIX) / (sol.stem + FIXED_SUFFIX + ".sol")
    if not fixed.is_file():
        return {}
    return {(c.contract, c.function): c for c in extract_chunks(_read_text(fixed))}


def import_registry(registry: Path, stats: Counter, compile_status: dict | None = None) -> list[dict]:
    """One record per chunk of every .sol under `test_cases/` (or `registry` itself)."""
    root = registry / "test_cases" if (registry / "test_cases").is_dir() else registry
    sols = sorted(root.rglob("*.sol"))
    if not sols:
        raise DatasetError(f"{registry}: no .sol files under it")
    out: list[dict] = []
    for sol in sols:
        folder = sol.parent
        lines = line_labels(folder).get(sol.name, {})
        rel = sol.relative_to(root).as_posix()
        chunks = extract_chunks(_read_text(sol), rel)
        stats["swc-registry.files"] += 1
        if compile_status is not None:
            compile_status[rel] = _compile(sol)
        fixes = _fixed_chunks(folder, sol) if lines else {}
        for chunk in chunks:
            labels = label_chunk(chunk, lines)
            fix = fixes.get((chunk.contract, chunk.function)) if labels else None
            fix_src = fix.source if fix is not None and fix.source != chunk.source else None
            out.append(make_record(chunk, labels, fix_src, SOURCE, case_group(root, folder)))
            stats["swc-registry.vulnerable" if labels else "swc-registry.clean"] += 1
    return out


def _compile(sol: Path) -> str:
    """'ok', 'error: <first message>' or 'unavailable: ...' via the linter's solc layer.

    Uses only compilers already installed (no download during a dataset build).
    """
    try:
        from swclint.solc import compile_files
    except ImportError:
        return "unavailable: swclint.solc not importable"
    try:
        results, problems = compile_files([sol], sol.parent, allow_install=False, timeout=120)
    except Exception as exc:  # noqa: BLE001 - any compiler failure is a status to record
        return "error: " + (str(exc).splitlines() or [type(exc).__name__])[0]
    errors = [str(d) for d in problems] + [str(d) for r in results for d in r.errors_for(sol)]
    if errors:
        return "error: " + errors[0].splitlines()[0].replace(str(sol.parent) + "/", "")
    compiled = {p.resolve() for r in results for p in r.compiled}
    return "ok" if sol.resolve() in compiled else "error: not compiled"
