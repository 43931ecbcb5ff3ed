"""The SWC rule catalog: loads and validates `rules/SWC-*.toml`, the single source of rule text.

Everything that shows rule text reads it from here: `swclint rules`, SARIF `rules[]`, the reports'
remediation, model findings, and our Slither detectors' metadata (`detectors/base.py`).
"""

from __future__ import annotations

import functools
import re
import textwrap
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

CATALOG_PACKAGE = "swclint.rules_catalog"
SEVERITIES = ("info", "low", "medium", "high")
PRECISIONS = ("very-high", "high", "medium", "low")
MAX_DESCRIPTION = 1000  # SARIF fullDescription must stay <= 1024 characters
FIELDS = ("id", "name", "title", "cwe", "cwe_title", "severity", "security_severity", "precision",
          "description", "remediation", "fix_example", "detectors")
OPTIONAL_FIELDS = ("exploit_scenario",)  # shown by Slither's detector wiki for our own checks

_ID = re.compile(r"SWC-\d{3}")
_NAME = re.compile(r"[A-Z][A-Za-z0-9]+")
_CWE = re.compile(r"CWE-\d+")
_DETECTOR = re.compile(r"[a-z0-9][a-z0-9_-]*:[a-z0-9][a-z0-9_-]*")
_ALIAS = re.compile(r"(?:swc-?)?(\d{3})", re.IGNORECASE)


class RuleCatalogError(ValueError):
    """A catalog file is missing, unreadable or invalid; the message names the file."""


