"""The plugin entry point and the detectors' metadata (no compiler needed)."""

from __future__ import annotations

from importlib.metadata import entry_points

from slither.detectors.abstract_detector import AbstractDetector, DetectorClassification

from swclint.detectors.plugin import make_plugin

EXPECTED = {
    "swclint-arithmetic": "SWC-101",
    "swclint-unchecked-call": "SWC-104",
    "swclint-assert": "SWC-110",
    "swclint-dos-failed-call": "SWC-113",
    "swclint-tod": "SWC-114",
    "swclint-timestamp": "SWC-116",
    "swclint-weak-randomness": "SWC-120",
    "swclint-stipend-reentrancy": "SWC-107",
    "swclint-constructor-name": "SWC-118",
    "swclint-function-visibility": "SWC-100",
    "swclint-state-visibility": "SWC-108",
    "swclint-hardcoded-gas": "SWC-134",
    "swclint-balance-equality": "SWC-132",
    "swclint-array-length": "SWC-124",
    "swclint-growing-array-work": "SWC-128",
    "swclint-compiler-bugs": "SWC-102",
}


def test_make_plugin_returns_detector_classes_and_no_printers() -> None:
    detectors, printers = make_plugin()
    assert printers == []
    assert {d.ARGUMENT: d.SWC_ID for d in detectors} == EXPECTED
    assert all(issubclass(d, AbstractDetector) for d in detectors)


def test_metadata_is_complete() -> None:
    for detector in make_plugin()[0]:
        for attr in (
            "HELP",
            "WIKI",
            "WIKI_TITLE",
            "WIKI_DESCRIPTION",
            "WIKI_EXPLOIT_SCENARIO",
            "WIKI_RECOMMENDATION",
        ):
            assert getattr(detector, attr), f"{detector.__name__}.{attr} empty"
        assert detector.WIKI.endswith(detector.SWC_ID)
        assert detector.IMPACT != DetectorClassification.UNIMPLEMENTED


def test_registered_as_slither_plugin() -> None:
    names = {ep.name: ep.value for ep in entry_points(group="slither_analyzer.plugin")}
    assert names.get("swclint") == "swclint.detectors.plugin:make_plugin"
