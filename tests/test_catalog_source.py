"""rules/*.toml is the one source of rule text; detectors keep logic, their check id and confidence."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from slither.detectors.abstract_detector import DetectorClassification

from swclint.detectors.base import SEVERITY_TO_IMPACT, TOOL, SWCDetector
from swclint.detectors.plugin import make_plugin
from swclint.rules import RuleCatalogError, load_catalog, swc_for_check

DETECTORS_DIR = Path(__file__).resolve().parent.parent / "swclint" / "detectors"
TEXT_ATTRIBUTES = ("SWC_ID", "FIX", "WIKI", "WIKI_TITLE", "WIKI_DESCRIPTION", "WIKI_EXPLOIT_SCENARIO",
                   "WIKI_RECOMMENDATION")
WINDOW = 8  # words: longer than any phrase two unrelated texts share by chance


def _ours() -> list[type[SWCDetector]]:
    return list(make_plugin()[0])


def _string_constants(tree: ast.AST) -> list[str]:
    """Every string literal except docstrings (which explain logic, not rules)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _sources() -> dict[str, ast.AST]:
    return {p.name: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(DETECTORS_DIR.glob("*.py"))}


def test_every_detector_maps_to_a_catalog_rule() -> None:
    catalog = load_catalog()
    for det in _ours():
        swc = swc_for_check(f"{TOOL}:{det.ARGUMENT}")
        assert swc in catalog, f"{det.__name__}: {TOOL}:{det.ARGUMENT} is mapped by no rule"
        swc_id = det.SWC_ID
        assert swc_id == swc


def test_every_catalog_mapping_names_an_existing_check() -> None:
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    existing = {f"slither:{c.ARGUMENT}" for c in vars(all_detectors).values()
                if isinstance(c, type) and issubclass(c, AbstractDetector) and c is not AbstractDetector}
    existing |= {f"{TOOL}:{d.ARGUMENT}" for d in _ours()}
    mapped = {check for rule in load_catalog().values() for check in rule.detectors}
    assert mapped, "the catalog maps no check at all"
    assert mapped <= existing, sorted(mapped - existing)


def test_detector_metadata_is_the_catalog_text() -> None:
    catalog = load_catalog()
    for det in _ours():
        rule = catalog[det.SWC_ID]
        shown = (det.WIKI, det.WIKI_TITLE, det.WIKI_DESCRIPTION, det.WIKI_RECOMMENDATION, det.WIKI_EXPLOIT_SCENARIO)
        assert shown == (rule.help_uri, rule.title, rule.description, rule.remediation,
                         rule.exploit_scenario or rule.description)
        impact = det.IMPACT
        if "IMPACT" not in vars(det):
            assert impact == SEVERITY_TO_IMPACT[rule.severity]
        assert det.HELP and det.CONFIDENCE != DetectorClassification.UNIMPLEMENTED
        assert not hasattr(det, "FIX")


def test_detector_classes_set_no_rule_text() -> None:
    for name, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name != SWCDetector.__name__:  # the base: defaults
                assigned = {t.id for stmt in node.body if isinstance(stmt, ast.Assign)
                            for t in stmt.targets if isinstance(t, ast.Name)}
                assert not assigned & set(TEXT_ATTRIBUTES), (name, node.name, sorted(assigned & set(TEXT_ATTRIBUTES)))


def test_no_rule_text_in_detector_sources() -> None:
    """No SWC title, and no run of WINDOW words of any description/remediation/scenario, in a literal."""
    catalog = load_catalog()
    titles = {rule.title for rule in catalog.values()}
    grams = set()
    for rule in catalog.values():
        for text in (rule.description, rule.remediation, rule.exploit_scenario):
            words = _words(text)
            grams |= {tuple(words[i:i + WINDOW]) for i in range(len(words) - WINDOW + 1)}
    found = []
    for name, tree in _sources().items():
        for literal in _string_constants(tree):
            found += [(name, title) for title in titles if title in literal]
            words = _words(literal)
            found += [(name, " ".join(words[i:i + WINDOW])) for i in range(len(words) - WINDOW + 1)
                      if tuple(words[i:i + WINDOW]) in grams]
            if "Fix:" in literal:
                found.append((name, literal))
    assert not found


def test_the_text_check_catches_a_copied_remediation() -> None:
    """The window check must see a remediation sentence pasted into a detector."""
    remediation = load_catalog()["SWC-104"].remediation
    tree = ast.parse(f"class X:\n    HELP = {remediation[:120]!r}\n")
    words = _words(_string_constants(tree)[0])
    rule_words = _words(remediation)
    grams = {tuple(rule_words[i:i + WINDOW]) for i in range(len(rule_words) - WINDOW + 1)}
    assert any(tuple(words[i:i + WINDOW]) in grams for i in range(len(words) - WINDOW + 1))


def test_an_unmapped_detector_is_refused_with_its_name() -> None:
    with pytest.raises(RuleCatalogError, match="swclint:swclint-not-in-the-catalog"):
        type("Unmapped", (SWCDetector,), {"ARGUMENT": "swclint-not-in-the-catalog", "HELP": "x"})


def test_results_carry_the_swc_id_and_no_fix_text() -> None:
    """What a result looks like after `generate_result` (no compiler: a stub replaces Slither's)."""
    det = _ours()[0]
    captured = {}

    class Probe(det):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:  # skip Slither's init: it needs a compilation unit
            pass

        def generate_result(self, info, additional_fields=None):  # noqa: ANN001
            captured.update(info=info, fields=additional_fields)
            return type("R", (), {"data": {}})()

    Probe().result(["x", " message\n"], impact="Low")
    assert captured["fields"] == {"swc": det.SWC_ID}
    assert not any("Fix" in str(part) for part in captured["info"])
