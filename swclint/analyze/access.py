"""Who can call a function: only some accounts (a privileged check), or anyone."""

from __future__ import annotations

# Modifier names that, by convention, admit only some accounts (`onlyOwner`, `auth`, `onlyAdmin`).
PRIVILEGED_MODIFIER = ("only", "auth", "admin", "owner", "whenpaused", "restricted")


def privileged(function) -> bool:
    """Only some accounts get past the checks: an `only*`-style modifier, `msg.sender == <state>`,
    `msg.sender == address(this)` (only the contract's own confirmed self-call, as in a multisig),
    or a bool whitelist `m[msg.sender]` (a balance check such as `b[msg.sender] >= x` does not count)."""
    from slither.core.declarations import SolidityVariable, SolidityVariableComposed
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import Binary, BinaryType, Index, TypeConversion
    from slither.slithir.variables import ReferenceVariable

    if any(word in m.name.lower() for m in function.modifiers for word in PRIVILEGED_MODIFIER):
        return True
    sender = SolidityVariableComposed("msg.sender")
    this = SolidityVariable("this")

    def is_state(v) -> bool:
        return isinstance(v.points_to_origin if isinstance(v, ReferenceVariable) else v, StateVariable)

    for fn in [function, *function.modifiers]:
        for node in fn.nodes:
            if not (node.contains_require_or_assert() or node.contains_if()):
                continue
            itself = {this} | {ir.lvalue for ir in node.irs
                               if isinstance(ir, TypeConversion) and ir.variable == this}
            for ir in node.irs:
                if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                    sides = (ir.variable_left, ir.variable_right)
                    if sender in sides and any(is_state(s) or s in itself for s in sides if s is not sender):
                        return True
                if (isinstance(ir, Index) and ir.variable_right == sender and is_state(ir.variable_left)
                        and str(ir.lvalue.type) == "bool"):
                    return True
    return False
