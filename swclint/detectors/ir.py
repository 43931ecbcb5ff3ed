"""Small SlithIR helpers shared by the swclint detectors.

The dependency analysis here is deliberately our own rather than Slither's
``data_dependency``: reading ``m[k]`` depends on the mapping ``m`` but not on the
key ``k`` (a never-written mapping is all zeros whatever the key), and external
call results are tracked as their own source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from slither.core.cfg.node import Node, NodeType
from slither.core.cfg.scope import Scope
from slither.core.declarations import (
    Contract,
    Function,
    FunctionContract,
    Modifier,
    SolidityFunction,
    SolidityVariable,
    SolidityVariableComposed,
)
from slither.core.solidity_types import ArrayType, MappingType
from slither.core.solidity_types.type import Type
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Condition,
    HighLevelCall,
    Index,
    InternalCall,
    InternalDynamicCall,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
    NewContract,
    Operation,
    OperationWithLValue,
    Return,
    Send,
    SolidityCall,
    Transfer,
    TypeConversion,
    Unary,
)
from slither.slithir.operations.unary import UnaryType
from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable

from swclint.analyze.run_cache import recursive_run_cache, run_cache
from swclint.solc.versions import has_checked_arithmetic

ARITHMETIC = {BinaryType.ADDITION, BinaryType.SUBTRACTION, BinaryType.MULTIPLICATION, BinaryType.POWER}
COMPARISON = {
    BinaryType.LESS,
    BinaryType.GREATER,
    BinaryType.LESS_EQUAL,
    BinaryType.GREATER_EQUAL,
    BinaryType.EQUAL,
    BinaryType.NOT_EQUAL,
}
REQUIRE_ASSERT = {
    SolidityFunction("require(bool)"),
    SolidityFunction("require(bool,string)"),
    SolidityFunction("require(bool,error)"),
    SolidityFunction("assert(bool)"),
}
ASSERT = SolidityFunction("assert(bool)")
BLOCKHASH = {SolidityFunction("blockhash(uint256)")}
# (a + b) % k and (a * b) % k: a modular reduction like `%`, written as a builtin
MODULAR = {
    SolidityFunction("addmod(uint256,uint256,uint256)"),
    SolidityFunction("mulmod(uint256,uint256,uint256)"),
}
HASHES = {
    SolidityFunction("keccak256()"),
    SolidityFunction("keccak256(bytes)"),
    SolidityFunction("sha256()"),
    SolidityFunction("sha256(bytes)"),
    SolidityFunction("sha3()"),
}
BLOCK_VALUES = {
    SolidityVariableComposed("block.timestamp"),
    SolidityVariableComposed("block.number"),
    SolidityVariableComposed("block.difficulty"),
    SolidityVariableComposed("block.prevrandao"),
    SolidityVariableComposed("block.coinbase"),
    SolidityVariableComposed("block.gaslimit"),
    SolidityVariable("now"),
}
TIME_VALUES = {
    SolidityVariableComposed("block.timestamp"),
    SolidityVariable("now"),
    SolidityVariableComposed("block.number"),
}
CALLER_VALUES = {
    SolidityVariableComposed("msg.sender"),
    SolidityVariableComposed("msg.value"),
    SolidityVariableComposed("msg.data"),
    SolidityVariableComposed("tx.origin"),
}
GASLEFT = {SolidityFunction("gasleft()"), SolidityVariableComposed("msg.gas")}


BLOCKHASH_RESULT = SolidityVariableComposed("block.blockhash")  # stands for blockhash() output
BLOCK_VALUES.add(BLOCKHASH_RESULT)


class ExternalResult:
    """Marker source: the value came back from a call to another contract."""

    def __repr__(self) -> str:
        return "<external call result>"


EXTERNAL_RESULT = ExternalResult()


def solc_before(unit, version: tuple[int, int]) -> bool:
    """The compilation unit was compiled by a solc older than `version` (major, minor); unknown: no."""
    found = _major_minor(unit)
    return found is not None and found < version


def solc_at_least(unit, version: tuple[int, int]) -> bool:
    """The compilation unit was compiled by solc `version` (major, minor) or later; unknown: no."""
    found = _major_minor(unit)
    return found is not None and found >= version


def _major_minor(unit) -> tuple[int, int] | None:
    found = getattr(unit, "solc_version", None) or ""
    major_minor = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    return major_minor if len(major_minor) == 2 else None  # type: ignore[return-value]


def is_pre_08(function: Function) -> bool:
    """True when the compiler of `function` does not check arithmetic (solc < 0.8; unknown: checked)."""
    version = function.compilation_unit.solc_version
    return bool(version) and not has_checked_arithmetic(version)


def in_assembly(node: Node) -> bool:
    """Node comes from inline assembly (Yul arithmetic wraps by design)."""
    if node.type == NodeType.ASSEMBLY:
        return True
    scope = node.scope
    while isinstance(scope, Scope):
        if scope.is_yul:
            return True
        scope = scope.father
    return False


def is_unchecked(node: Node) -> bool:
    """Arithmetic in this node wraps silently instead of reverting."""
    if node.function is None or is_pre_08(node.function):
        return True
    scope = node.scope
    return isinstance(scope, Scope) and not scope.is_checked


def origin(variable):
    """The storage/local variable a reference points to (``m[k].f`` -> ``m``)."""
    if isinstance(variable, ReferenceVariable):
        return variable.points_to_origin
    return variable


def reads_of(ir: Operation) -> list:
    """Variables an IR reads, inline arrays (`keccak256([a, b])`) flattened so every item can go in a
    set. The key of `m[k]` counts like any operand (it picks the entry), except for a state mapping or
    array nothing ever writes: every entry holds the same default then."""
    if isinstance(ir, Index):
        base = origin(ir.variable_left)
        if isinstance(base, StateVariable) and _never_written_cached(base):
            return [ir.variable_left]
        return [ir.variable_left, ir.variable_right]
    return flat_reads(ir)


def flat_reads(ir: Operation) -> list:
    """Everything `ir.read` lists, inline arrays flattened, no None."""
    return _flat(ir.read)


def _flat(values) -> list:
    out: list = []
    for value in values:
        if isinstance(value, (list, tuple)):
            out.extend(_flat(value))
        elif value is not None:
            out.append(value)
    return out


@run_cache(maxsize=4096)
def _never_written_cached(variable: StateVariable) -> bool:
    return variable.expression is None and _never_written(variable)


def _call_sources(ir: Operation) -> set:
    if isinstance(ir, (HighLevelCall, LowLevelCall, NewContract)) and not is_library_call(ir):
        return {EXTERNAL_RESULT}
    if isinstance(ir, SolidityCall) and ir.function in GASLEFT:
        return {ir.function}
    if isinstance(ir, SolidityCall) and ir.function in BLOCKHASH:
        return {BLOCKHASH_RESULT}
    return set()


def is_library_call(ir: Operation) -> bool:
    dest = getattr(ir, "destination", None)
    return isinstance(dest, Contract) and dest.is_library


class Dependencies:
    """Flow-insensitive, intra-procedural 'value depends on' sets for one function.

    Roots are parameters, state variables, Solidity variables (msg.*, block.*),
    gasleft(), EXTERNAL_RESULT and internal-call results (via the callee's returns).
    """

    def __init__(self, function: Function, keys: bool = True) -> None:
        self.function = function
        self.keys = keys  # whether the key of `m[k]` is a source of the entry read
        self.deps: dict = {}
        self._build()

    def _add(self, target, sources: set) -> bool:
        current = self.deps.setdefault(target, set())
        before = len(current)
        current |= sources
        return len(current) != before

    def roots(self, value) -> set:
        """Root sources of a variable (itself when it is a root)."""
        if isinstance(value, (Constant, Type)) or value is None:  # `abi.decode(d, (address, uint))` reads types
            return set()
        if isinstance(value, (list, tuple)):  # an inline array argument (`keccak256([a, b])`)
            found: set = set()
            for item in value:
                found |= self.roots(item)
            return found
        if isinstance(value, ReferenceVariable):
            found = set(self.deps.get(value, set()))
            base = origin(value)
            if base is not None and base is not value:
                found |= self.roots(base) if base in self.deps else {base}
            return found
        if value in self.deps:
            return self.deps[value] | ({value} if not _is_temporary(value) else set())
        return {value}

    def inputs(self, value) -> set:
        """Roots without the locals this function assigns: their own sources are among the roots."""
        params = set(self.function.parameters)
        return {r for r in self.roots(value)
                if not (isinstance(r, LocalVariable) and r in self.deps and r not in params)}

    def _build(self) -> None:
        irs = [ir for node in self.function.nodes for ir in node.irs]
        changed = True
        rounds = 0
        while changed and rounds < 20:
            changed = False
            rounds += 1
            for ir in irs:
                sources = _call_sources(ir)
                if isinstance(ir, InternalCall) and isinstance(ir.function, Function):
                    sources |= returns_roots(ir.function)
                for read in ([ir.variable_left] if not self.keys and _any_entry(ir, self.function) else reads_of(ir)):
                    sources |= self.roots(read)
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                    lvalue = ir.lvalue
                    changed |= self._add(lvalue, sources)
                    base = origin(lvalue)
                    # writes through a reference land in the referenced variable
                    if isinstance(lvalue, ReferenceVariable) and isinstance(base, LocalVariable):
                        changed |= self._add(base, sources)


def _any_entry(ir: Operation, function: Function) -> bool:
    """`ir` reads an entry of a mapping or array: one of the values stored there, whoever picks the
    key. Not before solc 0.6 where some code sets an array's length (`a.length = n`, `a.length--` on
    an empty array, `sstore` in assembly): an index into such an array then reaches, reads and
    writes any storage slot, every other mapping's and array's entries included."""
    if not isinstance(ir, Index) or not isinstance(getattr(ir.variable_left, "type", None), (MappingType, ArrayType)):
        return False
    return solc_at_least(function.compilation_unit, (0, 6)) or _lengths_set_under(function) == frozenset()


def callees(function) -> list:
    """Functions (and modifiers) `function` reaches through internal calls, transitively."""
    found = []
    for call in function.all_internal_calls():
        callee = getattr(call, "function", call)  # InternalCall op in newer Slither, the function in older
        if hasattr(callee, "nodes") and callee not in found:
            found.append(callee)
    return found


@run_cache(maxsize=4096)
def executed(function, modifiers: bool = False) -> tuple:
    """`function`, and every function it runs through internal or library calls (and modifiers, when
    asked), transitively. Slither's `all_internal_calls` follows a library function's internal calls
    but not its library calls, nor what an internal library function itself does
    (`safeTransfer` -> `_callOptionalReturn` -> `Address.functionCall` -> ...)."""
    found = [function, *(function.modifiers if modifiers else ()), *callees(function)]
    for fn in found:  # grows while it is walked
        if modifiers:
            found.extend(m for m in getattr(fn, "modifiers", ()) if m not in found)
        for node in fn.nodes:
            for ir in node.irs:
                callee = getattr(ir, "function", None)
                if isinstance(ir, (InternalCall, LibraryCall)) and hasattr(callee, "nodes") and callee not in found:
                    found.append(callee)
    return tuple(found)


@run_cache(maxsize=1024)
def run_on_storage(contract) -> frozenset:
    """The functions and modifiers that run on the contract's storage: its entry points,
    constructors and state initialisers, and what they call, libraries included (other contracts
    of the unit keep their own storage, unless one of these `delegatecall`s into them: callers that
    care ask; a library's unused helpers run nowhere)."""
    found = {fn for f in contract.functions if f.visibility in ("public", "external") or f.is_constructor
             or f.is_constructor_variables or f.is_fallback or f.is_receive
             for fn in executed(f, True)}
    if any(isinstance(ir, InternalDynamicCall) for fn in found for node in fn.nodes for ir in node.irs):
        # a call through a function pointer may run any function the contract has
        found |= set(contract.functions_and_modifiers) | set(contract.compilation_unit.functions_top_level)
    return frozenset(found)


@run_cache(maxsize=4096)
def _lengths_set_by(function) -> frozenset | None:
    """The state arrays `function` itself sets the length of (`a.length = n`, `a.length--`), growing
    it by one aside (`push`, `a.length++`, which Slither writes as `length = length + 1`); None when
    one is set through a pointer whose target cannot be told, or its assembly may store anywhere."""
    if assembly_uses(function, SSTORE):
        return None
    irs = [ir for node in function.nodes for ir in node.irs]
    refs = {ir.lvalue: ir.value for ir in irs if isinstance(ir, Length)}
    copies = {ir.lvalue: ir.rvalue for ir in irs if isinstance(ir, Assignment) and ir.rvalue in refs}
    sums = {ir.lvalue: ir for ir in irs if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION}
    found: set = set()
    for ir in irs:
        if (isinstance(ir, OperationWithLValue) and not isinstance(ir, Length) and ir.lvalue in refs
                and not _grows_by_one(ir, copies, sums)):
            targets = write_targets(refs[ir.lvalue])
            if targets is None:
                return None
            found |= targets
    return frozenset(found)


@run_cache(maxsize=1024)
def lengths_set_on(contract) -> frozenset | None:
    """The state arrays whose length some code running on `contract`'s storage sets
    (`run_on_storage`); None when one is set where it cannot be told. Code of other contracts
    compiled beside it is not asked: it runs on storage of its own."""
    # a function that delegates runs another contract's code on this storage: any length may be set
    return _union_known(None if delegates(function) else _lengths_set_by(function)
                        for function in run_on_storage(contract))


def _union_known(sets: Iterable[frozenset | None]) -> frozenset | None:
    """The union of `sets`; None as soon as one is unknown."""
    found: set = set()
    for one in sets:
        if one is None:
            return None
        found |= one
    return frozenset(found)


_DELEGATE = re.compile(r"\b(?:delegatecall|callcode)\b")


def delegates(function: Function) -> bool:
    """`function` runs other code on its own storage: `delegatecall` or `callcode`, in Solidity or
    in inline assembly."""
    return assembly_uses(function, _DELEGATE) or any(
        isinstance(ir, LowLevelCall) and str(ir.function_name) in ("delegatecall", "callcode")
        for node in function.nodes for ir in node.irs)


@run_cache(maxsize=4096)
def _lengths_set_under(function: Function) -> frozenset | None:
    """`lengths_set_on` every contract whose storage `function` may run on: its own contract and the
    contracts deriving from it, or any contract of the unit for a library's or a free function."""
    home = function.contract if isinstance(function, FunctionContract) else None
    hosts = function.compilation_unit.contracts if home is None or home.is_library else heirs(home)
    return _union_known(lengths_set_on(c) for c in hosts)


SSTORE = re.compile(r"\bsstore\b")


def _grows_by_one(ir: Operation, copies: dict, sums: dict) -> bool:
    """`ir` writes a length its own old value plus one (`REF := TMP + 1` with `TMP := REF`)."""
    add = ir if isinstance(ir, Binary) else sums.get(getattr(ir, "rvalue", None))
    if add is None or add.type != BinaryType.ADDITION:
        return False
    left, right = add.variable_left, add.variable_right
    one = next((v for v in (left, right) if isinstance(v, Constant) and v.value == 1), None)
    other = right if one is left else left
    return one is not None and copies.get(other, other) is ir.lvalue


def _is_temporary(value) -> bool:
    return not isinstance(value, (LocalVariable, StateVariable, SolidityVariable))


@run_cache(maxsize=4096)
def _returns_roots_cached(function: Function) -> frozenset:
    deps = Dependencies(function)  # inside the chain `_IN_PROGRESS` guards: never the cached one
    found: set = set()
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Return):
                for value in ir.values:
                    found |= deps.roots(value)
    for ret in function.returns:
        found |= deps.roots(ret)
    # parameters of the callee are not sources for the caller
    return frozenset(s for s in found if s not in function.parameters and s not in function.returns)


