"""Output of releases before standard JSON (< 0.4.11) in the shape the rest of swclint reads.

solc-js's wrapper drives those releases through their legacy interface and translates the answer
to standard JSON, but leaves two gaps: errors are bare `file:line:col: Type: text` strings without
a `sourceLocation`, and releases before 0.4.9 name contracts without their file (key `""`).
Releases before 0.4 add a third: their own standard library among the sources, and an AST of
another shape (`legacy03`).
"""

from __future__ import annotations

import re

from packaging.version import Version

from swclint.solc import legacy03

_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<type>\w+): (?P<text>[^\n]*)")


def standardise(output: dict, contents: dict[str, str], version: Version | None = None) -> dict:
    """`output` with located errors and every contract under the source unit that defines it."""
    out = dict(output)
    out["errors"] = [_locate(err, contents) for err in output.get("errors") or []]
    if version is not None and version < _FIRST_04:
        output = out = _bridge_03(out, contents)
    contracts = {unit: dict(items) for unit, items in (output.get("contracts") or {}).items()}
    unnamed = contracts.pop("", {})
    if unnamed:
        owners = _definitions(output.get("sources") or {})
        for name, info in unnamed.items():
            # a contract no AST defines has no file to report against; Slither reads the ASTs anyway
            unit = owners.get(name) or next(iter(output.get("sources") or {}), "")
            contracts.setdefault(unit, {})[name] = info
    out["contracts"] = contracts
    return out


def _locate(err: dict, contents: dict[str, str]) -> dict:
    """Give a legacy error string its `sourceLocation` (UTF-8 byte offsets, as solc counts them)."""
    if not isinstance(err, dict) or err.get("sourceLocation"):
        return err
    m = _LOCATED.match(str(err.get("formattedMessage") or err.get("message") or ""))
    if m is None or m["file"] not in contents:
        return err
    lines = contents[m["file"]].splitlines(keepends=True)
    line, col = int(m["line"]), int(m["col"])
    if not 1 <= line <= len(lines):
        return err
    start = sum(len(x.encode("utf-8")) for x in lines[: line - 1])
    start += len(lines[line - 1][: max(col - 1, 0)].encode("utf-8"))
    return {**err, "type": m["type"], "message": m["text"].strip(),
            "sourceLocation": {"file": m["file"], "start": start, "end": start}}


def _definitions(sources: dict) -> dict[str, str]:
    """Contract name -> the source unit whose legacy AST defines it (the first, if several do)."""
    owners: dict[str, str] = {}
    for unit, info in sources.items():
        ast = (info or {}).get("legacyAST") or (info or {}).get("ast") or {}
        for node in ast.get("children") or []:
            name = (node.get("attributes") or {}).get("name")
            if node.get("name") == "ContractDefinition" and name:
                owners.setdefault(name, unit)
    return owners


_FIRST_04 = Version("0.4.0")


def _bridge_03(output: dict, contents: dict[str, str]) -> dict:
    """Only our sources (0.3 adds its standard library), numbered afresh, their ASTs in 0.4's shape.

    A source whose AST cannot be bridged gets an error at the construct 0.3 left out, so the file is
    reported as not compiled instead of being analysed as a different program.
    """
    out = dict(output)
    sources: dict[str, dict] = {}
    errors = list(output.get("errors") or [])
    if any(e.get("severity") == "error" for e in errors if isinstance(e, dict)):
        return out
    for index, (unit, info) in enumerate((u, i) for u, i in (output.get("sources") or {}).items()
                                         if u in contents):
        ast = (info or {}).get("legacyAST") or {}
        try:
            sources[unit] = {"id": index, "legacyAST": legacy03.modernise(ast, contents[unit], index)}
        except legacy03.Unbridgeable as exc:
            errors.append(_unbridgeable(unit, exc))
        except (KeyError, IndexError, TypeError, ValueError) as exc:  # an AST shape we never met
            errors.append(_unbridgeable(unit, legacy03.Unbridgeable(f"a shape the bridge does not know "
                                                                   f"({type(exc).__name__}: {exc})")))
    out["sources"], out["errors"] = sources, errors
    return out


def _unbridgeable(unit: str, exc: legacy03.Unbridgeable) -> dict:
    message = f"solc 0.3's AST cannot be read by Slither here: it holds {exc}"
    err: dict = {"severity": "error", "component": "swclint", "message": message,
                 "formattedMessage": message}
    if exc.offset is not None:
        err["sourceLocation"] = {"file": unit, "start": exc.offset, "end": exc.offset}
    else:
        err["sourceLocation"] = {"file": unit, "start": -1, "end": -1}
    return err
