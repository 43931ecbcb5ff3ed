"""Import resolution as solc does it (relative paths, remappings) plus node_modules lookups.

We read every imported file ourselves and hand solc the contents, so no compiler-side file
access is needed and a missing import is reported against the line that asks for it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from swclint.solc.errors import SolcError
from swclint.solc.source import imports


@dataclass(frozen=True)
class Remapping:
    context: str
    prefix: str
    target: str

    def __str__(self) -> str:
        return f"{self.context + ':' if self.context else ''}{self.prefix}={self.target}"


def parse_remapping(text: str) -> Remapping:
    """`[context:]prefix=target`, as in foundry's remappings.txt and solc's command line."""
    left, sep, target = text.strip().partition("=")
    context, _, prefix = left.rpartition(":") if ":" in left else ("", "", left)
    if not sep or not prefix:
        raise SolcError(f"invalid remapping '{text.strip()}': expected [context:]prefix=target")
    return Remapping(context, prefix, target)


def apply_remappings(path: str, importer: str, remappings: Sequence[Remapping]) -> str:
    """solc's rule: longest matching context wins, then longest matching prefix."""
    best: Remapping | None = None
    for r in remappings:
        if not importer.startswith(r.context) or not path.startswith(r.prefix):
            continue
        if best is None or (len(r.context), len(r.prefix)) >= (len(best.context), len(best.prefix)):
            best = r
    return best.target + path[len(best.prefix) :] if best else path


def absolute_import(path: str, importer: str) -> str:
    """Resolve `./x` and `../x` against the importing unit's directory; others stay as written."""
    if not path.startswith("."):
        return path
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), path))
    return joined.lstrip("/") if not importer.startswith("/") else joined


def unit_name(file: Path, root: Path) -> str:
    """Source unit name for a file: root-relative POSIX path, or the absolute path outside root."""
    resolved = file.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


@dataclass(frozen=True)
class MissingImport:
    unit: str
    line: int
    import_path: str
    reason: str


@dataclass
class SourceTree:
    root: Path
    files: dict[str, Path] = field(default_factory=dict)  # unit name -> file on disk
    contents: dict[str, str] = field(default_factory=dict)
    deps: dict[str, list[str]] = field(default_factory=dict)
    import_lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (unit, dep) -> line
    missing: list[MissingImport] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # unit -> cause
    # Imports whose file is not the one its name alone leads to (a package's own nested copy of a
    # dependency): solc maps each for its importer alone.
    aliases: list[Remapping] = field(default_factory=list)

    def closure(self, unit: str) -> list[str]:
        """`unit` and everything it imports, transitively, in discovery order."""
        seen: dict[str, None] = {}
        stack = [unit]
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen[u] = None
            stack.extend(reversed(self.deps.get(u, [])))
        return list(seen)

    def broken(self, unit: str) -> list[MissingImport]:
        """Missing imports anywhere in `unit`'s closure."""
        units = set(self.closure(unit))
        return [m for m in self.missing if m.unit in units]


def _locate(unit: str, importer_file: Path | None, root: Path, allowed: Sequence[Path]) -> Path | None:
    candidates: list[Path] = []
    if posixpath.isabs(unit):
        candidates.append(Path(unit))
    else:
        candidates.append(root / unit)
        if not unit.startswith("."):
            # node resolution: node_modules in the importer's directory and every parent up to root
            start = importer_file.parent if importer_file else root
            for d in [start, *start.parents]:
                candidates.append(d / "node_modules" / unit)
                if d == root or root not in d.parents:
                    break
            if importer_file is not None and "node_modules" in importer_file.parts:
                # an installed package resolves as Node does, nearest node_modules first: its own
                # copy of a dependency wins over the one at the top
                candidates.append(candidates.pop(0))
    for c in candidates:
        if c.is_file():
            real = c.resolve()
            if any(real == a or a in real.parents for a in allowed):
                return real
    return None


def _found_by_name(unit: str, root: Path) -> Path | None:
    """The file a reader holding only the unit name finds from `root`: crytic-compile (so Slither)
    maps names to files this way, as a path, under `contracts/`, then in `node_modules` upwards."""
    path = Path(unit)
    for c in (root / path, root / "contracts" / path, *(d / "node_modules" / path for d in (root, *root.parents))):
        if c.is_file():
            return c.resolve()
    return None


def _outside(unit: str, root: Path) -> str:
    """Why an import that exists on disk was not read: it lies outside every project being scanned."""
    target = Path(unit) if posixpath.isabs(unit) else root / unit
    if target.is_file():
        return (f"found at '{target.resolve()}', outside the project being scanned ({root}); "
                f"scan from that project's folder or map it with --remap")
    return f"not found as '{unit}'"


# What marks the top folder of a Solidity project (git, npm, Foundry, Hardhat, Truffle, remappings).
_PROJECT_MARKERS = (".git", "package.json", "foundry.toml", "remappings.txt", "hardhat.config.js",
                    "hardhat.config.ts", "truffle-config.js", "truffle.js")


def project_home(folder: Path) -> Path:
    """The nearest folder at or above `folder` that a project marker names as a project's top, else
    `folder` itself."""
    for d in (folder, *folder.parents):
        if any((d / marker).exists() for marker in _PROJECT_MARKERS):
            return d
    return folder


def load_tree(files: Iterable[Path], root: Path, remappings: Sequence[Remapping]) -> SourceTree:
    """Read `files` and everything they import; unresolvable imports land in `missing`."""
    root = root.resolve()
    allowed = [root]
    for r in remappings:
        target = Path(r.target)
        if target.is_absolute():
            allowed.append(target.resolve())
    files = list(files)
    for f in files:  # a file given outside the root reads imports from its own project
        real = f.resolve()
        if root not in real.parents and (home := project_home(real.parent)) not in allowed:
            allowed.append(home)
    tree = SourceTree(root)
    located: dict[tuple[str, Path], Path | None] = {}  # (import, importer's folder) -> file
    by_name: dict[str, Path | None] = {}  # import -> the file its name alone leads to
    queue: list[tuple[str, Path]] = [(unit_name(f, root), f.resolve()) for f in files]
    while queue:
        unit, file = queue.pop(0)
        if unit in tree.contents or unit in tree.unreadable:
            continue
        try:
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            tree.unreadable[unit] = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            tree.files[unit] = file
            continue
        tree.files[unit], tree.contents[unit] = file, text
        tree.deps[unit] = []
        for directive in imports(text):
            path = absolute_import(directive.text, unit)
            dep = apply_remappings(path, unit, remappings)
            if (dep, file.parent) not in located:
                located[(dep, file.parent)] = _locate(dep, file, root, allowed)
            dep_file = located[(dep, file.parent)]
            if dep_file is None:
                tree.missing.append(MissingImport(unit, directive.line, directive.text, _outside(dep, root)))
                continue
            if dep not in by_name:
                by_name[dep] = _found_by_name(dep, root)
            if by_name[dep] != dep_file:
                # e.g. a package's own nested copy of a dependency: solc is told, for this importer
                # alone, to read it under a name that says where it lies
                alias = unit_name(dep_file, root)
                tree.aliases.append(Remapping(unit, path, alias))
                dep = alias
            if dep not in tree.deps[unit]:
                tree.deps[unit].append(dep)
                tree.import_lines[(unit, dep)] = directive.line
            queue.append((dep, dep_file))
    return tree