_IN_PROGRESS: set = set()


@run_cache(maxsize=4096)
def _dependencies_cached(function: Function) -> Dependencies:
    return Dependencies(function)


@run_cache(maxsize=4096)
def _entry_dependencies_cached(function: Function) -> Dependencies:
    return Dependencies(function, keys=False)


def entry_dependencies(function: Function) -> Dependencies:
    """`dependencies`, except that reading `m[k]` depends on `m` only: what any entry may hold, not
    on who picked the key. For questions about every entry alike (is each a trusted address?)."""
    return Dependencies(function, keys=False) if _IN_PROGRESS else _entry_dependencies_cached(function)


def dependencies(function: Function) -> Dependencies:
    """`Dependencies(function)`, built once per Slither run (a dozen checks ask for it).

    Not cached while a chain of return values is followed: a recursive callee then reads as having
    no sources, which is right only inside that chain.
    """
    return Dependencies(function) if _IN_PROGRESS else _dependencies_cached(function)


def returns_roots(function: Function) -> set:
    """Non-parameter sources the return values of ``function`` depend on."""
    if function in _IN_PROGRESS:
        return set()
    _IN_PROGRESS.add(function)
    try:
        return set(_returns_roots_cached(function))
    finally:
        _IN_PROGRESS.discard(function)


