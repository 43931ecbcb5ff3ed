"""Property tests (hypothesis, derandomised) for the parsers and writers that see untrusted input:
the pragma resolver, the suppression-comment parser and the SARIF writer.

Known bugs stay visible as `xfail(strict=True)` tests with the minimal failing input; when a bug is
fixed the test starts passing and strict xfail turns that into a failure, so the mark gets removed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import sarif_multitool
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from swclint.findings import SEVERITIES, Evidence, FileError, Finding, Location, RunResult, Suppression
from swclint.report.sarif import to_sarif, write_sarif
from swclint.rules import load_catalog
from swclint.solc.errors import InvalidPragma, UnsatisfiablePragma
from swclint.solc.versions import parse_constraint, pick, pragma_constraint, resolve
from swclint.suppress import KINDS, apply_inline, parse

# Derandomised: the same examples on every run, no example database, so the suite is reproducible.
# SWCLINT_FUZZ_EXAMPLES=N explores N examples per property instead (a bug hunt; still deterministic).
EXAMPLES = int(os.environ.get("SWCLINT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW_FUZZ = settings(FUZZ, max_examples=max(1, EXAMPLES * 2 // 3))

# Printable text from every Unicode category except surrogates (not encodable as UTF-8).
ANY_CHAR = st.characters(blacklist_categories=("Cs",))


# --- pragma resolver ---------------------------------------------------------------------------

OPS = ["<", "<=", ">", ">=", "=", "^", "~", ""]
PART = st.one_of(st.integers(0, 12), st.integers(0, 10**30), st.sampled_from(["x", "X", "*"]))


@st.composite
def version_text(draw) -> str:
    parts = draw(st.lists(PART, min_size=1, max_size=4))
    prefix = draw(st.sampled_from(["", "", "v"]))
    return prefix + ".".join(str(p) for p in parts)


PRAGMA_TOKEN = st.one_of(
    version_text(),
    st.sampled_from(OPS + ["||", " - ", "-", ";", "/*", "*/", "//", "\n", "\t", "pragma", "solidity",
                           "0.8.0-beta", "\u202e", "\u0663.\u0664.\u0665", "\x00", "'", '"']),
    st.text(ANY_CHAR, max_size=4),
)
PRAGMA_TEXT = st.lists(PRAGMA_TOKEN, max_size=8).flatmap(
    lambda toks: st.sampled_from([" ", "", "  "]).map(lambda sep: sep.join(toks)))
CANDIDATES = st.lists(st.builds(lambda a, b, c: Version(f"{a}.{b}.{c}"), st.integers(0, 1),
                                st.integers(0, 9), st.integers(0, 12)), max_size=12)


@FUZZ
@given(PRAGMA_TEXT)
@example("^0.8.0 || >=0.4.22 <0.6.0")
@example(">=0.4 <0.6 ||")
@example("\u0663.\u0664.\u0665")
def test_parse_constraint_raises_only_invalid_pragma(text: str) -> None:
    try:
        constraint = parse_constraint(text)
    except InvalidPragma as exc:
        if len(f"x{text}x".splitlines()) == 1:  # pragmas with line breaks: see the test below
            assert len(str(exc).splitlines()) == 1, "error message must be one line"
        return
    assert constraint.text == text.strip()


@FUZZ
@given(PRAGMA_TEXT, CANDIDATES, CANDIDATES)
@example("^0.8.0", [Version("0.8.1"), Version("0.7.6")], [])
@example(">=0.9.0 <0.4.0", [Version("0.8.1")], [Version("0.5.0")])
def test_resolve_picks_an_allowed_candidate(text: str, candidates: list[Version],
                                            prefer: list[Version]) -> None:
    source = f"// SPDX-License-Identifier: MIT\npragma solidity {text};\ncontract A {{}}\n"
    try:
        chosen = resolve(source, candidates, prefer, file="A.sol")
    except (InvalidPragma, UnsatisfiablePragma) as exc:
        assert "A.sol" in str(exc), "the error must name the file"
        return
    if not candidates and not prefer:
        assert chosen is None
        return
    constraint = pragma_constraint(source)
    assert chosen in set(candidates) | set(prefer)
    assert constraint.allows(chosen)
    allowed_preferred = [v for v in prefer if constraint.allows(v)]
    expected = max(allowed_preferred) if allowed_preferred else max(
        v for v in candidates if constraint.allows(v))
    assert chosen == expected, "newest preferred fitting version wins, else newest fitting"


def _npm_range(op: str, parts: tuple[int, ...]) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None, bool]:
    """Independent oracle, straight from the npm-semver docs: (lower incl., upper excl., exact?)."""
    full = parts + (0,) * (3 - len(parts))
    if len(parts) == 3 and op in ("", "="):
        return full, full, True

    def bump(p: tuple[int, ...]) -> tuple[int, ...]:
        p = p[:-1] + (p[-1] + 1,)
        return p + (0,) * (3 - len(p))

    if op in ("", "="):
        return full, bump(parts), False
    if op == "^":
        nonzero = [i for i, p in enumerate(parts) if p]
        return full, bump(parts[: (nonzero[0] if nonzero else len(parts) - 1) + 1]), False
    if op == "~":
        return full, bump(parts[:2]), False
    if op == ">=":
        return full, None, False
    if op == "<":
        return None, full, False
    if op == ">":  # `>1.2.3` excludes 1.2.3 only; `>1.2` excludes all of 1.2.x
        return (bump(parts) if len(parts) < 3 else full + (1,)), None, False
    # "<=": `<=1.2` allows all of 1.2.x
    return None, bump(parts), False


def _oracle_allows(alternatives: list[list[tuple[str, tuple[int, ...]]]], v: Version) -> bool:
    t = (v.major, v.minor, v.micro)
    for comparators in alternatives:
        ok = True
        for op, parts in comparators:
            lo, hi, exact = _npm_range(op, parts)
            if exact:
                ok &= t == lo
            else:
                ok &= (lo is None or t >= lo) and (hi is None or t < hi)
        if ok:
            return True
    return False


COMPARATOR = st.tuples(st.sampled_from(["", "=", "^", "~", "<", "<=", ">", ">="]),
                       st.lists(st.integers(0, 9), min_size=1, max_size=3).map(tuple))


@FUZZ
@given(st.lists(st.lists(COMPARATOR, min_size=1, max_size=3), min_size=1, max_size=3), CANDIDATES)
@example([[("^", (0, 8, 0))]], [Version("0.8.9"), Version("0.9.0")])
@example([[(">", (0, 4))]], [Version("0.4.9"), Version("0.5.0")])
@example([[("^", (0, 0))]], [Version("0.0.9"), Version("0.1.0")])
def test_constraint_matches_npm_semantics(alternatives, candidates) -> None:
    text = " || ".join(" ".join(op + ".".join(map(str, parts)) for op, parts in alt) for alt in alternatives)
    constraint = parse_constraint(text)
    for v in candidates:
        assert constraint.allows(v) == _oracle_allows(alternatives, v), f"{text!r} vs {v}"
    chosen = pick(constraint, candidates)
    allowed = [v for v in candidates if _oracle_allows(alternatives, v)]
    assert chosen == (max(allowed) if allowed else None)


@FUZZ
@given(st.integers(4301, 6000))
@example(4301)
def test_huge_version_number_is_an_invalid_pragma(digits: int) -> None:
    with contextlib.suppress(InvalidPragma):  # refusing it is fine; any other exception is the bug
        parse_constraint("9" * digits)


@FUZZ
@given(st.sampled_from(["\n", "\r\n", "\n\n  "]), st.sampled_from(["banana", ">=", "0.8.0 ||"]))
@example("\n  ", "banana")
def test_invalid_multiline_pragma_message_is_one_line(newline: str, junk: str) -> None:
    with pytest.raises(InvalidPragma) as info:
        parse_constraint(f"^0.8.0{newline}{junk}")
    assert len(str(info.value).splitlines()) == 1


# --- suppression comments ----------------------------------------------------------------------

PATH = "a.sol"
# Filler never opens a block comment (that legitimately hides later lines), never spells a directive
# and has no quotes or backslashes (a string running into a newline hits the line-count bug pinned by
# test_directive_line_survives_string_at_line_end); everything else goes.
FILLER = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="*\\\n\r'\""), max_size=30
                 ).filter(lambda s: "swclint" not in s.lower())
POOL = ["SWC-101", "SWC-107", "SWC-115", "SWC-999"]
INJECTED = POOL[:3]  # SWC-999 is never named in a directive
ID_TEXT = st.sampled_from(INJECTED).flatmap(lambda i: st.sampled_from([i, i.lower()]))


@st.composite
def directive(draw, ids: bool = True) -> str:
    kind = draw(st.sampled_from(KINDS))
    names = draw(st.lists(ID_TEXT, min_size=1, max_size=3)) if ids else []
    sep = draw(st.sampled_from([", ", " ", ",", " , "]))
    why = draw(st.sampled_from(["", " -- guarded by nonReentrant", " -- SWC-999 is fine", "   "]))
    body = f"swclint-{kind}" + (" " + sep.join(names) if names else "") + why
    style = draw(st.sampled_from(["// {}", "//{}", "/* {} */", "/** {} */", "x.call(\"\"); // {}", "  // {}"]))
    return style.format(body)


@st.composite
def annotated_source(draw) -> str:
    lines = draw(st.lists(st.one_of(FILLER, directive(), directive(ids=False)), min_size=1, max_size=25))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _findings(lines: int) -> st.SearchStrategy[list[Finding]]:
    return st.lists(st.builds(
        lambda swc, line: Finding(swc, "t", "high", 0.9, Location(PATH, line, line), "m"),
        st.sampled_from(POOL), st.integers(1, lines + 2)), max_size=12)


@FUZZ
@given(st.data())
def test_suppression_never_crashes_and_never_hides_unnamed_ids(data) -> None:
    source = data.draw(annotated_source())
    findings = data.draw(_findings(source.count("\n") + 1))
    directives, problems = parse(PATH, source)
    out, problems2, unused = apply_inline(findings, {PATH: source})
    assert len(out) == len(findings)
    assert [replace(f, suppression=None) for f in out] == findings, "only the suppression may change"
    named = {m.upper() for m in re.findall(r"(?i)(?<![\w-])SWC-\d{3}(?![\w-])", source)}
    for f in out:
        if f.suppression is not None:
            assert f.swc_id in named, f"{f.swc_id} suppressed though no directive names it"
            assert f.suppression.kind == "inSource"
            assert f.swc_id != "SWC-999"
    assert all(e.stage == "suppress" and e.path == PATH for e in problems + problems2 + unused)
    assert all(set(d.ids) <= {i.upper() for i in INJECTED} for d in directives)


@FUZZ
@given(st.lists(FILLER, max_size=6), directive(ids=False), st.lists(FILLER, max_size=6),
       st.sampled_from(POOL), st.sampled_from(["\n", "\r\n"]))
@example([], "// swclint-disable-next-line", [], "SWC-107", "\n")
@example(["contract A {"], "// swclint-disable -- reviewed", ["}"], "SWC-101", "\n")
def test_idless_directive_is_reported_and_suppresses_nothing(before, directive_text, after, swc_id, nl) -> None:
    source = nl.join([*before, directive_text, *after])
    line = len(before) + 1
    _, problems = parse(PATH, source)
    assert any(e.stage == "suppress" and e.line == line and "without a rule id" in e.message
               for e in problems), problems
    findings = [Finding(swc_id, "t", "high", 0.9, Location(PATH, n, n), "m")
                for n in range(1, source.count("\n") + 3)]
    out, _, _ = apply_inline(findings, {PATH: source})
    assert all(f.suppression is None for f in out)


@FUZZ
@given(st.lists(FILLER, max_size=6), st.sampled_from(INJECTED), st.sampled_from(POOL),
       st.lists(FILLER, min_size=1, max_size=6))
def test_next_line_directive_suppresses_exactly_its_id(before, named, other, after) -> None:
    source = "\n".join([*before, f"// swclint-disable-next-line {named} -- ok", *after])
    target = len(before) + 2
    findings = [Finding(named, "t", "high", 0.9, Location(PATH, target, target), "m"),
                Finding(other, "t", "high", 0.9, Location(PATH, target, target), "m"),
                Finding(named, "t", "high", 0.9, Location(PATH, target + 1, target + 1), "m")]
    out, problems, _ = apply_inline(findings, {PATH: source})
    assert not problems
    assert out[0].suppression == Suppression("inSource", "ok")
    assert (out[1].suppression is not None) == (other == named)
    assert out[2].suppression is None


@FUZZ
@given(st.lists(st.sampled_from(["'", 'x = "open', 'string s = "a\\', 'b";', "contract A {"]),
                min_size=1, max_size=4))
@example(["'"])
@example(['string s = "a\\', 'b";'])
def test_directive_line_survives_string_at_line_end(before: list[str]) -> None:
    source = "\n".join([*before, "// swclint-disable-next-line SWC-107", "x.call();"])
    target = len(before) + 2
    out, _, _ = apply_inline([Finding("SWC-107", "t", "high", 0.9, Location(PATH, target, target), "m")],
                             {PATH: source})
    assert out[0].suppression is not None


# --- SARIF writer ------------------------------------------------------------------------------

def _schema_path() -> Path | None:
    """The SARIF 2.1.0 schema shipped with @microsoft/sarif-multitool (installed here when npm can)."""
    env = os.environ.get("SWCLINT_SARIF_SCHEMA")
    if env:
        return Path(env)
    package, _ = sarif_multitool()
    found = sorted(package.parent.glob("sarif-multitool*/sarif*2.1.0*.json")) if package else []
    return found[0] if found else None


@functools.cache
def validator():
    """The SARIF 2.1.0 schema validator, or None offline (the hand-written structure checks still run)."""
    path = _schema_path()
    if path is None or not path.is_file():
        return None
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


CATALOG = load_catalog()

CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F)
MESSAGE = st.text(st.one_of(ANY_CHAR, CONTROL), max_size=40)
REL_PATH = st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
                            min_size=1, max_size=8), min_size=1, max_size=3).map("/".join)
LINE = st.one_of(st.sampled_from([0, 1, 2, 10**12]), st.integers(-2, 200))
SWC = st.one_of(st.sampled_from(["SWC-101", "SWC-107", "SWC-135", "SWC-999", "slither/foo", "naming-convention"]),
                st.text(ANY_CHAR, min_size=1, max_size=12))
EVIDENCE = st.builds(Evidence, st.sampled_from(["slither:reentrancy-eth", "llm:swclint", "swclint:tod"]),
                     st.floats(0, 1), MESSAGE)
SUPPRESSION = st.one_of(st.none(), st.builds(Suppression, st.sampled_from(["inSource", "external"]), MESSAGE))


@st.composite
def finding(draw, paths: list[str]) -> Finding:
    start, end = draw(LINE), draw(LINE)
    loc = Location(draw(st.sampled_from(paths)), start, end, draw(LINE), draw(LINE))
    return Finding(
        swc_id=draw(SWC), title=draw(MESSAGE), severity=draw(st.sampled_from(SEVERITIES)),
        confidence=draw(st.floats(0, 1)), location=loc, message=draw(MESSAGE),
        remediation=draw(MESSAGE), contract=draw(st.text(ANY_CHAR, max_size=8)),
        function=draw(st.text(ANY_CHAR, max_size=8)), evidence=draw(st.lists(EVIDENCE, max_size=2)),
        fix=draw(st.one_of(st.none(), MESSAGE)), suppression=draw(SUPPRESSION))


@st.composite
def run_result(draw) -> RunResult:
    paths = draw(st.lists(REL_PATH, min_size=1, max_size=4, unique=True))
    errors = draw(st.lists(st.builds(FileError, st.sampled_from(paths), st.sampled_from(
        ["read", "compile", "analyze", "suppress", "limit"]), MESSAGE,
        st.one_of(st.none(), st.integers(0, 10**9))), max_size=3))
    sources = {p: draw(st.text(st.one_of(ANY_CHAR, st.just("\n")), max_size=200))
               for p in paths if draw(st.booleans())}
    return RunResult(
        root=draw(st.sampled_from(["/tmp/repo", "/tmp/my repo/ü", "/tmp/%20x#?"])),
        findings=draw(st.lists(finding(paths), max_size=6)),
        errors=errors,
        files=[p for p in paths if draw(st.booleans())],
        sources=sources,
        unused_suppressions=draw(st.lists(st.builds(FileError, st.sampled_from(paths), st.just("suppress"),
                                                    MESSAGE, st.integers(1, 10**6)), max_size=2)),
        tool_version="0.1.0",
    )


def _check_structure(doc: dict) -> None:
    """What GitHub code scanning relies on, asserted by hand (also when no schema is installed)."""
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"] is not None
        (loc,) = res["locations"]
        reg = loc["physicalLocation"]["region"]
        assert reg["startLine"] >= 1 and reg["startColumn"] >= 1
        assert reg["startLine"] <= reg["endLine"]
        if "endColumn" in reg:
            assert reg["endColumn"] >= 1
            if reg["endLine"] == reg["startLine"]:
                assert reg["endColumn"] > reg["startColumn"]
        assert re.fullmatch(r"[0-9a-f]{16}:\d+", res["partialFingerprints"]["primaryLocationLineHash"])
        for sup in res.get("suppressions", []):
            assert sup["kind"] in ("inSource", "external")
    for note in run["invocations"][0].get("toolExecutionNotifications", []):
        region = note["locations"][0]["physicalLocation"].get("region")
        assert region is None or region["startLine"] >= 1


@SLOW_FUZZ
@given(run_result())
def test_sarif_is_valid_and_deterministic(result: RunResult) -> None:
    doc = to_sarif(result, CATALOG)
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    assert json.loads(text) == doc, "SARIF must round-trip through JSON"
    _check_structure(doc)
    if validator() is not None:
        problems = sorted(validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not problems, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in problems[:3])
    # Same input -> the same bytes; and the same findings in another order too, as long as their
    # sort keys differ (merge() guarantees that in a real run: one finding per SWC id x place).
    out1, out2, out3 = io.StringIO(), io.StringIO(), io.StringIO()
    write_sarif(result, out1, catalog=CATALOG)
    write_sarif(result, out2, catalog=CATALOG)
    assert out1.getvalue() == out2.getvalue()
    if len({f.sort_key for f in result.findings}) == len(result.findings):
        write_sarif(replace(result, findings=list(reversed(result.findings))), out3, catalog=CATALOG)
        assert out1.getvalue() == out3.getvalue()
    assert len(doc["runs"][0]["results"]) == len(result.findings)
    suppressed = sum(f.suppression is not None for f in result.findings)
    assert sum("suppressions" in r for r in doc["runs"][0]["results"]) == suppressed


def test_schema_validator_rejects_broken_sarif() -> None:
    """The schema check above can fail: a negative startLine is refused."""
    if validator() is None:
        pytest.skip("SARIF 2.1.0 schema not installed (npm @microsoft/sarif-multitool)")
    f = Finding("SWC-107", "t", "high", 0.9, Location("a.sol", 3, 3), "m")
    doc = to_sarif(RunResult(root="/tmp/r", findings=[f], files=["a.sol"]), CATALOG)
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = -1
    assert list(validator().iter_errors(doc))
