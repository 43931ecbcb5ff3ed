"""Common shape of the swclint detectors: logic, own id and confidence here; rule text from the catalog.

A subclass sets Slither's `ARGUMENT` (its check id), `HELP` (what the check looks for),
`CONFIDENCE` and, only when it reports below its rule's severity, `IMPACT`. The SWC class is the
rule in `rules/*.toml` that maps `swclint:<ARGUMENT>`; its severity, title, description, exploit
scenario and remediation fill Slither's metadata, so the text has one home (docs/ARCHITECTURE.md,
"Add a detector").
"""

from __future__ import annotations

from typing import Any

from slither.core.cfg.node import Node
from slither.detectors.abstract_detector import AbstractDetector, DetectorClassification
from slither.utils.output import Output

from swclint.rules import RuleCatalogError, get_rule, swc_for_check

TOOL = "swclint"  # the tool prefix of our checks in the catalog ("swclint:swclint-arithmetic")
SEVERITY_TO_IMPACT = {
    "high": DetectorClassification.HIGH,
    "medium": DetectorClassification.MEDIUM,
    "low": DetectorClassification.LOW,
    "info": DetectorClassification.INFORMATIONAL,
}


class SWCDetector(AbstractDetector):
    """Base for our detectors; the catalog supplies SWC_ID, IMPACT and the WIKI_* text."""

    SWC_ID = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check = f"{TOOL}:{cls.ARGUMENT}"
        swc = swc_for_check(check)
        if swc is None:
            raise RuleCatalogError(f"{cls.__module__}.{cls.__name__}: no rule in rules/*.toml maps {check!r}")
        rule = get_rule(swc)
        cls.SWC_ID = rule.id
        if "IMPACT" not in vars(cls):  # a check may report below its rule's severity (logic, not text)
            cls.IMPACT = SEVERITY_TO_IMPACT[rule.severity]
        cls.WIKI = rule.help_uri
        cls.WIKI_TITLE = rule.title
        cls.WIKI_DESCRIPTION = rule.description
        cls.WIKI_EXPLOIT_SCENARIO = rule.exploit_scenario or rule.description
        cls.WIKI_RECOMMENDATION = rule.remediation

    def concrete_contracts(self) -> list:
        """The analysed contracts that carry code of their own (no interfaces, no libraries)."""
        return [c for c in self.contracts if not (c.is_interface or c.is_library)]

    def result(self, info: list, *, impact: str | None = None) -> Output:
        """A Slither result tagged with our SWC id; `impact` overrides the rule's severity."""
        result = self.generate_result(info, additional_fields={"swc": self.SWC_ID})
        if impact is not None:
            result.data["impact"] = impact
        return result

    def node_result(self, node: Node, message: str, *, impact: str | None = None) -> Output:
        """A result pointing at ``node`` (its line is the finding's location)."""
        function = node.function
        info = [function, " ", message, ": ", node, "\n"] if function else [node, " ", message]
        return self.result(info, impact=impact)

    def function_result(self, function, message: str) -> Output:
        return self.result([function, " ", message, "\n"])