class UnknownRuleError(KeyError):
    """No rule with that SWC id. `args[0]` is a readable message."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Rule:
    id: str  # "SWC-107"
    name: str  # PascalCase, SARIF rule `name`
    title: str  # registry title
    cwe: str  # "CWE-841"
    cwe_title: str
    severity: str  # one of SEVERITIES
    security_severity: str  # "8.0": GitHub code scanning scale 0.1-10
    precision: str  # one of PRECISIONS
    description: str
    remediation: str
    fix_example: str
    detectors: tuple[str, ...]  # "tool:check" names mapped to this SWC id
    exploit_scenario: str = ""

    @property
    def help_uri(self) -> str:
        return f"https://swcregistry.io/docs/{self.id}"

    @property
    def tags(self) -> tuple[str, ...]:
        return ("security", self.id, self.cwe)


def load_catalog() -> dict[str, Rule]:
    """All packaged rules keyed by SWC id, sorted by id. Parsed once per process."""
    return dict(_packaged_catalog())


def load_catalog_from(directory: Path) -> dict[str, Rule]:
    """Rules from `SWC-*.toml` files in `directory` (same validation as the packaged catalog)."""
    if not directory.is_dir():
        raise RuleCatalogError(f"{directory}: rule catalog directory not found")
    return _build_catalog(sorted(directory.glob("SWC-*.toml")))


def get_rule(swc_id: str) -> Rule:
    """The rule for "SWC-107", "swc-107", "SWC107" or "107"; UnknownRuleError (a KeyError) otherwise."""
    catalog = _packaged_catalog()
    match = _ALIAS.fullmatch(swc_id.strip()) if isinstance(swc_id, str) else None
    rule = catalog.get(f"SWC-{match.group(1)}") if match else None
    if rule is None:
        ids = list(catalog)
        known = f"{ids[0]}..{ids[-1]}" if ids else "none"
        raise UnknownRuleError(f"unknown SWC id {swc_id!r} (known: {known})")
    return rule


def swc_for_check(check: str) -> str | None:
    """SWC id a tool check maps to: "slither:reentrancy-eth" or bare "reentrancy-eth" -> "SWC-107"."""
    full, bare = _check_index()
    key = check.strip().lower()
    return full.get(key) if ":" in key else bare.get(key)


def format_rule_text(rule: Rule) -> str:
    """Plain-text rendering of one rule, as `swclint rules SWC-107` prints it."""
    from .precision import describe, precision_label, rule_precision  # measured, swclint/data/precision.json

    detectors = ", ".join(rule.detectors) if rule.detectors else "none (model only)"
    lines = [
        f"{rule.id}  {rule.title}  [{rule.name}]",
        f"Severity:  {rule.severity} (security-severity {rule.security_severity}, "
        f"precision {_measured(precision_label, rule_precision(rule.id, rule.detectors))})",
        f"CWE:       {rule.cwe} {rule.cwe_title}",
        f"Detectors: {detectors}",
        *(f"           {d}: {describe(d)}" for d in rule.detectors),
        f"Reference: {rule.help_uri}",
        "",
        "Description",
        _indent_prose(rule.description),
        "",
        "Remediation",
        _indent_prose(rule.remediation),
        "",
        "Example fix",
        textwrap.indent(rule.fix_example, "    "),
    ]
    return "\n".join(lines)


def _measured(label, value: float | None) -> str:
    return "unmeasured" if value is None else f"{label(value)}, measured {value:.2f}"


# --- loading -----------------------------------------------------------------------------------


@functools.cache
def _packaged_catalog() -> dict[str, Rule]:
    files = sorted((f for f in _catalog_root().iterdir() if _is_rule_file(f.name)), key=lambda f: f.name)
    return _build_catalog(files)


def _catalog_root() -> Traversable | Path:
    """The installed `swclint.rules_catalog` package, else `rules/` next to the package (source tree)."""
    try:
        return resources.files(CATALOG_PACKAGE)
    except ModuleNotFoundError:
        # Editable installs made by setuptools' `packages.find` do not map the renamed package.
        source_tree = Path(__file__).resolve().parent.parent / "rules"
        if source_tree.is_dir():
            return source_tree
        raise RuleCatalogError(f"rule catalog not found: neither package {CATALOG_PACKAGE} "
                               f"nor {source_tree} exists") from None


def _is_rule_file(name: str) -> bool:
    return name.startswith("SWC-") and name.endswith(".toml")


@functools.cache
def _check_index() -> tuple[dict[str, str], dict[str, str]]:
    """("tool:check" -> SWC id, "check" -> SWC id) over the packaged catalog."""
    full = {det: rule.id for rule in _packaged_catalog().values() for det in rule.detectors}
    bare = {det.split(":", 1)[1]: swc for det, swc in full.items()}
    return full, bare


def _build_catalog(files: Iterable[Traversable | Path]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    owner: dict[str, tuple[str, str]] = {}  # detector (full and bare) -> (SWC id, file)
    for file in files:
        rule = _read_rule(file)
        if rule.id in rules:
            raise RuleCatalogError(f"{file}: duplicate rule id {rule.id}")
        for det in rule.detectors:
            # The bare check name must be unambiguous too: swc_for_check accepts it.
            for key in (det, det.split(":", 1)[1]):
                if key in owner:
                    other_id, other_file = owner[key]
                    raise RuleCatalogError(f"{file}: detector {det!r} is already mapped to {other_id} "
                                           f"in {other_file}")
                owner[key] = (rule.id, str(file))
        rules[rule.id] = rule
    if not rules:
        raise RuleCatalogError("rule catalog is empty: no SWC-*.toml files found")
    return dict(sorted(rules.items()))


def _read_rule(file: Traversable | Path) -> Rule:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleCatalogError(f"{file}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleCatalogError(f"{file}: invalid TOML: {exc}") from None
    try:
        return _validate(data, file.name)
    except ValueError as exc:
        raise RuleCatalogError(f"{file}: {exc}") from None


def _validate(data: dict, file_name: str) -> Rule:
    """A Rule from one parsed file; ValueError with the first problem found."""
    missing = [f for f in FIELDS if f not in data]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    unknown = sorted(set(data) - set(FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    for field in (*FIELDS, *(f for f in OPTIONAL_FIELDS if f in data)):
        if field != "detectors" and not (isinstance(data[field], str) and data[field].strip()):
            raise ValueError(f"field {field!r} must be a non-empty string")

    rule_id = data["id"]
    if not _ID.fullmatch(rule_id):
        raise ValueError(f"id {rule_id!r} is not of the form SWC-NNN")
    if file_name != f"{rule_id}.toml":
        raise ValueError(f"id {rule_id} does not match the file name")
    if not _NAME.fullmatch(data["name"]):
        raise ValueError(f"name {data['name']!r} is not a PascalCase identifier")
    if not _CWE.fullmatch(data["cwe"]):
        raise ValueError(f"cwe {data['cwe']!r} is not of the form CWE-N")
    if data["severity"] not in SEVERITIES:
        raise ValueError(f"severity {data['severity']!r} is not one of {', '.join(SEVERITIES)}")
    if data["precision"] not in PRECISIONS:
        raise ValueError(f"precision {data['precision']!r} is not one of {', '.join(PRECISIONS)}")
    _check_security_severity(data["security_severity"], data["severity"])

    description = _prose(data["description"])
    if len(description) > MAX_DESCRIPTION:
        raise ValueError(f"description is {len(description)} characters, more than {MAX_DESCRIPTION}")

    detectors = data["detectors"]
    if not isinstance(detectors, list) or not all(isinstance(d, str) for d in detectors):
        raise ValueError("detectors must be a list of strings")
    bad = [d for d in detectors if not _DETECTOR.fullmatch(d)]
    if bad:
        raise ValueError(f"detector {bad[0]!r} is not of the form tool:check-name")
    if len(set(detectors)) != len(detectors):
        raise ValueError("detectors lists the same check twice")

    return Rule(
        id=rule_id,
        name=data["name"],
        title=data["title"].strip(),
        cwe=data["cwe"],
        cwe_title=data["cwe_title"].strip(),
        severity=data["severity"],
        security_severity=data["security_severity"],
        precision=data["precision"],
        description=description,
        remediation=_prose(data["remediation"]),
        fix_example=textwrap.dedent(data["fix_example"]).strip("\n").rstrip(),
        detectors=tuple(detectors),
        exploit_scenario=_prose(data.get("exploit_scenario", "")),
    )


def _check_security_severity(value: str, severity: str) -> None:
    """GitHub's scale: >= 7 high, >= 4 medium, below that low; `info` stays below 4 as well."""
    try:
        score = float(value)
    except ValueError:
        raise ValueError(f"security_severity {value!r} is not a number") from None
    if not 0.1 <= score <= 10.0:
        raise ValueError(f"security_severity {value} is outside 0.1-10")
    band = "high" if score >= 7.0 else "medium" if score >= 4.0 else "low"
    if band != {"info": "low"}.get(severity, severity):
        raise ValueError(f"security_severity {value} does not fit severity {severity!r} "
                         f"(>= 7 high, >= 4 medium, below low/info)")


def _prose(text: str) -> str:
    """Join hard-wrapped lines; blank lines stay paragraph breaks."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _indent_prose(text: str, width: int = 100) -> str:
    return "\n\n".join(textwrap.fill(p, width, initial_indent="    ", subsequent_indent="    ",
                                     break_on_hyphens=False)
                       for p in text.split("\n\n"))
