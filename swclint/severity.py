"""Severity from what the code can lose: a check's impact, moderated by the finding's context.

A check reports the impact of its weakness class (Slither's `impact`, our rules' `severity`). What
a given finding can cost depends on the function it sits in, read from Slither's IR:

- **value**: does the function move ether (`transfer`/`send`/`call{value:}`, `selfdestruct`) or
  token balances (writes an `address => uint` mapping, calls `transfer`/`transferFrom`/`mint`/...)?
- **callers**: can anyone call it, or only a privileged account (an `only*` modifier or a
  `require(msg.sender == <state>)` check), or nobody from outside (internal, never reached)?
- **input**: does a caller choose a value it uses (parameters, `msg.value`, `msg.sender`)?
- **callee** (reentrancy only): does some external call go to an address a caller can choose or
  change? Re-entry needs the callee to run code an attacker wrote; a call only to contracts fixed
  at deployment (constants, constructor-set, or set only behind a privileged check) cannot start it
  unless those contracts are hostile, so such a finding is information, not a weakness.
- **blocking** (denial of service by a failed call only): can a failing callee revert the
  transaction (`transfer`, a high-level call, a `send`/`call` whose result a check acts on)? If every
  failure is ignored, one refusing recipient cannot block the others: information.
- **recipient** (unprotected withdrawal only): does some ether payment go to, or some token pull
  (`transferFrom`) take from or give to, an address a caller can choose or change? Anyone may trigger a payout
  to a beneficiary fixed at deployment or set by the owner, or pay an account the amount kept for
  it while recording the payout (`released[a] += p`); the caller cannot redirect it, so Slither's
  `arbitrary-send-*` there is information.
- **acts** (default visibility only): does calling the function change anything (write state, move
  ether, call another contract, create one, emit an event, destroy the contract, run inline
  assembly)? One that only reads and computes exposes nothing by being public, so a missing
  visibility keyword there is information.
- **records** (unchecked call results only): does the function record anything (write state), take
  the caller's ether, or make a call other than a payment? An ignored failed payment of the
  contract's own funds in a function that records nothing loses nothing: the ether or tokens stay
  in the contract and the payment can be made again.

A finding in a modifier takes the facts of the functions using it (any one of them suffices for
each fact), because the modifier's code runs in them.

`RULE_POLICY` says, per SWC class, which of those facts lower the severity: one step per missing
fact, never below `low` (so a finding still fails a default build) and never above the check's own
impact. Informational checks (stipend reentrancy, pragma style) keep `info`. Classes not listed keep
their check's impact. README "Severity, confidence and levels" has the table in prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .analyze.access import anyone_reaches
from .analyze.trust import irs_reached, untrusted_callee, untrusted_recipient
from .detectors.ir import callees
from .findings import SEVERITIES, Finding

VALUE, CALLERS, INPUT, CALLEE, BLOCKING, RECORDS, RECIPIENT, ACTS = (
    "value", "callers", "input", "callee", "blocking", "records", "recipient", "acts")

# Which missing facts lower each class by one step. Value-loss classes need value moved and an
# outside caller; arithmetic also needs a caller-chosen operand; DoS and ordering need outside callers.
RULE_POLICY: dict[str, tuple[str, ...]] = {
    "SWC-100": (CALLERS,),  # a default-public function whose own check admits only privileged callers
    "SWC-101": (VALUE, CALLERS, INPUT),  # overflow that moves no balance, or only the owner can trigger
    "SWC-104": (VALUE, CALLERS),  # an unchecked call that moves nothing loses nothing
    "SWC-105": (VALUE,),  # unprotected withdrawal: loss needs value moved (callers is the weakness)
    "SWC-106": (CALLERS,),  # selfdestruct behind a privileged check
    "SWC-107": (VALUE, CALLERS),  # re-entry that moves no ether/tokens, or only the owner can start
    "SWC-110": (CALLERS,),
    "SWC-112": (CALLERS,),
    "SWC-113": (VALUE, CALLERS),  # a blocked payout loop that pays nothing blocks nothing of value
    "SWC-114": (VALUE, CALLERS),  # front-running a function that moves no value gains nothing
    "SWC-116": (VALUE,),  # a timestamp that decides no payout
    "SWC-120": (VALUE,),  # randomness that decides no payout
}

# Classes whose weakness needs the fact at all: without it the finding is information (`info`).
REQUIRED_FACT: dict[str, str] = {"SWC-100": ACTS, "SWC-104": RECORDS, "SWC-105": RECIPIENT, "SWC-107": CALLEE,
                                  "SWC-113": BLOCKING}

TOKEN_CALLS = {"transfer", "transferfrom", "safetransfer", "safetransferfrom", "mint", "burn",
               "approve", "send"}


@dataclass(frozen=True)
class Context:
    """Facts about the function a finding sits in (True when unknown, so unknown never lowers)."""

    value: bool = True  # moves ether or token balances
    callers: bool = True  # anyone can call it (directly or through a public function)
    input: bool = True  # uses a value the caller chooses
    callee: bool = True  # some external call goes to an address a caller can choose or change
    blocking: bool = True  # some external call's failure reverts the transaction
    records: bool = True  # writes state, or makes a call that is not a plain payment
    recipient: bool = True  # a payment or token pull reaches an address a caller can choose or change
    acts: bool = True  # calling it changes something: state, ether, an external call, selfdestruct

    def missing(self, facts: tuple[str, ...]) -> list[str]:
        return [f for f in facts if not getattr(self, f)]


def adjust(severity: str, swc_id: str, context: Context) -> str:
    """The finding's severity: its check's `severity` lowered one step per missing fact (floor `low`)."""
    if severity not in SEVERITIES or severity == "info":
        return severity
    if swc_id in REQUIRED_FACT and not getattr(context, REQUIRED_FACT[swc_id]):
        return "info"
    steps = len(context.missing(RULE_POLICY.get(swc_id, ())))
    rank = max(SEVERITIES.index("low"), SEVERITIES.index(severity) - steps)
    return SEVERITIES[min(rank, SEVERITIES.index(severity))]


def context_reason(swc_id: str, context: Context) -> str:
    """Why a finding was lowered, for its message ("" when it was not)."""
    words = {VALUE: "moves no ether or token balance", CALLERS: "only privileged callers reach it",
             INPUT: "no caller-chosen operand",
             CALLEE: "its external calls reach only contracts fixed at deployment or set by a privileged account",
             BLOCKING: "no failed call reverts it: a refusing recipient cannot block the others",
             RECORDS: "it records nothing, so a failed payment leaves the funds in the contract to pay again",
             RECIPIENT: "it pays only addresses fixed at deployment or set by a privileged account, "
                        "or an account what the contract records as owed to it",
             ACTS: "it only reads and computes: calling it changes nothing"}
    if swc_id in REQUIRED_FACT and not getattr(context, REQUIRED_FACT[swc_id]):
        return words[REQUIRED_FACT[swc_id]]
    return "; ".join(words[f] for f in context.missing(RULE_POLICY.get(swc_id, ())))


# --- facts from Slither's IR -------------------------------------------------------------------


def moves_value(function) -> bool:
    from slither.slithir.operations import HighLevelCall, LowLevelCall, Send, SolidityCall, Transfer

    for _, ir in irs_reached(function):
        if isinstance(ir, (Send, Transfer)):
            return True
        if isinstance(ir, (LowLevelCall, HighLevelCall)) and ir.call_value is not None:
            return True
        if isinstance(ir, HighLevelCall) and str(ir.function_name).lower() in TOKEN_CALLS:
            return True
        if isinstance(ir, SolidityCall) and ir.function.name.startswith(("selfdestruct", "suicide")):
            return True
    return any(_is_balance_map(v) for v in function.all_state_variables_written())


def _is_balance_map(variable) -> bool:
    """`mapping(address => uint...)`, possibly nested: the shape of a token ledger."""
    text = str(variable.type).replace(" ", "")
    return text.startswith("mapping(address=>") and "uint" in text


def _caller_input(function) -> bool:
    from slither.core.declarations import SolidityVariableComposed

    if function.parameters:
        return True
    chosen = {SolidityVariableComposed("msg.value"), SolidityVariableComposed("msg.sender"),
              SolidityVariableComposed("msg.data"), SolidityVariableComposed("tx.origin")}
    return bool(chosen & set(function.all_solidity_variables_read()))


def _any_failure_reverts(function) -> bool:
    """Some external call (directly or through internal calls) reverts the transaction when it fails:
    `transfer`, a high-level call, or a `send`/`call` whose result decides a revert."""
    from slither.slithir.operations import HighLevelCall, LowLevelCall, Send, Transfer

    from .detectors.ir import failure_reverts, is_library_call

    for fn, ir in irs_reached(function):
        if isinstance(ir, Transfer):
            return True
        if isinstance(ir, HighLevelCall) and not isinstance(ir, LowLevelCall) and not is_library_call(ir):
            return True
        if isinstance(ir, (Send, LowLevelCall)) and failure_reverts(fn, ir.lvalue):
            return True
    return False


def _records(function) -> bool:
    """Writes state (directly or through internal calls), takes the caller's ether (a failed refund of
    it is the caller's loss), or makes a low-level call that is not a plain payment (a call with data
    or without value, a delegatecall): its failure may lose something."""
    from slither.core.declarations import SolidityVariableComposed
    from slither.slithir.operations import LowLevelCall

    if function.all_state_variables_written() or function.payable:
        return True
    if SolidityVariableComposed("msg.value") in function.all_solidity_variables_read():
        return True
    return any(isinstance(ir, LowLevelCall) and (
        ir.function_name != "call" or ir.call_value is None or any(a is not None for a in ir.arguments))
        for _, ir in irs_reached(function))


def _acts(function) -> bool:
    """Calling it changes something: writes state, moves ether, makes any call to another contract
    (before 0.5 a `constant` library function may still write through a storage pointer), creates a
    contract, emits an event (off-chain readers trust logs), self-destructs, or runs inline assembly
    that does one of these (`_ACTING_OPCODE`), itself or in a function it calls."""
    from slither.slithir.operations import (
        EventCall,
        HighLevelCall,
        LowLevelCall,
        NewContract,
        Send,
        SolidityCall,
        Transfer,
    )

    from .detectors.ir import assembly_uses

    if function.payable or function.all_state_variables_written():
        return True
    if any(assembly_uses(fn, _ACTING_OPCODE) for fn in [function, *callees(function)]):
        return True
    for _, ir in irs_reached(function):
        if isinstance(ir, (Send, Transfer, LowLevelCall, HighLevelCall, NewContract, EventCall)):
            return True
        if isinstance(ir, SolidityCall) and ir.function.name.startswith(("selfdestruct", "suicide")):
            return True
    return False


# Opcodes by which inline assembly changes something; `mload`, `keccak256` and arithmetic only compute.
_ACTING_OPCODE = re.compile(r"\b(?:sstore|call|callcode|delegatecall|create2?|log[0-4]|selfdestruct|suicide)\b")


def function_context(function, required: str | None = None) -> Context:
    """Context of a Slither `Function` (the per-class facts of REQUIRED_FACT only when `required`:
    they follow every call); any IR surprise leaves the fact at its neutral value."""
    try:
        return Context(value=moves_value(function), callers=anyone_reaches(function), input=_caller_input(function),
                       callee=untrusted_callee(function) if required == CALLEE else True,
                       blocking=_any_failure_reverts(function) if required == BLOCKING else True,
                       records=_records(function) if required == RECORDS else True,
                       recipient=untrusted_recipient(function) if required == RECIPIENT else True,
                       acts=_acts(function) if required == ACTS else True)
    except Exception:  # Slither's IR has gaps on old compilers; unknown must not lower severity
        return Context()


def contextualize(findings: list[Finding], slither, root: Path) -> list[Finding]:
    """Each finding with its severity set from its function's context (`adjust`)."""
    functions: dict[tuple[str, str, str], list] = {}
    for contract in slither.contracts:
        path = str(Path(contract.source_mapping.filename.absolute).resolve())
        for function in contract.functions_and_modifiers_declared:
            functions.setdefault((path, contract.name, function.name), []).append(function)
    known: dict[tuple[int, str | None], Context] = {}  # several findings in one function: facts computed once
    users = _modifier_users(slither)

    def context_of(function, required: str | None) -> Context:
        if (id(function), required) not in known:
            using = users.get(function.canonical_name, []) if _is_modifier(function) else []
            known[id(function), required] = (_most_exposed([context_of(u, required) for u in using]) if using
                                             else function_context(function, required))
        return known[id(function), required]

    out = []
    for f in findings:
        candidates = functions.get((str((root / f.location.path).resolve()), f.contract, f.function), [])
        if not candidates or (f.swc_id not in RULE_POLICY and f.swc_id not in REQUIRED_FACT):
            out.append(f)
            continue
        # overloads share a name: take the most exposed one
        ctx = _most_exposed([context_of(fn, REQUIRED_FACT.get(f.swc_id)) for fn in candidates])
        severity = adjust(f.severity, f.swc_id, ctx)
        if severity != f.severity:
            reason = context_reason(f.swc_id, ctx)
            f = _with(f, severity, f"{f.message} (severity {f.severity} -> {severity}: {reason})")
        out.append(f)
    return out


