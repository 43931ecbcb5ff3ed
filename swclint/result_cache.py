"""Static-stage result cache: an unchanged file (with unchanged imports) is neither compiled nor analysed.

One entry per scanned file, keyed by everything its static result depends on: the contents and unit
names of the file's import closure, the solc version its group resolved to (and a native binary's
identity), swclint's own code and rule catalog, Slither's and crytic-compile's versions, the options
that change analysis (`--all-checks`, remappings) and the analysis root. The value is the file's
findings and its deterministic errors. Entries are JSON files under `<cache>/static/`; one that does
not parse, has the wrong schema, answers another key or fails its checksum is a miss, never trusted.

The grain is the file, not the compile group, so editing one file re-analyses that file alone (plus
its imports, compiled alongside it as they always are).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import MISSING, asdict, dataclass, fields
from importlib import metadata
from pathlib import Path

from . import __version__
from .findings import SEVERITIES, Evidence, FileError, Finding, Location
from .paths import cache_root

log = logging.getLogger("swclint")

SCHEMA = 1
PRUNE_AFTER_DAYS = 30


class CorruptEntry(ValueError):
    """A cache entry that cannot be trusted; the message says why (for --debug logs only)."""


@dataclass
class FileResult:
    """What the static stage produced for one file: its findings and the errors worth replaying."""

    findings: list[Finding]
    errors: list[FileError]
    version: str = ""  # the solc release that compiled the file


# --- keys ----------------------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of swclint's own code and rule catalog: a changed detector must not reuse old results.

    The version number alone would not notice an edit in a development checkout.
    """
    from .rules import _catalog_root

    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    files = sorted(p for p in package.rglob("*") if p.is_file() and "adapters" not in p.relative_to(package).parts
                   and p.suffix in (".py", ".toml", ".json", ".txt", ".js"))
    for p in files:
        h.update(p.relative_to(package).as_posix().encode())
        h.update(p.read_bytes())
    catalog = _catalog_root()
    for f in sorted((f for f in catalog.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def run_context(root: Path, remappings: list[str], all_checks: bool, solc_path: str | None) -> str:
    """The part of every key shared by all files of one run."""
    native = "solc-js-or-installed"
    if solc_path:
        try:
            st = Path(solc_path).resolve().stat()
            native = f"{Path(solc_path).resolve()}:{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            native = f"{solc_path}:missing"
    return _digest(f"schema={SCHEMA}", __version__, code_fingerprint(), _dist_version("slither-analyzer"),
                   _dist_version("crytic-compile"), str(root), json.dumps(sorted(remappings)),
                   f"all_checks={bool(all_checks)}", native)


def file_key(context: str, rel: str, version: str, closure: list[tuple[str, str | None]]) -> str:
    """Key of one file: run context, its path, solc version, and (unit, content) of its import closure."""
    parts = [context, rel, version]
    for unit, content in sorted(closure, key=lambda x: x[0]):
        parts.append(unit)
        parts.append(hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
                     if content is not None else "<missing>")
    return _digest(*parts)


# --- (de)serialisation ---------------------------------------------------------------------------


def _payload(key: str, result: FileResult) -> dict:
    body = {"findings": [asdict(f) for f in result.findings], "errors": [asdict(e) for e in result.errors],
            "version": result.version}
    checksum = _digest(key, json.dumps(body, sort_keys=True))
    return {"schema": SCHEMA, "key": key, "checksum": checksum, **body}


def _need(value: object, kind: type | tuple[type, ...], what: str) -> object:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CorruptEntry(f"{what} has type {type(value).__name__}")
    return value


_SCALARS: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "float": (int, float), "bool": bool}


def _classes() -> dict[str, type]:
    from .findings import Suppression

    return {"Location": Location, "Evidence": Evidence, "Suppression": Suppression, "FileError": FileError,
            "Finding": Finding}


def _value(annotation: str, value: object, what: str) -> object:
    """Check `value` against a dataclass field annotation (`str`, `int | None`, `list[Evidence]`...)."""
    options = [a.strip() for a in annotation.split("|")]
    if value is None:
        if "None" in options:
            return None
        raise CorruptEntry(f"{what} is null")
    for opt in options:
        if opt.startswith("list[") and opt.endswith("]"):
            return [_value(opt[5:-1], item, what) for item in _need(value, list, what)]
        if opt in _SCALARS:
            checked = _need(value, _SCALARS[opt], what)
            return float(checked) if opt == "float" else checked
        if opt in _classes():
            return _build(_classes()[opt], value)
    raise CorruptEntry(f"{what}: cannot check a value of type {annotation}")


def _build(cls: type, data: object) -> object:
    """A dataclass instance from its asdict() form; unknown or missing fields make the entry corrupt."""
    data = _need(data, dict, cls.__name__)
    known = {f.name: f for f in fields(cls)}
    if set(data) - set(known):
        raise CorruptEntry(f"unknown {cls.__name__} fields {sorted(set(data) - set(known))}")
    values = {}
    for name, f in known.items():
        if name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise CorruptEntry(f"{cls.__name__}.{name} missing")
            continue
        values[name] = _value(str(f.type), data[name], f"{cls.__name__}.{name}")
    return cls(**values)


def _finding(data: object, rel: str) -> Finding:
    finding = _build(Finding, data)
    if finding.location.path != rel:
        raise CorruptEntry(f"finding in {finding.location.path}, entry is for {rel}")
    if finding.severity not in SEVERITIES:
        raise CorruptEntry(f"unknown severity {finding.severity!r}")
    if finding.suppression is not None:
        raise CorruptEntry("static results are stored before suppression")
    return finding


def _error(data: object) -> FileError:
    return _build(FileError, data)


def decode(raw: bytes, key: str, rel: str) -> FileResult:
    """Parse and check one entry; raise CorruptEntry for anything not written by us for this key."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorruptEntry(f"not JSON: {exc}") from None
    doc = _need(doc, dict, "entry")
    if doc.get("schema") != SCHEMA:
        raise CorruptEntry(f"schema {doc.get('schema')!r}, expected {SCHEMA}")
    if doc.get("key") != key:
        raise CorruptEntry("entry answers another key")
    body = {"findings": doc.get("findings"), "errors": doc.get("errors"), "version": doc.get("version")}
    if doc.get("checksum") != _digest(key, json.dumps(body, sort_keys=True)):
        raise CorruptEntry("checksum mismatch")
    findings = [_finding(f, rel) for f in _need(body["findings"], list, "findings")]
    errors = [_error(e) for e in _need(body["errors"], list, "errors")]
    return FileResult(findings, errors, _need(body["version"], str, "version"))


# --- store ---------------------------------------------------------------------------------------


class StaticCache:
    """Entries as files `<dir>/<key[:2]>/<key>.json`, written atomically (rename), so parallel runs
    never see half an entry."""

    def __init__(self, directory: Path | None = None) -> None:
        self.dir = directory or cache_root() / "static"

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str, rel: str) -> FileResult | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            result = decode(raw, key, rel)
        except (CorruptEntry, TypeError, ValueError) as exc:
            log.debug("%s: ignoring static cache entry %s: %s", rel, key[:12], exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mtime = last use, so prune() keeps what is still read
        return result

    def prune(self, max_age_days: float = PRUNE_AFTER_DAYS, now: float | None = None) -> int:
        """Delete entries unused for `max_age_days` (at most one sweep a day); returns how many.

        Every edit leaves its old entry behind, and CI restores and saves this folder on every run.
        """
        now = time.time() if now is None else now
        marker = self.dir / ".last-prune"
        try:
            if now - marker.stat().st_mtime < 86400:
                return 0
        except OSError:
            pass
        removed = 0
        for entry in self.dir.glob("*/*.json"):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > max_age_days * 86400:
                    entry.unlink()
                    removed += 1
        with contextlib.suppress(OSError):
            self.dir.mkdir(parents=True, exist_ok=True)
            marker.touch()
            os.utime(marker, (now, now))
        return removed

    def put(self, key: str, result: FileResult) -> None:
        """Best effort: a cache that cannot be written costs speed, never a result."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_payload(key, result), handle, sort_keys=True)
            os.replace(tmp, path)
        except OSError as exc:
            log.debug("static cache not written (%s): %s", path, exc)
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


# --- what the pipeline asks ----------------------------------------------------------------------


@dataclass
class Plan:
    """Per scanned file (rel path): its key and the rel paths of its import closure."""

    keys: dict[str, str]
    closures: dict[str, set[str]]


def plan_keys(groups: dict[str, list], root: Path, remappings: list[str], all_checks: bool,
              solc_path: str | None) -> Plan:
    """Keys for every file of every version group (`groups`: version -> SourceFile-like objects)."""
    from .discover import relpath
    from .solc.imports import load_tree, parse_remapping, unit_name

    files = [f for fs in groups.values() for f in fs]
    tree = load_tree([f.path for f in files], root, [parse_remapping(r) for r in remappings])
    context = run_context(root, remappings, all_checks, solc_path)
    keys: dict[str, str] = {}
    closures: dict[str, set[str]] = {}
    for version, fs in groups.items():
        for f in fs:
            units = tree.closure(unit_name(f.path, root))
            keys[f.rel] = file_key(context, f.rel, version, [(u, tree.contents.get(u)) for u in units])
            closures[f.rel] = {relpath(tree.files[u], root) for u in units if u in tree.files}
    return Plan(keys, closures)


def split_batch(rels: list[str], findings: list[Finding], errors: list[FileError], analysed: list[str],
                versions: dict[str, str], closures: dict[str, set[str]],
                scanned: set[str]) -> dict[str, FileResult]:
    """Per-file results of one analysed batch, for the files whose result can be replayed.

    Only files that compiled and were analysed are stored: a compiler that is missing or timed out
    is not a property of the source. An error naming no file of the batch or of an import (a
    detector crash in a multi-file unit) cannot be attributed, so then nothing of the batch is stored.
    """
    known = set(rels).union(*(closures.get(r, set()) for r in rels))
    if any(e.path not in known for e in errors):
        return {}
    out: dict[str, FileResult] = {}
    done = set(analysed)
    for rel in rels:
        mine = [e for e in errors if e.path == rel
                or (e.path in closures.get(rel, ()) and e.path not in scanned)]
        if rel not in done or any(e.stage == "limit" for e in mine):
            continue
        out[rel] = FileResult([f for f in findings if f.location.path == rel], mine, versions.get(rel, ""))
    return out
