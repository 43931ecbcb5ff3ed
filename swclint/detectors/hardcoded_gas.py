"""SWC-134: a call that forwards a fixed amount of gas written into the code.

Gas costs change between forks (EIP-1884 repriced SLOAD), so a callee that fits in a literal gas
budget today can run out tomorrow and the call fails or, unchecked, silently does nothing. Only
explicit amounts count (`.gas(10000)`, `{gas: 10000}`, a constant); `transfer`/`send` are the
language's own fixed stipend and are judged by the reentrancy and failed-call checks instead.
"""

from __future__ import annotations

from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import HighLevelCall, LowLevelCall

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import declared_functions, is_constant


class HardcodedGas(SWCDetector):
    ARGUMENT = "swclint-hardcoded-gas"
    HELP = "Call forwarding a hard-coded gas amount"
    CONFIDENCE = DetectorClassification.HIGH

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                for node in function.nodes:
                    if any(isinstance(ir, (HighLevelCall, LowLevelCall)) and ir.call_gas is not None
                           and is_constant(ir.call_gas) for ir in node.irs):
                        results.append(self.node_result(node, "forwards a hard-coded amount of gas"))
        return results