def _most_exposed(contexts: list[Context]) -> Context:
    """Each fact holds when it holds in any of the contexts."""
    return Context(value=any(c.value for c in contexts), callers=any(c.callers for c in contexts),
                   input=any(c.input for c in contexts), callee=any(c.callee for c in contexts),
                   blocking=any(c.blocking for c in contexts), records=any(c.records for c in contexts),
                   recipient=any(c.recipient for c in contexts), acts=any(c.acts for c in contexts))


def _is_modifier(function) -> bool:
    from slither.core.declarations import Modifier

    return isinstance(function, Modifier)


def _modifier_users(slither) -> dict[str, list]:
    """Functions using each modifier, by the modifier's canonical name (derived contracts hold their
    own copies of an inherited modifier): a check in a modifier runs in, and costs what, they do."""
    users: dict[str, list] = {}
    for contract in slither.contracts:
        for function in contract.functions_declared:
            for modifier in function.modifiers:
                users.setdefault(modifier.canonical_name, []).append(function)
    return users


def _with(f: Finding, severity: str, message: str) -> Finding:
    return replace(f, severity=severity, message=message)


BAND_SCORE = {"high": 8.0, "medium": 5.5, "low": 3.0, "info": 1.0}  # GitHub bands: >=7, >=4, <4


def security_severity(rule_score: str, rule_severity: str, severity: str) -> str:
    """A finding's security-severity: the rule's score, or its band's midpoint once context lowered it."""
    if severity == rule_severity or severity not in BAND_SCORE:
        return rule_score
    try:
        if float(rule_score) <= BAND_SCORE[severity]:
            return rule_score
    except ValueError:
        pass
    return f"{BAND_SCORE[severity]:.1f}"


def finding_security_severity(f: Finding) -> str:
    """`security_severity` for one finding from its rule (a check without a rule: its band's midpoint)."""
    from .rules import UnknownRuleError, get_rule

    try:
        rule = get_rule(f.swc_id)
    except UnknownRuleError:
        return f"{BAND_SCORE.get(f.severity, BAND_SCORE['info']):.1f}"
    return security_severity(rule.security_severity, rule.severity, f.severity)
