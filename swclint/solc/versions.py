"""`pragma solidity` constraints (npm-semver as solc implements it) and version resolution."""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from packaging.version import InvalidVersion, Version
from semantic_version import NpmSpec
from semantic_version import Version as SemVer

from swclint.solc.cache import cache_dir
from swclint.solc.errors import InvalidPragma, UnsatisfiablePragma
from swclint.solc.source import solidity_pragmas

__all__ = [
    "Constraint",
    "InvalidPragma",
    "UnsatisfiablePragma",
    "known_releases",
    "LEGACY_RELEASES",
    "PRE_04_RELEASES",
    "parse_constraint",
    "pick",
    "pragma_constraint",
    "resolve",
]

log = logging.getLogger(__name__)

OLDEST_SUPPORTED = Version("0.4.11")  # first release with --standard-json
# Releases before standard JSON, driven through solc-js's legacy interface (the newest wrapper
# translates their output). A fallback only, never a first choice: code that pins one compiles with
# 0.4.11+ today and must keep doing so. 0.4.0 is left out: its npm package holds no compiler.
LEGACY_RELEASES = tuple(Version(f"0.4.{patch}") for patch in range(1, 11))
# After those, for code that no 0.4 release accepts (`f.value(x)()` on a function not marked payable,
# private constructors): the last 0.3 release, whose AST `legacy03` bridges where it is complete.
PRE_04_RELEASES = (Version("0.3.6"),)
RELEASES_TTL_S = 24 * 3600
_OPS = ("<=", ">=", "<", ">", "=", "^", "~")
_PART = r"(?:\d+|[xX*])"
_VERSION_RE = re.compile(rf"^v?({_PART})(?:\.({_PART})(?:\.({_PART}))?)?$")


@dataclass(frozen=True)
class Constraint:
    """All of `specs` must hold (one per `pragma solidity` line); empty means any version.

    The range semantics (caret, tilde, x-ranges, hyphen ranges, partial bounds) are npm's, which is
    what solc implements, and come from `semantic_version.NpmSpec`; `parse_constraint` only checks
    and normalises solc's syntax first, since NpmSpec rejects `>= 0.4.22` (solc allows the space),
    `v0.4.24` and `<*`, and accepts an empty pragma or a dangling `||`, which solc rejects.
    """

    specs: tuple[NpmSpec, ...] = ()
    texts: tuple[str, ...] = ()  # each distinct pragma as written

    @property
    def text(self) -> str:
        return " ; ".join(self.texts)

    def allows(self, v: Version) -> bool:
        sv = _semver(v)
        return all(sv in spec for spec in self.specs)

    def __and__(self, other: Constraint) -> Constraint:
        texts = self.texts + tuple(t for t in other.texts if t not in self.texts)
        return Constraint(self.specs + other.specs, texts)

    def __str__(self) -> str:
        return self.text or "*"


@functools.lru_cache(maxsize=4096)
def _semver(v: Version) -> SemVer:
    major, minor, patch = (list(v.release) + [0, 0, 0])[:3]
    return SemVer(major=major, minor=minor, patch=patch)


ANY = Constraint()
_NOTHING = "<0.0.0"  # npm's `<*`: no version at all


def parse_constraint(text: str) -> Constraint:
    """Parse the expression after `pragma solidity` (e.g. `>=0.4.22 <0.6.0 || ^0.8.0`)."""
    if not text.strip():
        raise InvalidPragma(text, "no version given")
    # solc reads the pragma as tokens, so old verified code writes `^ 0.4 .6` and it compiles
    spaced = re.sub(r"(?<=\d)\s*\.\s*(?=\d)", ".", text)
    alternatives = [alt.strip() for alt in spaced.split("||")]
    if any(not alt for alt in alternatives):
        raise InvalidPragma(text, "empty alternative around '||'")
    npm = " || ".join(_normalise_range(alt, text) for alt in alternatives)
    try:
        spec = NpmSpec(npm)
    except ValueError as exc:  # our checks should leave nothing NpmSpec rejects; say so if one does
        raise InvalidPragma(text, f"not an npm range: {exc}") from None
    return Constraint((spec,), (text.strip(),))


def _normalise_range(alt: str, whole: str) -> str:
    """One `||` alternative in the form NpmSpec reads: `op` glued to its version, `v` dropped."""
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", alt)
    if hyphen:
        return f"{_npm_version(hyphen.group(1), whole)} - {_npm_version(hyphen.group(2), whole)}"
    tokens = re.findall(r"<=|>=|[<>=^~]|[^\s<>=^~]+", alt)
    parts: list[str] = []
    op = ""
    for tok in tokens:
        if tok in _OPS:
            if op:
                raise InvalidPragma(whole, f"operator '{tok}' follows operator '{op}'")
            op = tok
            continue
        version = _npm_version(tok, whole)
        if version == "*" and op in ("<", ">"):
            parts.append(_NOTHING)
        else:
            parts.append(f"{'' if op in ('', '=') else op}{version}" if version != "*" else "*")
        op = ""
    if op:
        raise InvalidPragma(whole, f"operator '{op}' without a version")
    return " ".join(parts)


def _npm_version(tok: str, whole: str) -> str:
    """`v0.4.24` -> `0.4.24`, `0.4.x` -> `0.4`, `*` -> `*`; anything else is an InvalidPragma."""
    parts = _partial(tok, whole)
    return ".".join(str(p) for p in parts) if parts else "*"


