"""Inline suppression comments.

Forms (in `//` or `/* */` comments, ids comma- or space-separated, optional ` -- why`):

    // swclint-disable-next-line SWC-107, SWC-101 -- guarded by nonReentrant
    x.call("");  // swclint-disable-line SWC-107
    // swclint-disable SWC-101   ...   // swclint-enable SWC-101
    // swclint-disable-file SWC-101

A directive must name its SWC ids; an id-less one is refused (reported, suppresses nothing) so a
blanket comment can never hide a new class of bug. A finding is covered if its start line is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from swclint.findings import FileError, Finding, Suppression

KINDS = ("disable-next-line", "disable-line", "disable-file", "disable", "enable")
_DIRECTIVE = re.compile(r"^swclint-(?P<kind>[a-z-]+)(?P<rest>(?:\s.*)?)$", re.DOTALL)
_SWC_ID = re.compile(r"^SWC-\d{3}$", re.IGNORECASE)


@dataclass
class Directive:
    kind: str
    ids: tuple[str, ...]
    line: int  # line the comment starts on
    end_line: int  # line the comment ends on
    justification: str = ""
    covered: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (first, last) line

    def text(self, swc_id: str) -> str:
        return f"swclint-{self.kind} {swc_id}"


def comments(source: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start_line, end_line, body) for every comment, skipping string literals."""
    i, line, n = 0, 1, len(source)
    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            if j >= n or source[j] != c:  # never closed: it ends at its own line, swallowing nothing
                nl = source.find("\n", i)
                j = n if nl < 0 else nl
            line += source.count("\n", i, min(j, n))  # escaped line continuations
            # an unclosed literal ends at the newline, which the outer loop still has to count
            i = j if j < n and source[j] == "\n" else j + 1
        elif source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            yield line, line, source[i + 2 : j]
            i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j
            body = source[i + 2 : j]
            yield line, line + body.count("\n"), body
            line += body.count("\n")
            i = j + 2
        else:
            i += 1


def parse(path: str, source: str) -> tuple[list[Directive], list[FileError]]:
    """All directives in one file, and the problems with malformed ones."""
    directives: list[Directive] = []
    problems: list[FileError] = []
    for start, end, body in comments(source):
        text = " ".join(part.strip().lstrip("*").strip() for part in body.splitlines()).strip()
        m = _DIRECTIVE.match(text)
        if not m:
            continue
        kind = m["kind"]
        if kind not in KINDS:
            problems.append(FileError(path, "suppress", f"unknown directive 'swclint-{kind}'; use one of "
                                      + ", ".join(f"swclint-{k}" for k in KINDS), start))
            continue
        ids_part, _, justification = m["rest"].partition(" -- ")
        ids: list[str] = []
        for token in filter(None, re.split(r"[,\s]+", ids_part)):
            if _SWC_ID.match(token):
                ids.append(token.upper())
            else:
                problems.append(FileError(path, "suppress", f"'{token}' in swclint-{kind} is not an SWC id "
                                          "(expected e.g. SWC-107)", start))
        if not ids:
            problems.append(FileError(path, "suppress", f"swclint-{kind} without a rule id is ignored; name "
                                      f"the SWC id, e.g. '// swclint-{kind} SWC-107'", start))
            continue
        directives.append(Directive(kind, tuple(dict.fromkeys(ids)), start, end, justification.strip()))
    return directives, problems


def _coverage(path: str, directives: list[Directive], last_line: int) -> list[FileError]:
    """Fill each directive's covered line range per id; return problems with unmatched enables."""
    problems: list[FileError] = []
    open_ranges: dict[str, Directive] = {}
    for d in directives:
        for swc_id in d.ids:
            if d.kind == "disable-next-line":
                d.covered[swc_id] = (d.end_line + 1, d.end_line + 1)
            elif d.kind == "disable-line":
                d.covered[swc_id] = (d.line, d.end_line)
            elif d.kind == "disable-file":
                d.covered[swc_id] = (1, last_line)
            elif d.kind == "disable":
                open_ranges.setdefault(swc_id, d)
            elif swc_id in open_ranges:  # enable
                opener = open_ranges.pop(swc_id)
                opener.covered[swc_id] = (opener.line, d.line)
            else:
                problems.append(FileError(path, "suppress", f"swclint-enable {swc_id} has no matching "
                                          f"swclint-disable {swc_id} above it", d.line))
    for swc_id, opener in open_ranges.items():
        opener.covered[swc_id] = (opener.line, last_line)
    return problems


def apply_inline(findings: list[Finding], sources: dict[str, str]
                 ) -> tuple[list[Finding], list[FileError], list[FileError]]:
    """Mark findings covered by inline directives as suppressed (`inSource`).

    Returns (findings, problems, unused): copies of the findings in the same order, malformed
    directives, and directives that matched no finding.
    """
    by_path: dict[str, list[Directive]] = {}
    problems: list[FileError] = []
    for path in sorted(sources):
        text = sources[path]
        directives, file_problems = parse(path, text)
        file_problems += _coverage(path, directives, max(text.count("\n") + 1, 1))
        by_path[path] = directives
        problems += file_problems

    used: set[tuple[int, str]] = set()
    out: list[Finding] = []
    for f in findings:
        covering = [d for d in by_path.get(f.location.path, [])
                    if f.suppression is None and f.swc_id in d.covered
                    and d.covered[f.swc_id][0] <= f.location.start_line <= d.covered[f.swc_id][1]]
        for d in covering:
            used.add((id(d), f.swc_id))
        if covering:
            f = replace(f, suppression=Suppression("inSource", covering[0].justification))
        out.append(f)

    unused = [FileError(path, "suppress", f"unused suppression '{d.text(swc_id)}': no such finding here",
                        d.line)
              for path, directives in by_path.items() for d in directives for swc_id in d.ids
              if d.kind != "enable" and (id(d), swc_id) not in used]
    return out, problems, unused