def condition_values(node: Node) -> Iterator:
    """Values tested by a require/assert call, a call to a helper that reverts unless its flag holds
    (`_require(ok, code)`), or an if/loop condition in this node."""
    for ir in node.irs:
        if isinstance(ir, Condition):
            yield ir.value
        elif (value := asserted_value(ir)) is not None:
            yield value


def asserted_value(ir: Operation):
    """What a require/assert call, or a call to a helper that reverts unless its flag holds, asserts;
    None for any other operation."""
    if isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT:
        return ir.arguments[0]
    callee = helper_callee(ir)
    index = asserted_argument(callee) if callee is not None else None
    return ir.arguments[index] if index is not None and index < len(ir.arguments) else None


def helper_callee(ir: Operation) -> Function | None:
    """The function an internal or library call runs (modifiers are not calls here)."""
    if isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function) \
            and not isinstance(ir.function, Modifier):
        return ir.function
    return None


@recursive_run_cache(default=None)
def asserted_argument(function: Function) -> int | None:
    """Index of a `bool` parameter that `function` reverts unless it holds, checked on every path
    before it returns: a `require` written as a call (`_require(ok, code)` ending in an assembly
    revert, a library's `ensure(ok, reason)`); None when it has none."""
    flags = {p: i for i, p in enumerate(function.parameters)
             if str(p.type) == "bool" and holds_one_value(function, p)}
    exits = exit_nodes(function)
    if not flags or not exits or function.modifiers:
        return None  # a modifier may leave without running the body
    defs = definitions(function)
    for node in function.nodes:
        if all(node in e.dominators for e in exits):
            for flag in _required_flags(node, defs):
                if flag in flags:
                    return flags[flag]
    return None