def _partial(tok: str, whole: str) -> tuple[int, ...]:
    """`0.4` -> (0, 4); wildcards end the tuple (`0.4.x` -> (0, 4))."""
    m = _VERSION_RE.match(tok)
    if not m:
        raise InvalidPragma(whole, f"'{tok}' is not a version")
    parts: list[int] = []
    for p in m.groups():
        if p is None or p in "xX*":
            break
        if len(p) > 9:  # no release has such a part; int() on thousands of digits raises
            raise InvalidPragma(whole, f"'{tok}' is not a version")
        parts.append(int(p))
    return tuple(parts)


def pragma_constraint(source_text: str, file: str | Path | None = None) -> Constraint:
    """The conjunction of every `pragma solidity` in the source; `ANY` when there is none."""
    result = ANY
    for directive in solidity_pragmas(source_text):
        try:
            result = result & parse_constraint(directive.text)
        except InvalidPragma as exc:
            raise InvalidPragma(directive.text, f"line {directive.line}: {exc.cause}", file) from None
    return result


def pick(
    constraint: Constraint, candidates: Sequence[Version], prefer: Sequence[Version] = ()
) -> Version | None:
    """Newest preferred version allowed by `constraint`, else newest allowed candidate."""
    preferred = [v for v in prefer if constraint.allows(v)]
    if preferred:
        return max(preferred)
    allowed = [v for v in candidates if constraint.allows(v)]
    return max(allowed) if allowed else None


def resolve(
    source_text: str,
    candidates: Sequence[Version],
    prefer: Sequence[Version] = (),
    *,
    file: str | Path | None = None,
) -> Version | None:
    """Concrete solc version for a source: newest installed (`prefer`) that fits, else newest fitting.

    Returns None only when there are no candidates at all; raises UnsatisfiablePragma when the
    pragmas exclude every candidate.
    """
    constraint = pragma_constraint(source_text, file)
    if not candidates and not prefer:
        return None
    chosen = pick(constraint, candidates, prefer)
    if chosen is None:
        raise UnsatisfiablePragma(file, str(constraint))
    return chosen


# --- known releases --------------------------------------------------------------------------


def _stable(raw: Iterable[str]) -> list[Version]:
    out = set()
    for s in raw:
        if not re.fullmatch(r"\d+\.\d+\.\d+", s.strip()):
            continue  # prereleases, nightlies, npm republish suffixes like 0.1.3-1
        try:
            v = Version(s.strip())
        except InvalidVersion:
            continue
        if v >= OLDEST_SUPPORTED:
            out.add(v)
    return sorted(out)


def shipped_releases() -> list[Version]:
    """The release list packaged with swclint (used offline before the first npm lookup)."""
    text = resources.files("swclint.solc").joinpath("releases.txt").read_text(encoding="utf-8")
    return _stable(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _npm_versions(timeout: float) -> list[str] | None:
    npm = shutil.which("npm")
    if not npm:
        return None
    try:
        proc = subprocess.run(
            [npm, "view", "solc", "versions", "--json"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        data = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return None
    return [str(x) for x in data] if isinstance(data, list) else None


def known_releases(*, refresh: bool = False, timeout: float = 20.0) -> list[Version]:
    """Every solc release from 0.4.11 to the newest, ascending.

    Asks npm at most once a day (cached in the cache dir); offline it uses the last cached list,
    or the list shipped with swclint.
    """
    cache_file = cache_dir() / "releases.json"
    cached: list[Version] = []
    if cache_file.is_file():
        try:
            cached = _stable(json.loads(cache_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            cached = []
        fresh = time.time() - cache_file.stat().st_mtime < RELEASES_TTL_S
        if cached and fresh and not refresh:
            return cached
    raw = _npm_versions(timeout)
    if raw is not None and _stable(raw):
        _write_atomic(cache_file, json.dumps(raw))
        return _stable(raw)
    if cached:
        return cached
    log.debug("npm unreachable and no cached release list; using the shipped list")
    return shipped_releases()


def _write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{time.time_ns()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only cache must not stop the lint run
        log.debug("cannot write %s: %s", path, exc)


# --- language questions: the one place that decides what a compiler version means ----------------

CHECKED_ARITHMETIC = Version("0.8.0")  # from here on arithmetic reverts on overflow outside `unchecked`


def has_checked_arithmetic(version: str | Version) -> bool:
    """True when code compiled by solc `version` reverts on overflow instead of wrapping (>= 0.8)."""
    if not isinstance(version, Version):
        major_minor = re.match(r"v?(\d+)\.(\d+)", version.strip())
        if major_minor is None:
            raise InvalidPragma(version, "not a compiler version")
        version = Version(f"{major_minor.group(1)}.{major_minor.group(2)}")
    return version >= CHECKED_ARITHMETIC


@functools.lru_cache(maxsize=1024)
def admits_wrapping_arithmetic(source_text: str) -> bool:
    """True when the `pragma solidity` lines in `source_text` admit a pre-0.8 compiler.

    No pragma, or one that does not parse, admits any compiler, so the answer is then True too.
    """
    try:
        constraint = pragma_constraint(source_text)
    except InvalidPragma:
        return True
    return any(constraint.allows(v) for v in _releases_before(CHECKED_ARITHMETIC))


@functools.cache
def _releases_before(version: Version) -> tuple[Version, ...]:
    return tuple(v for v in shipped_releases() if v < version)
