"""The SWC rule catalog (`rules/*.toml`) and its loader `swclint.rules`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swclint.rules import (
    MAX_DESCRIPTION,
    PRECISIONS,
    SEVERITIES,
    Rule,
    RuleCatalogError,
    UnknownRuleError,
    format_rule_text,
    get_rule,
    load_catalog,
    load_catalog_from,
    swc_for_check,
)

REGISTRY = Path("/work/shared/swc-registry/entries")
ALL_IDS = [f"SWC-{n}" for n in range(100, 137)]
OUR_DETECTORS = {
    "swclint:swclint-arithmetic": "SWC-101",
    "swclint:swclint-assert": "SWC-110",
    "swclint:swclint-dos-failed-call": "SWC-113",
    "swclint:swclint-tod": "SWC-114",
    "swclint:swclint-unchecked-call": "SWC-104",
    "swclint:swclint-timestamp": "SWC-116",
    "swclint:swclint-weak-randomness": "SWC-120",
    "swclint:swclint-stipend-reentrancy": "SWC-107",
    "swclint:swclint-constructor-name": "SWC-118",
    "swclint:swclint-function-visibility": "SWC-100",
    "swclint:swclint-state-visibility": "SWC-108",
    "swclint:swclint-hardcoded-gas": "SWC-134",
    "swclint:swclint-balance-equality": "SWC-132",
    "swclint:swclint-array-length": "SWC-124",
    "swclint:swclint-growing-array-work": "SWC-128",
    "swclint:swclint-compiler-bugs": "SWC-102",
}
# Registry typo: SWC-134 says "CWE-655: Improper Initialization" but links CWE-665 (the CWE with that title).
CWE_CORRECTIONS = {"SWC-134": "CWE-665"}


@pytest.fixture(scope="module")
def catalog() -> dict[str, Rule]:
    return load_catalog()


# --- the packaged catalog ------------------------------------------------------------------------


def test_every_swc_id_has_exactly_one_rule_in_id_order(catalog):
    assert list(catalog) == ALL_IDS
    assert all(rule.id == key for key, rule in catalog.items())


def test_load_catalog_returns_a_copy(catalog):
    load_catalog().pop("SWC-107")
    assert "SWC-107" in load_catalog()


@pytest.mark.parametrize("swc_id", ALL_IDS)
def test_rule_fields_are_valid(catalog, swc_id):
    rule = catalog[swc_id]
    assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule.name)
    assert rule.title and rule.cwe_title
    assert re.fullmatch(r"CWE-\d+", rule.cwe)
    assert rule.severity in SEVERITIES
    assert rule.precision in PRECISIONS
    score = float(rule.security_severity)
    assert 0.1 <= score <= 10
    expected_band = "high" if score >= 7 else "medium" if score >= 4 else ("low", "info")
    assert rule.severity in expected_band
    assert rule.remediation.strip() and rule.fix_example.strip()
    assert rule.help_uri == f"https://swcregistry.io/docs/{swc_id}"
    assert rule.tags == ("security", swc_id, rule.cwe)


@pytest.mark.parametrize("swc_id", ALL_IDS)
def test_description_fits_sarif_full_description(catalog, swc_id):
    description = catalog[swc_id].description
    assert len(description) <= MAX_DESCRIPTION <= 1024
    assert "\n" not in description  # hard wraps in the TOML are joined
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", description) if s]
    assert 2 <= len(sentences) <= 5, sentences


def test_names_are_unique(catalog):
    names = [rule.name for rule in catalog.values()]
    assert len(names) == len(set(names))


def test_no_detector_is_mapped_twice(catalog):
    mapped = [det for rule in catalog.values() for det in rule.detectors]
    assert len(mapped) == len(set(mapped))
    bare = [det.split(":", 1)[1] for det in mapped]
    assert len(bare) == len(set(bare))


def test_slither_names_exist_in_slither():
    all_detectors = pytest.importorskip("slither.detectors.all_detectors")
    arguments = {c.ARGUMENT for c in vars(all_detectors).values() if isinstance(c, type) and hasattr(c, "ARGUMENT")}
    mapped = {det.split(":", 1)[1] for rule in load_catalog().values() for det in rule.detectors
              if det.startswith("slither:")}
    assert mapped, "no slither detectors mapped"
    assert mapped <= arguments, sorted(mapped - arguments)


def test_only_known_tools_are_used(catalog):
    tools = {det.split(":", 1)[0] for rule in catalog.values() for det in rule.detectors}
    assert tools == {"slither", "swclint"}
    ours = {det for rule in catalog.values() for det in rule.detectors if det.startswith("swclint:")}
    assert ours == set(OUR_DETECTORS)


@pytest.mark.parametrize(("check", "swc_id"), [
    *OUR_DETECTORS.items(),
    ("slither:reentrancy-eth", "SWC-107"),
    ("slither:reentrancy-no-eth", "SWC-107"),
    ("slither:tx-origin", "SWC-115"),
    ("slither:suicidal", "SWC-106"),
    ("slither:unchecked-send", "SWC-104"),
    ("slither:unchecked-lowlevel", "SWC-104"),
    ("slither:controlled-delegatecall", "SWC-112"),
    ("slither:arbitrary-send-eth", "SWC-105"),
    ("slither:weak-prng", "SWC-120"),
    ("swclint:swclint-timestamp", "SWC-116"),
    ("slither:pragma", "SWC-103"),
    ("slither:shadowing-state", "SWC-119"),
    ("slither:uninitialized-storage", "SWC-109"),
    ("slither:calls-loop", "SWC-113"),
    ("slither:rtlo", "SWC-130"),
    ("slither:incorrect-equality", "SWC-132"),
    ("slither:encode-packed-collision", "SWC-133"),
])
def test_swc_for_check_maps_known_checks(check, swc_id):
    assert swc_for_check(check) == swc_id
    assert swc_for_check(check.split(":", 1)[1]) == swc_id  # bare check name
    assert swc_for_check(check.upper()) == swc_id


@pytest.mark.parametrize("check", ["slither:assembly", "assembly", "slither:naming-convention", "nope",
                                   "slither:solc-version",  # SWC-102 is judged by the chosen release
                                   "other-tool:reentrancy-eth", ""])
def test_swc_for_check_unmapped_is_none(check):
    assert swc_for_check(check) is None


@pytest.mark.skipif(not REGISTRY.is_dir(), reason="SWC registry not available")
@pytest.mark.parametrize("swc_id", ALL_IDS)
def test_title_and_cwe_match_the_registry(catalog, swc_id):
    text = (REGISTRY / f"{swc_id}.md").read_text(encoding="utf-8")
    title = re.search(r"^# Title\s*\n\s*(.+?)\s*$", text, re.MULTILINE).group(1)
    cwe = re.search(r"\[(CWE-\d+):", text).group(1)
    rule = catalog[swc_id]
    assert rule.title == title
    assert rule.cwe == CWE_CORRECTIONS.get(swc_id, cwe)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.mark.skipif(not REGISTRY.is_dir(), reason="SWC registry not available")
def test_rule_text_is_not_copied_from_the_registry(catalog):
    """No run of 12 words of our description/remediation appears verbatim in the registry text."""
    n = 12
    registry = _words(" ".join(p.read_text(encoding="utf-8") for p in REGISTRY.glob("*.md")))
    grams = {tuple(registry[i:i + n]) for i in range(len(registry) - n + 1)}
    copied = []
    for rule in catalog.values():
        for field in ("description", "remediation"):
            words = _words(getattr(rule, field))
            copied += [(rule.id, field, " ".join(words[i:i + n]))
                       for i in range(len(words) - n + 1) if tuple(words[i:i + n]) in grams]
    assert not copied


def test_overlap_check_detects_a_copied_sentence():
    """The 12-word window check above must catch a sentence taken from the registry."""
    registry = _words("One of the major dangers of calling external contracts is that they can take over the "
                      "control flow.")
    ours = _words("Note: one of the major dangers of calling external contracts is that they can take over.")
    grams = {tuple(registry[i:i + 12]) for i in range(len(registry) - 11)}
    assert any(tuple(ours[i:i + 12]) in grams for i in range(len(ours) - 11))


# --- lookup and rendering ------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ["SWC-107", "swc-107", "107", " SWC-107 ", "SWC107"])
def test_get_rule_accepts_aliases(alias):
    assert get_rule(alias).id == "SWC-107"


@pytest.mark.parametrize("bad", ["SWC-999", "99", "reentrancy", "SWC-1070", ""])
def test_get_rule_unknown_raises_keyerror_with_message(bad):
    with pytest.raises(KeyError) as info:
        get_rule(bad)
    assert isinstance(info.value, UnknownRuleError)
    message = info.value.args[0]
    assert repr(bad) in message and "SWC-100..SWC-136" in message
    assert str(info.value) == message  # no extra quotes, unlike a plain KeyError


def test_format_rule_text_shows_all_parts():
    rule = get_rule("SWC-107")
    text = format_rule_text(rule)
    assert text.splitlines()[0].startswith("SWC-107  Reentrancy")
    for part in (rule.cwe, rule.cwe_title, rule.severity, rule.security_severity, rule.help_uri,
                 "slither:reentrancy-eth", "Remediation", "Example fix"):
        assert part in text
    assert "    balances[msg.sender] = 0;" in text  # fix example, indented verbatim
    flat = " ".join(text.split())
    assert rule.description in flat and rule.remediation in flat


def test_format_rule_text_without_detectors():
    text = format_rule_text(get_rule("SWC-136"))
    assert "Detectors: none (model only)" in text


# --- validation ----------------------------------------------------------------------------------

VALID = '''
id = "{id}"
name = "Example"
title = "Example"
cwe = "CWE-1"
cwe_title = "Example weakness"
severity = "high"
security_severity = "8.0"
precision = "high"
description = """One sentence. Another sentence."""
remediation = """Do the right thing."""
fix_example = """x = 1;"""
detectors = [{detectors}]
'''


def _write(directory: Path, swc_id: str = "SWC-107", detectors: str = '"slither:reentrancy-eth"',
           **replace: str) -> Path:
    text = VALID.format(id=swc_id, detectors=detectors)
    for old, new in replace.items():
        text = text.replace(old.replace("__", " = "), new)
    path = directory / f"{swc_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_catalog_from_accepts_a_valid_file(tmp_path):
    _write(tmp_path)
    rules = load_catalog_from(tmp_path)
    assert list(rules) == ["SWC-107"]
    assert rules["SWC-107"].detectors == ("slither:reentrancy-eth",)


@pytest.mark.parametrize(("edit", "expected"), [
    ({"severity__\"high\"": "colour = \"high\""}, "missing field(s) severity"),
    ({"severity__\"high\"": "severity = \"critical\""}, "severity 'critical'"),
    ({"security_severity__\"8.0\"": "security_severity = \"11\""}, "outside 0.1-10"),
    ({"security_severity__\"8.0\"": "security_severity = \"0\""}, "outside 0.1-10"),
    ({"security_severity__\"8.0\"": "security_severity = \"high\""}, "not a number"),
    ({"security_severity__\"8.0\"": "security_severity = \"3.0\""}, "does not fit severity 'high'"),
    ({"precision__\"high\"": "precision = \"sure\""}, "precision 'sure'"),
    ({"name__\"Example\"": "name = \"not pascal\""}, "PascalCase"),
    ({"cwe__\"CWE-1\"": "cwe = \"841\""}, "CWE-N"),
    ({"title__\"Example\"": "title = \"\""}, "'title' must be a non-empty string"),
    ({"precision__\"high\"": "precision = \"high\"\nextra = 1"}, "unknown field(s) extra"),
    ({"description__\"\"\"One sentence. Another sentence.\"\"\"": f"description = \"{'x' * 1001}\""},
     "more than 1000"),
])
def test_invalid_fields_are_rejected_naming_the_file(tmp_path, edit, expected):
    path = _write(tmp_path, **edit)
    with pytest.raises(RuleCatalogError) as info:
        load_catalog_from(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_bad_detector_names_are_rejected(tmp_path):
    _write(tmp_path, detectors='"reentrancy-eth"')
    with pytest.raises(RuleCatalogError, match="tool:check-name"):
        load_catalog_from(tmp_path)


def test_duplicate_detector_mapping_is_rejected(tmp_path):
    _write(tmp_path, "SWC-107")
    second = _write(tmp_path, "SWC-108")
    with pytest.raises(RuleCatalogError) as info:
        load_catalog_from(tmp_path)
    assert str(info.value).startswith(f"{second}: ")
    assert "already mapped to SWC-107" in str(info.value)


def test_same_bare_check_under_two_tools_is_rejected(tmp_path):
    _write(tmp_path, "SWC-107", detectors='"slither:timestamp"')
    _write(tmp_path, "SWC-116", detectors='"swclint:timestamp"')
    with pytest.raises(RuleCatalogError, match="already mapped to SWC-107"):
        load_catalog_from(tmp_path)


def test_id_must_match_file_name(tmp_path):
    path = _write(tmp_path)
    path.rename(tmp_path / "SWC-108.toml")
    with pytest.raises(RuleCatalogError, match=r"SWC-108\.toml: id SWC-107 does not match the file name"):
        load_catalog_from(tmp_path)


def test_invalid_toml_is_reported_in_one_line(tmp_path):
    (tmp_path / "SWC-107.toml").write_text('id = "SWC-107\n', encoding="utf-8")
    with pytest.raises(RuleCatalogError) as info:
        load_catalog_from(tmp_path)
    assert "SWC-107.toml: invalid TOML" in str(info.value)


def test_missing_or_empty_directory_is_an_error(tmp_path):
    with pytest.raises(RuleCatalogError, match="not found"):
        load_catalog_from(tmp_path / "absent")
    with pytest.raises(RuleCatalogError, match="empty"):
        load_catalog_from(tmp_path)