def holds_one_value(function: Function, variable) -> bool:
    """`variable` holds one value throughout `function`: a parameter it never writes, or a local it
    writes once, so a check on it and a use of it see the same number."""
    if variable in function.parameters:
        return variable not in function.variables_written
    return variable in definitions(function)


def exit_nodes(function: Function) -> list[Node]:
    """The nodes a call of `function` leaves from (returns, throws, the end of the body)."""
    return [n for n in function.nodes if not n.sons]


def _required_flags(node: Node, defs: dict) -> Iterator:
    """Values the node reverts unless they hold: require/assert, `if (!x) revert`, a nested helper."""
    for ir in node.irs:
        if (value := asserted_value(ir)) is not None:
            yield value
        elif isinstance(ir, Condition) and node.type == NodeType.IF:
            negated = defs.get(ir.value)
            if isinstance(negated, Unary) and negated.type == UnaryType.BANG and node.son_true is not None \
                    and branch_ends(node.son_true, returns=False, within_if=True):
                yield negated.rvalue
            elif node.son_false is not None and branch_ends(node.son_false, returns=False, within_if=True):
                yield ir.value


def failure_reverts(function: Function, flag) -> bool:
    """A call's success flag, or a value computed from it (`!ok`, a local copy), decides a revert:
    it is tested by require/assert (or a helper that reverts unless its flag holds, like an old
    contract's own `assert`), or by an `if` with a branch that throws or reverts. An `if` that only
    counts or logs the failure lets the transaction go on."""
    derived = {flag}
    changed = True
    while changed:  # temporaries are not dependency roots, so follow what is computed from the flag
        changed = False
        for node in function.nodes:
            for ir in node.irs:
                if (isinstance(ir, OperationWithLValue) and ir.lvalue is not None and ir.lvalue not in derived
                        and any(r in derived for r in reads_of(ir))):
                    derived.add(ir.lvalue)
                    changed = True
    for node in function.nodes:
        for ir in node.irs:
            if asserted_value(ir) in derived:
                return True
            if (isinstance(ir, Condition) and ir.value in derived
                    and any(branch_ends(son, returns=False, within_if=True) for son in node.sons)):
                return True
    return False


def is_guard_node(node: Node) -> bool:
    return any(True for _ in condition_values(node))


def public_writers(contract: Contract, variable: StateVariable) -> list[Function]:
    """Entry points (public/external, not constructors) that write ``variable``."""
    writers = []
    for function in contract.functions_entry_points:
        if function.is_constructor or function.is_constructor_variables:
            continue
        if variable in function.all_state_variables_written():
            writers.append(function)
    return writers


def declared_functions(contract: Contract) -> Iterable[Function]:
    yield from contract.functions_and_modifiers_declared


def comparisons(node: Node) -> Iterator[Binary]:
    """The node's comparisons, less those that hold whatever the values (`require(0 <= list.length)`
    checks nothing, so it must not pass for a guard)."""
    for ir in node.irs:
        if isinstance(ir, Binary) and ir.type in COMPARISON and not _vacuous(ir):
            yield ir


def _vacuous(ir: Binary) -> bool:
    """`u >= 0` or `0 <= u` on an unsigned value."""
    if ir.type == BinaryType.GREATER_EQUAL:
        value, bound = ir.variable_left, ir.variable_right
    elif ir.type == BinaryType.LESS_EQUAL:
        value, bound = ir.variable_right, ir.variable_left
    else:
        return False
    return (isinstance(bound, Constant) and bound.value == 0
            and str(getattr(value, "type", "")).startswith("uint"))


def is_constant(value) -> bool:
    return isinstance(value, Constant) or (
        isinstance(value, StateVariable) and (value.is_constant or value.is_immutable)
    )


def value_transfers(node: Node) -> Iterator[Operation]:
    """IRs in this node that move ether out."""
    for ir in node.irs:
        if (
            isinstance(ir, (Send, Transfer))
            or isinstance(ir, (LowLevelCall, HighLevelCall))
            and ir.call_value is not None
        ):
            yield ir


def _initial_literal(variable: StateVariable):
    """Initial value of a state variable as a Python value, when it is a literal (or default)."""
    from slither.core.expressions import Literal

    expression = variable.expression
    if expression is None:
        return 0
    if isinstance(expression, Literal):
        text = str(expression.value)
        if text in ("true", "false"):
            return text == "true"
        try:
            return int(text, 0)
        except ValueError:
            return None
    return None


def _never_written(variable: StateVariable) -> bool:
    return not any(not function.is_constructor_variables for function in variable_writers(variable))


def heirs(declarer: Contract) -> list[Contract]:
    """The contracts of the compilation unit that are `declarer` or inherit from it: those whose code
    can touch its variables, and on whose storage its functions run."""
    return [c for c in declarer.compilation_unit.contracts if c is declarer or declarer in c.inheritance]


def variable_writers(variable: StateVariable) -> list[Function]:
    """Functions and modifiers, of the contract that declares `variable` and of those deriving from
    it, that write it (state initialisers included)."""
    return [function for candidate in heirs(variable.contract)
            for function in candidate.functions_and_modifiers if variable in function.state_variables_written]


