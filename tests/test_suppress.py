"""Inline suppression comments: each form, id-less refusal, unused detection, justification."""

from __future__ import annotations

from swclint.findings import Finding, Location, Suppression
from swclint.suppress import apply_inline, comments


def _f(line: int, swc: str = "SWC-107", path: str = "A.sol") -> Finding:
    return Finding(swc, "t", "high", 0.9, Location(path, line, line), f"{swc} at {line}")


def _apply(source: str, findings: list[Finding]):
    return apply_inline(findings, {"A.sol": source})


def _suppressed_lines(out: list[Finding]) -> list[tuple[int, str]]:
    return [(f.location.start_line, f.swc_id) for f in out if f.suppression is not None]


def test_disable_next_line_with_several_ids_and_justification():
    src = "a\n// swclint-disable-next-line SWC-107, SWC-101 -- guarded by nonReentrant\nb\nc\n"
    out, problems, unused = _apply(src, [_f(3), _f(3, "SWC-101"), _f(3, "SWC-104"), _f(4)])
    assert _suppressed_lines(out) == [(3, "SWC-107"), (3, "SWC-101")]
    assert out[0].suppression == Suppression("inSource", "guarded by nonReentrant")
    assert problems == [] and unused == []


def test_disable_line_same_line_and_block_comment_form():
    src = "x.call(''); // swclint-disable-line SWC-107\ny(); /* swclint-disable-line SWC-101 */\n"
    out, problems, _ = _apply(src, [_f(1), _f(2, "SWC-101"), _f(2)])
    assert _suppressed_lines(out) == [(1, "SWC-107"), (2, "SWC-101")]
    assert out[0].suppression.justification == ""
    assert problems == []


def test_multiline_block_comment_next_line_counts_from_comment_end():
    src = "/*\n * swclint-disable-next-line SWC-107 -- reviewed\n */\nx();\n"
    out, _, _ = _apply(src, [_f(4)])
    assert out[0].suppression == Suppression("inSource", "reviewed")


def test_disable_enable_range():
    src = "1\n// swclint-disable SWC-101\n3\n4\n// swclint-enable SWC-101\n6\n"
    out, problems, unused = _apply(src, [_f(3, "SWC-101"), _f(4, "SWC-101"), _f(6, "SWC-101"), _f(4)])
    assert _suppressed_lines(out) == [(3, "SWC-101"), (4, "SWC-101")]
    assert problems == [] and unused == []


def test_unclosed_disable_runs_to_end_of_file_and_stray_enable_is_reported():
    src = "// swclint-enable SWC-110\n// swclint-disable SWC-101\n3\n4\n5\n"
    out, problems, _ = _apply(src, [_f(5, "SWC-101")])
    assert _suppressed_lines(out) == [(5, "SWC-101")]
    assert [(p.line, p.stage) for p in problems] == [(1, "suppress")]
    assert "no matching swclint-disable SWC-110" in problems[0].message


def test_disable_file():
    src = "1\n2\n3\n/* swclint-disable-file SWC-103 -- pragma is pinned by the build */\n"
    out, _, _ = _apply(src, [_f(1, "SWC-103"), _f(3, "SWC-103"), _f(2)])
    assert _suppressed_lines(out) == [(1, "SWC-103"), (3, "SWC-103")]
    assert out[0].suppression.justification == "pragma is pinned by the build"


def test_directive_without_id_is_refused_and_suppresses_nothing():
    src = "// swclint-disable-next-line\nx();\n// swclint-disable-file -- everything\n"
    out, problems, unused = _apply(src, [_f(2)])
    assert out[0].suppression is None
    assert [p.line for p in problems] == [1, 3]
    assert all(p.stage == "suppress" and "name the SWC id" in p.message for p in problems)
    assert "A.sol:1: suppress error: swclint-disable-next-line without a rule id" in str(problems[0])
    assert unused == []


def test_bad_id_and_unknown_directive_are_reported():
    src = "// swclint-disable-next-line reentrancy, SWC-107\nx();\n// swclint-disabel SWC-107\n"
    out, problems, _ = _apply(src, [_f(2)])
    assert out[0].suppression is not None  # the valid id still applies
    assert "'reentrancy' in swclint-disable-next-line is not an SWC id" in problems[0].message
    assert "unknown directive 'swclint-disabel'" in problems[1].message


def test_unused_suppressions():
    src = "// swclint-disable-next-line SWC-107, SWC-101\nx();\n// swclint-disable-file SWC-103\n"
    out, problems, unused = _apply(src, [_f(2)])
    assert _suppressed_lines(out) == [(2, "SWC-107")]
    assert problems == []
    assert [(u.line, u.message) for u in unused] == [
        (1, "unused suppression 'swclint-disable-next-line SWC-101': no such finding here"),
        (3, "unused suppression 'swclint-disable-file SWC-103': no such finding here"),
    ]


def test_ids_are_case_insensitive_and_only_same_file():
    src = "// swclint-disable-next-line swc-107\nx();\n"
    out, _, _ = apply_inline([_f(2), _f(2, path="B.sol")], {"A.sol": src, "B.sol": "a\nb\n"})
    assert [f.suppression is not None for f in out] == [True, False]


def test_directives_inside_strings_are_ignored_and_existing_suppression_kept():
    src = 'string s = "// swclint-disable-next-line SWC-107";\nx();\n'
    out, _, unused = _apply(src, [_f(2)])
    assert out[0].suppression is None and unused == []
    baseline = _f(2)
    baseline.suppression = Suppression("external", "baseline")
    out, _, _ = _apply("// swclint-disable-next-line SWC-107\nx();\n", [baseline])
    assert out[0].suppression == Suppression("external", "baseline")


def test_comment_scanner_lines():
    src = "a // one\n/* two\nthree */ b\n'//' \"/*\"\n// four"
    assert list(comments(src)) == [(1, 1, " one"), (2, 3, " two\nthree "), (5, 5, " four")]


def test_input_findings_are_not_mutated():
    original = _f(2)
    _apply("// swclint-disable-next-line SWC-107\nx();\n", [original])
    assert original.suppression is None
