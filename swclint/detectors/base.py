"""Common shape of the swclint detectors: SWC id, fix text, one result per node."""

from __future__ import annotations

from slither.core.cfg.node import Node
from slither.detectors.abstract_detector import AbstractDetector
from slither.utils.output import Output

WIKI_BASE = "https://swcregistry.io/docs/"


class SWCDetector(AbstractDetector):
    """Base for our detectors; subclasses set SWC_ID and FIX besides Slither's metadata."""

    SWC_ID = ""
    FIX = ""  # one-sentence concrete fix, appended to every result description

    def node_result(self, node: Node, message: str, *, impact: str | None = None) -> Output:
        """A result pointing at ``node`` (its line is the finding's location)."""
        function = node.function
        info = (
            [function, " ", message, ": ", node, f"\n\tFix: {self.FIX}\n"]
            if function
            else [node, " ", message]
        )
        result = self.generate_result(info, additional_fields={"swc": self.SWC_ID, "fix": self.FIX})
        if impact is not None:
            result.data["impact"] = impact
        return result

    def function_result(self, function, message: str) -> Output:
        info = [function, " ", message, f"\n\tFix: {self.FIX}\n"]
        return self.generate_result(info, additional_fields={"swc": self.SWC_ID, "fix": self.FIX})