def _possible_values(variable: StateVariable) -> set | None:
    """Every value a state variable can hold: its initial literal and each literal any function
    (constructors included) assigns; None when some write stores a computed value."""
    initial = _initial_literal(variable)
    if initial is None:
        return None
    values = {initial}
    contract = variable.contract
    for candidate in contract.compilation_unit.contracts:
        if contract not in candidate.inheritance + [candidate]:
            continue
        for function in candidate.functions_and_modifiers_declared:
            if function.is_constructor_variables or variable not in function.state_variables_written:
                continue
            for node in function.nodes:
                for ir in node.irs:
                    if getattr(ir, "lvalue", None) is not variable:
                        continue
                    if not (isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant)):
                        return None
                    values.add(ir.rvalue.value)
            if variable in function.state_variables_written and not any(
                getattr(ir, "lvalue", None) is variable for node in function.nodes for ir in node.irs
            ):
                return None  # written some other way (delete, inline assembly, a reference)
    return values


_DECIDE = {
    BinaryType.EQUAL: lambda a, b: a == b,
    BinaryType.NOT_EQUAL: lambda a, b: a != b,
    BinaryType.LESS: lambda a, b: a < b,
    BinaryType.LESS_EQUAL: lambda a, b: a <= b,
    BinaryType.GREATER: lambda a, b: a > b,
    BinaryType.GREATER_EQUAL: lambda a, b: a >= b,
}


def _constant_truth(condition) -> bool | None:
    """Truth of `state <op> literal` when every value the state variable can ever hold decides it
    the same way (a flag nothing can set, a mode only ever set to one literal)."""
    if not isinstance(condition, Binary) or condition.type not in _DECIDE:
        return None
    left, right = condition.variable_left, condition.variable_right
    decide = _DECIDE[condition.type]
    if isinstance(left, Constant):
        left, right = right, left
        decide = (lambda op: lambda a, b: op(b, a))(decide)
    if not (isinstance(left, StateVariable) and isinstance(right, Constant)):
        return None
    values = _possible_values(left)
    if values is None:
        return None
    try:
        truths = {bool(decide(v, right.value)) for v in values}
    except TypeError:  # bool against int and the like: no verdict
        return None
    return truths.pop() if len(truths) == 1 else None


def dead_nodes(function: Function) -> set[Node]:
    """Nodes behind an `if` whose condition is decided by a never-written state variable."""
    dead: set[Node] = set()
    for node in function.nodes:
        if node.type != NodeType.IF or not node.irs:
            continue
        binaries = {ir.lvalue: ir for ir in node.irs if isinstance(ir, Binary)}
        conditions = [ir for ir in node.irs if isinstance(ir, Condition)]
        if not conditions or conditions[0].value not in binaries:
            continue
        truth = _constant_truth(binaries[conditions[0].value])
        if truth is None:
            continue
        taken = node.son_true if truth else node.son_false
        skipped = node.son_false if truth else node.son_true
        if skipped is None or taken is None:
            continue
        if not branch_ends(taken, returns=True, within_if=False):
            continue
        for other in function.nodes:
            if skipped in other.dominators or other is skipped:
                dead.add(other)
        # the code after the whole `if` is dead too when the taken branch always returns
        end_if = _end_if(node)
        if end_if is not None:
            for other in function.nodes:
                if end_if in other.dominators or other is end_if:
                    dead.add(other)
    return dead


def reverts(node: Node) -> bool:
    """The node throws or reverts (`throw`, `revert(...)`, a custom error, a call to a helper that
    always reverts)."""
    return _reverts_given(node, _reverting_helpers(node.function.compilation_unit))


def _reverts_given(node: Node, reverting: frozenset | set) -> bool:
    """A reverting helper counts only when it returns nothing: a call that returns a value can be an
    operand of `||`, `&&` or `?:`, which run it only sometimes (`ok || fail()`)."""
    return node.type == NodeType.THROW or _assembly_reverts(node) or any(
        (isinstance(ir, SolidityCall) and ir.function.name.startswith("revert"))
        or ((callee := helper_callee(ir)) is not None and callee in reverting and not callee.returns)
        for ir in node.irs)


# builtins that end the call without reverting (a Yul `return(p, n)` hands data back as success)
_FINISHING_NAMES = ("return", "stop", "selfdestruct", "suicide")
_FINISHES = tuple(f"{name}(" for name in _FINISHING_NAMES)
# the same in inline assembly Slither keeps as text (before 0.6)
_ASSEMBLY_FINISH = re.compile(rf"\b(?:{'|'.join(_FINISHING_NAMES)})\s*\(")


# straight-line assembly text that reverts: no branch, loop, jump or function may skip the revert
_ASSEMBLY_REVERT = re.compile(r"\brevert\s*\(")
_ASSEMBLY_BRANCHES = re.compile(r"\b(?:if|switch|case|default|for|function|jump|jumpi)\b|\w:(?!=)")


def _assembly_reverts(node: Node) -> bool:
    """Inline assembly Slither keeps as text (before 0.6) whose every run reaches a `revert(...)`."""
    text = node.inline_asm if node.type == NodeType.ASSEMBLY else None
    return isinstance(text, str) and bool(_ASSEMBLY_REVERT.search(text)) \
        and not _ASSEMBLY_BRANCHES.search(text) and not _ASSEMBLY_FINISH.search(text)


def _finishes(node: Node, finishing: frozenset | set) -> bool:
    """The node may end the whole call successfully: a Yul `return`, `stop` or `selfdestruct` (also in
    assembly kept as text), or a call to a function (a Yul function, a helper) that may."""
    if node.type == NodeType.ASSEMBLY and isinstance(node.inline_asm, str) \
            and _ASSEMBLY_FINISH.search(node.inline_asm):
        return True
    return any((isinstance(ir, SolidityCall) and ir.function.name.startswith(_FINISHES))
               or ((callee := helper_callee(ir)) is not None and callee in finishing) for ir in node.irs)




_JUMPS = frozenset({NodeType.CONTINUE, NodeType.BREAK})
# Slither links a Yul `leave`, `break` or `continue` to the next statement, not to where it jumps
_JUMPING = _JUMPS | {NodeType.RETURN}


def always_reverts(function: Function) -> bool:
    """Every call of `function` reverts: every path through its body ends in a throw or revert (an
    error helper like `_revert(code)` that ends in an assembly `revert`, or one that reverts with the
    returned data on one branch and a custom error on the other)."""
    if function.entry_point is None or function.modifiers:
        return False
    return function.entry_point in doomed_nodes(function)


@run_cache(maxsize=1024)
def doomed_nodes(function: Function) -> frozenset[Node]:
    """Nodes from which every path ends in a revert: what they read or change never lasts."""
    return _doomed_given(function, _reverting_helpers(function.compilation_unit))


def _doomed_given(function: Function, reverting: frozenset | set) -> frozenset[Node]:
    finishing = _finishing_helpers(function.compilation_unit)
    doomed = {node for node in function.nodes
              if _reverts_given(node, reverting) and not _finishes(node, finishing)}
    pending = list(doomed)
    while pending:
        for father in pending.pop().fathers:
            if father not in doomed and father.sons and all(son in doomed for son in father.sons) \
                    and father.type not in _JUMPING and not _finishes(father, finishing):
                doomed.add(father)
                pending.append(father)
    return frozenset(doomed)


def _unit_callees(unit) -> set[Function]:
    functions = {f for contract in unit.contracts for f in contract.functions_and_modifiers}
    functions.update(unit.functions_top_level)
    return {callee for f in functions for node in f.nodes for ir in node.irs
            if (callee := helper_callee(ir)) is not None and callee.entry_point is not None}


def _least_fixpoint(candidates: set, holds: Callable[[Function, set], bool]) -> frozenset:
    """The smallest set of `candidates` closed under `holds(candidate, found so far)`: answers that
    grow only from what is proved, whatever order the candidates are asked in."""
    found: set = set()
    grew = True
    while grew:
        grew = False
        for candidate in candidates - found:
            if holds(candidate, found):
                found.add(candidate)
                grew = True
    return frozenset(found)


@run_cache(maxsize=64)
def _finishing_helpers(unit) -> frozenset[Function]:
    """The functions called as helpers in a compilation unit that may end the whole call successfully
    (a Yul `return` in them, in their modifiers or in a function they call)."""
    return _least_fixpoint(_unit_callees(unit), lambda callee, finishing: any(
        _finishes(node, finishing) for function in (callee, *callee.modifiers) for node in function.nodes))


@run_cache(maxsize=64)
def _reverting_helpers(unit) -> frozenset[Function]:
    """The functions called as helpers in a compilation unit that revert on every path: a recursive
    helper reverts only where its own code proves it, and no answer depends on which function was
    asked about first."""
    return _least_fixpoint({callee for callee in _unit_callees(unit) if not callee.modifiers},
                           lambda callee, reverting: callee.entry_point in _doomed_given(callee, reverting))


def branch_ends(start: Node, *, returns: bool, within_if: bool, jumps: bool = False) -> bool:
    """Following single successors from `start`: a throw or `revert(...)` (or, with `returns`, a
    return; with `jumps`, a `continue` or `break`) comes before a fork (and, with `within_if`, before
    the branch's END_IF)."""
    node, steps = start, 0
    while node is not None and steps < 50 and not (within_if and node.type == NodeType.ENDIF):
        if (reverts(node) or (returns and node.type == NodeType.RETURN)
                or (jumps and node.type in _JUMPS)):
            return True
        if len(node.sons) != 1:
            return False
        node, steps = node.sons[0], steps + 1
    return False


def _end_if(if_node: Node) -> Node | None:
    for candidate in if_node.function.nodes:
        if candidate.type == NodeType.ENDIF and if_node in candidate.dominators:
            return candidate
    return None


def loop_nodes(function: Function) -> set[Node]:
    """Nodes executed inside a loop body (STARTLOOP..ENDLOOP), nested loops included."""
    inside: set[Node] = set()
    stack = [(function.entry_point, 0)] if function.entry_point else []
    seen: set = set()
    while stack:
        node, depth = stack.pop()
        if (node, depth) in seen or depth > 8:
            continue
        seen.add((node, depth))
        if node.type == NodeType.STARTLOOP:
            depth += 1
        elif node.type == NodeType.ENDLOOP:
            depth = max(0, depth - 1)
        if depth > 0:
            inside.add(node)
        for son in node.sons:
            stack.append((son, depth))
    return inside


@run_cache(maxsize=512)
def value_producers(function: Function) -> dict:
    """The IR computing each temporary and reference of `function`: what `value_key` reads (shared:
    do not mutate)."""
    return {ir.lvalue: ir for node in function.nodes for ir in node.irs
            if (isinstance(ir, (Binary, TypeConversion, SolidityCall, Assignment))
                and isinstance(ir.lvalue, TemporaryVariable))
            or (isinstance(ir, (Index, Member, Length)) and isinstance(ir.lvalue, ReferenceVariable))}


def value_key(value, producers: dict):
    """What a temporary or reference stands for: `address(this).balance` read twice is two
    temporaries but one value, so a guard on one bounds an operation on the other."""
    if isinstance(value, (list, tuple)):  # an inline array argument (`keccak256([a, b])`)
        return ("array", tuple(value_key(item, producers) for item in value))
    ir = producers.get(value)
    if isinstance(ir, Assignment):  # `type(uint256).max` is a temporary assigned a literal
        return value_key(ir.rvalue, producers)
    if isinstance(ir, TypeConversion):
        return ("convert", str(ir.type), value_key(ir.variable, producers))
    if isinstance(ir, SolidityCall) and ir.function.name not in _NOT_PURE:
        return ("call", ir.function.name, tuple(value_key(a, producers) for a in ir.arguments))
    if isinstance(ir, Binary):
        # `a > r - o ? a - (r - o) : 0` computes `r - o` twice, into two temporaries
        return ("binary", ir.type, value_key(ir.variable_left, producers), value_key(ir.variable_right, producers))
    if isinstance(ir, Index):
        # `balances[from]` and `balances[to]` are different values of one mapping
        return ("index", value_key(ir.variable_left, producers), value_key(ir.variable_right, producers))
    if isinstance(ir, Member):
        return ("member", value_key(ir.variable_left, producers), str(ir.variable_right))
    if isinstance(ir, Length):  # `list.length` in a `sub(1)` and in a later `list.length--`
        return ("length", value_key(ir.value, producers))
    if isinstance(value, Constant):
        return ("constant", value.value)
    return origin(value) if isinstance(value, ReferenceVariable) else value


def entry_read_before(node: Node, array_key, producers: dict, ir: Operation | None = None) -> bool:
    """An entry of the array `array_key` (a `value_key`) was read or written on every path before
    `node`, or earlier in `node` than `ir`: the array is not empty there, since an index at or past
    the end reverts (0.5+ `list.pop()` reads its last entry before it shrinks the length)."""
    def entry(op) -> bool:
        return isinstance(op, Index) and value_key(op.variable_left, producers) == array_key

    for op in node.irs if ir is not None else ():
        if op is ir:
            break
        if entry(op):
            return True
    return any(entry(op) for earlier in node.dominators if earlier is not node for op in earlier.irs)


def nonempty_at(function: Function, node: Node, array_key, producers: dict, ir: Operation | None = None) -> bool:
    """The array `array_key` (a `value_key`) has an entry at `node`: a require or condition of the
    function bounds its length from below (`list.length > 0`, `i < list.length`, `list.length != 0`,
    `if (list.length == 0) return;`), or an entry of it was used on every path before (see
    `entry_read_before`). The comparison is matched anywhere in the function, as the SWC-101 guards are;
    an upper bound (`list.length < 100`) is no such comparison."""
    length = ("length", array_key)
    if any(_bounds_from_below(cmp, length, producers)
           for guard in function.nodes if is_guard_node(guard) for cmp in comparisons(guard)):
        return True
    return entry_read_before(node, array_key, producers, ir)


def _bounds_from_below(cmp: Binary, length, producers: dict) -> bool:
    left, right = value_key(cmp.variable_left, producers), value_key(cmp.variable_right, producers)
    if cmp.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
        return length in (left, right)  # `!= 0`, or `== 0` deciding an early exit
    big, small = {BinaryType.GREATER: (left, right), BinaryType.GREATER_EQUAL: (left, right),
                  BinaryType.LESS: (right, left), BinaryType.LESS_EQUAL: (right, left)}.get(cmp.type, (None, None))
    if big != length:
        return False
    strict = cmp.type in (BinaryType.GREATER, BinaryType.LESS)  # above an unsigned value: at least 1
    return strict or (isinstance(small, tuple) and small[0] == "constant" and _positive(small[1]))


def _positive(value) -> bool:
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False


def shrinks_nonempty(function: Function, node: Node, binary: Binary, producers: dict) -> bool:
    """`list.length - 1` (or `list.length--`) where `list` has an entry (`nonempty_at`)."""
    length = value_key(binary.variable_left, producers)
    return (binary.type == BinaryType.SUBTRACTION and isinstance(binary.variable_right, Constant)
            and binary.variable_right.value == 1 and isinstance(length, tuple) and length[0] == "length"
            and nonempty_at(function, node, length[1], producers, binary))


# built-ins whose two calls in one function can return different values
_NOT_PURE = {"gasleft()"}


def returned_values(function: Function) -> list[tuple[Node, object]] | None:
    """(last node, value returned) for every way out of `function`: a `return x`, or the named
    return variable where the body ends without one; None for several values, or when no way out is
    left. An end that reverts, or that only a revert leads to (the join after `if (!ok)
    _revert(data); else return data;`), is no way out."""
    ends = [end for end in exit_nodes(function) if not any(reverts(d) for d in end.dominators)]
    if len(function.returns) != 1 or not ends:
        return None
    named = function.returns[0] if function.returns[0].name else None
    found = []
    for end in ends:
        values = [ir.values for ir in end.irs if isinstance(ir, Return)]
        if end.type == NodeType.RETURN and len(values) == 1 and len(values[0]) == 1:
            found.append((end, values[0][0]))
        elif named is not None and end.type != NodeType.RETURN and not values:
            found.append((end, named))
        else:
            return None
    return found


@run_cache(maxsize=1024)
def passes_through(function: Function) -> bool:
    """On every way out `function` returns the same one of its own parameters, unchanged (OpenZeppelin's
    `verifyCallResult(success, returndata)`): its caller already holds what it returns."""
    returned = returned_values(function)
    if not returned:
        return False
    defs = definitions(function)
    values = {through_copies(v, defs, conversions=False) for _, v in returned}
    # one parameter on every way out: `min(a, b)` returns one of two, which the caller does not hold
    return len(values) == 1 and all(v in function.parameters and holds_one_value(function, v) for v in values)


def through_copies(value, defs: dict, conversions: bool = True):
    """The value `value` was copied or converted from (`uint(x)`, `y = x`), up to four steps back;
    without `conversions`, only copies are followed."""
    for _ in range(4):
        ir = defs.get(value)
        if isinstance(ir, Assignment):
            value = ir.rvalue
        elif isinstance(ir, TypeConversion) and conversions:
            value = ir.variable
        else:
            break
    return value


@run_cache(maxsize=4096)
def all_definitions(function: Function) -> dict:
    """Every IR that gives each value of `function` a value, in order (a store through a reference
    is one too; shared: do not mutate)."""
    writes: dict = {}
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                writes.setdefault(ir.lvalue, []).append(ir)
    return writes


@run_cache(maxsize=512)
def definitions(function: Function) -> dict:
    """The one IR that computes each temporary or once-written local (shared: do not mutate)."""
    return {v: irs[0] for v, irs in all_definitions(function).items() if len(irs) == 1}


_FOLD = {
    BinaryType.POWER: lambda a, b: a**b if 0 <= b <= 256 and abs(a).bit_length() * b <= 1024 else None,
    BinaryType.MULTIPLICATION: lambda a, b: a * b,
    BinaryType.ADDITION: lambda a, b: a + b,
    BinaryType.SUBTRACTION: lambda a, b: a - b,
    BinaryType.LEFT_SHIFT: lambda a, b: a << b if 0 <= b <= 256 else None,
}


def literal_value(value, defs: dict, depth: int = 0) -> int | None:
    """The integer a literal expression (`2 ** 32`) evaluates to; None for anything else."""
    if isinstance(value, Constant):
        return value.value if isinstance(value.value, int) and not isinstance(value.value, bool) else None
    ir = defs.get(value)
    if depth > 6 or not isinstance(ir, Binary) or ir.type not in _FOLD:
        return None
    left, right = literal_value(ir.variable_left, defs, depth + 1), literal_value(ir.variable_right, defs, depth + 1)
    return None if left is None or right is None else _FOLD[ir.type](left, right)


# the chain's clocks: what a contract keeps modulo 2^32 to store a time in a uint32
CLOCKS = {SolidityVariableComposed("block.timestamp"), SolidityVariable("now"), SolidityVariableComposed("block.number")}


def wide_modulus_bits(ir: Binary, defs: dict) -> int | None:
    """n for `clock % 2**n` with n >= 32: a clock kept modulo 2^n (2^32 seconds is 136 years)."""
    if ir.type != BinaryType.MODULO or ir.variable_left not in CLOCKS:
        return None
    modulus = literal_value(ir.variable_right, defs)
    if modulus is None or modulus < 2**32 or modulus & (modulus - 1):
        return None
    return modulus.bit_length() - 1


def parameter_operations(function, kind: BinaryType) -> list[tuple[Node, Binary]]:
    """Where a helper like SafeMath's `mul(a, b)` applies `kind` to its two operands (the first two
    parameters; a third may only be the revert message, as in `sub(a, b, "...")`)."""
    operands = _helper_parameters(function)
    if not operands:
        return []
    return [(node, ir) for node in function.nodes for ir in node.irs
            if isinstance(ir, Binary) and ir.type == kind and {ir.variable_left, ir.variable_right} == operands]


def _helper_parameters(function) -> set:
    params = list(getattr(function, "parameters", [])) if isinstance(function, Function) else []
    if len(params) == 2 or (len(params) == 3 and _is_message(params[2])):
        return set(params[:2])
    return set()


def _is_message(value) -> bool:
    return str(getattr(value, "type", "")) in ("string", "bytes")


def helper_operands(call: Operation) -> list | None:
    """The two operands of a call to a two-operand helper (`a.sub(b)`, `a.sub(b, "message")`)."""
    args = list(getattr(call, "arguments", []) or [])
    if len(args) == 2 or (len(args) == 3 and _is_message(args[2])):
        return args[:2]
    return None


def in_declaration_order(variables) -> list:
    """Variables in the order the source declares them: a stable pick among several, where set order
    follows memory addresses and changes from run to run."""
    def position(v) -> tuple:
        mapping = getattr(v, "source_mapping", None)
        return (str(getattr(getattr(mapping, "filename", None), "absolute", "")), getattr(mapping, "start", 0), v.name)
    return sorted(variables, key=position)


def is_storage_pointer(value) -> bool:
    """A local variable that points into storage (`Entry storage e = entries[a]`): binding it writes
    nothing, writing through it writes what it points to."""
    return isinstance(value, LocalVariable) and value.is_storage


def write_targets(lvalue, depth: int = 0, *, handed=None) -> set | None:
    """The state variables a write to `lvalue` may land in: its origin, or what a local `storage`
    pointer was bound to in its function (through other pointers too). Empty for a value local or a
    memory/calldata struct; None when it cannot be told: a pointer handed in as a parameter or
    returned, a storage reference a call gave back (`_entry(a).since = v`), or a pointer set to a
    constant slot in assembly. Empty for a reference to no variable at all (`type(I).interfaceId`, a
    selector): naming a constant stores nothing. A storage parameter is unknown too, unless
    `handed(parameter)` says where the calls of the run being judged point it
    (`runs.pointer_bindings`); a pointer bound otherwise than by copying a storage reference (a
    tuple unpacked, a slot number in assembly) is unknown either way."""
    target = origin(lvalue)
    if isinstance(target, StateVariable):
        return {target}
    if not isinstance(target, LocalVariable):
        return None if isinstance(lvalue, ReferenceVariable) and target is not None else set()
    if not is_storage_pointer(target):
        return set()
    function = target.function
    if function is None or target in function.returns or depth > 8:
        return None
    roots: set = set()
    if target in function.parameters:
        given = handed(target) if handed is not None else None
        if given is None:
            return None
        roots |= given  # and whatever the function points it at later
    for node in function.nodes:
        for ir in node.irs:
            if getattr(ir, "lvalue", None) is not target:
                continue
            # bound otherwise than by copying a storage reference: unpacked from what a call returned
            # (`(r, x) = pick()`), a temporary (a reference a call returned), or a slot number set in
            # assembly (`$.slot := SLOT`, `r.slot := s`): unknown
            if not isinstance(ir, Assignment) or ir.rvalue is target or not _storage_reference(ir.rvalue):
                return None
            bound = write_targets(ir.rvalue, depth + 1, handed=handed)
            if bound is None:
                return None
            roots |= bound
    return roots or None


def _storage_reference(value) -> bool:
    """A state variable that is not a constant, a reference into storage, or a storage pointer."""
    if isinstance(value, StateVariable):
        return not value.is_constant
    return isinstance(value, ReferenceVariable) or is_storage_pointer(value)


def assembly_uses(function: Function, opcodes: re.Pattern[str]) -> bool:
    """Some inline assembly block of `function` uses one of `opcodes`, read from the block's source
    text (the same in every compiler version); a block whose text cannot be read counts."""
    for node in function.nodes:
        if node.type != NodeType.ASSEMBLY:
            continue
        code = assembly_text(node)
        if not code or opcodes.search(code):
            return True
    return False


def assembly_text(node: Node) -> str | None:
    """The source text of an inline assembly node; None when it cannot be read."""
    try:
        return node.source_mapping.content or None
    except Exception:
        return None
