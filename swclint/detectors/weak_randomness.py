"""SWC-120: block values used to derive a random-looking number."""

from __future__ import annotations

from slither.core.cfg.node import Node
from slither.core.declarations import Function, SolidityVariableComposed
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Index,
    Member,
    SolidityCall,
    TypeConversion,
)
from slither.slithir.variables import Constant

from swclint.detectors.base import SWCDetector
from swclint.detectors.facts import comparisons_that_hold, short_circuit_facts
from swclint.detectors.ir import (
    BLOCK_VALUES,
    BLOCKHASH,
    CALLER_VALUES,
    COMPARISON,
    HASHES,
    MODULAR,
    Dependencies,
    declared_functions,
    definitions,
    dependencies,
    in_assembly,
    literal_value,
    reads_of,
    through_copies,
    value_key,
    value_producers,
    wide_modulus_bits,
)

BLOCK_NUMBER = SolidityVariableComposed("block.number")
# block values the block's producer picks and nobody else knows in advance; the clock values are
# judged as time (SWC-116), a block hash by the blockhash rules
PRODUCER_VALUES = {SolidityVariableComposed(name) for name in (
    "block.coinbase", "block.difficulty", "block.prevrandao", "block.gaslimit")}


def _block_derived_state(contract_functions, state_variables) -> set[StateVariable]:
    """State variables assigned (anywhere, initialisers included) from block values."""
    derived = set()
    for function in contract_functions:
        deps = dependencies(function)
        for variable in function.state_variables_written:
            if variable in state_variables and deps.roots(variable) & BLOCK_VALUES:
                derived.add(variable)
    return derived


def _lookups(function: Function) -> dict:
    """The `m[k]` or `s.f` that makes each reference (a reference written through has two writers)."""
    return {ir.lvalue: ir for node in function.nodes for ir in node.irs if isinstance(ir, (Index, Member))}


def _place(value, defs: dict) -> tuple | None:
    """Where in storage a value lives, index keys dropped: `deposits[a].token` -> (deposits, "token");
    None for a value outside storage. `defs`: `_lookups` of the function."""
    members: list[str] = []
    for _ in range(8):
        if isinstance(value, StateVariable):
            return (value, *reversed(members))
        ir = defs.get(value)
        if isinstance(ir, Member):
            members.append(str(ir.variable_right))
            value = ir.variable_left
        elif isinstance(ir, Index):
            value = ir.variable_left
        else:
            return None
    return None


def _carried(function: Function, seeds: set) -> set:
    """Values computed from `seeds` by copies, conversions and arithmetic, not by comparisons or
    lookups (a hash used as a mapping key picks an entry; the entry is not drawn)."""
    carried = set(seeds)
    irs = [ir for node in function.nodes for ir in node.irs]
    changed = True
    while changed:
        changed = False
        for ir in irs:
            lvalue = getattr(ir, "lvalue", None)
            if lvalue is None or lvalue in carried or not set(reads_of(ir)) & carried:
                continue
            if isinstance(ir, (Assignment, TypeConversion)) or (isinstance(ir, Binary) and ir.type not in COMPARISON):
                carried.add(lvalue)
                changed = True
    return carried


def _stored_draws(functions) -> set[tuple]:
    """Storage places (`_place`) that receive a block hash or a hash of block values: a draw kept for
    later use."""
    places: set[tuple] = set()
    for function in functions:
        deps = None
        drawn = set()
        for node in function.nodes:
            if in_assembly(node):
                continue
            for ir in node.irs:
                if not isinstance(ir, SolidityCall) or ir.lvalue is None:
                    continue
                if ir.function in BLOCKHASH:
                    drawn.add(ir.lvalue)
                elif ir.function in HASHES:
                    deps = deps or dependencies(function)
                    if any(deps.roots(a) & BLOCK_VALUES for a in ir.arguments):
                        drawn.add(ir.lvalue)
        if drawn:
            defs = _lookups(function)
            places |= {place for value in _carried(function, drawn) if (place := _place(value, defs))}
    return places


def _draw_comparisons(function: Function, draws: set[tuple], deps: Dependencies):
    """Nodes that compare a stored draw (`_stored_draws`) with a value not fixed in the code: a decision
    made on it (`(guess ^ leaderHash) > difficulty`, `token == deposits[a].token`). A test against a
    constant (`seed != 0`: has one been drawn?) decides nothing."""
    defs = _lookups(function)
    seeds = {v for node in function.nodes for ir in node.irs for v in reads_of(ir) if _place(v, defs) in draws}
    if not seeds:
        return
    carried = _carried(function, seeds)
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Binary) and ir.type in COMPARISON:
                sides = (ir.variable_left, ir.variable_right)
                if any(side in carried for side in sides) and not any(
                        side not in carried and (_fixed_in_code(side, deps) or _callers_commitment(function, ir, side, deps))
                        for side in sides):
                    yield node
                    break


_SENDER = SolidityVariableComposed("msg.sender")


def _callers_commitment(function: Function, cmp: Binary, side, deps: Dependencies) -> bool:
    """`keccak256(payment, msg.sender, expiration) == commitments[id]` (Chainlink's Oracle): the stored
    hash is checked against one recomputed from the caller's own address and inputs. Only the one who
    made the commitment passes; the block values in it only made it unique. Recomputed without
    `msg.sender`, anyone who knows the block can pass, and it stays a finding."""
    if cmp.type not in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
        return False
    defs = definitions(function)
    made = defs.get(through_copies(side, defs))
    return (isinstance(made, SolidityCall) and made.function in HASHES
            and any(_SENDER in deps.roots(a) for a in made.arguments))


def _linear(value, defs: dict, deps: Dependencies, sign: int, out: dict, depth: int = 0) -> None:
    """`value` as a signed sum of root sources (`block.number - bet.n` -> {block.number: 1, bets: -1})."""
    ir = defs.get(value)
    if depth < 8 and isinstance(ir, Assignment):
        _linear(ir.rvalue, defs, deps, sign, out, depth + 1)
        return
    if depth < 8 and isinstance(ir, Binary) and ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION):
        _linear(ir.variable_left, defs, deps, sign, out, depth + 1)
        right = -sign if ir.type == BinaryType.SUBTRACTION else sign
        _linear(ir.variable_right, defs, deps, right, out, depth + 1)
        return
    for root in deps.roots(value):
        out[root] = out.get(root, 0) + sign


def _young_side(left, right, defs: dict):
    """In `block.number < 257 || n > block.number - 256` (the idiom that keeps the subtraction from
    wrapping) the other side is what bounds the age: on so young a chain every block is recent."""
    for young, other in ((left, right), (right, left)):
        if isinstance(defs.get(young), Binary) and _young_chain(defs[young], defs):
            return other
    return None


def _young_chain(ir: Binary, defs: dict) -> bool:
    """`block.number < 257` (or `<= 256`): every earlier block is still among the last 256."""
    if ir.type in (BinaryType.GREATER, BinaryType.GREATER_EQUAL):
        number, bound, strict = ir.variable_right, ir.variable_left, ir.type == BinaryType.GREATER
    elif ir.type in (BinaryType.LESS, BinaryType.LESS_EQUAL):
        number, bound, strict = ir.variable_left, ir.variable_right, ir.type == BinaryType.LESS
    else:
        return False
    limit = literal_value(bound, defs)
    return number == BLOCK_NUMBER and limit is not None and limit <= (257 if strict else 256)


def _age_bounded(function: Function, node: Node, argument, hashed, deps: Dependencies) -> bool:
    """A check that holds at the call bounds how far `argument` lies behind block.number.

    Judged by what the check compares, not by its constant: `block.number <= n + K`,
    `block.number - n < K` or `n - block.number < K` bound the age; `block.number > n` alone, or a
    comparison that does not involve both values, does not.
    """
    targets = deps.roots(argument) - BLOCK_VALUES
    if not targets:
        return False
    defs = definitions(function)
    facts = [*comparisons_that_hold(function, node, defs, _young_side),
             *short_circuit_facts(node, hashed, defs, _young_side)]
    for small, big in facts:
        lo: dict = {}
        hi: dict = {}
        _linear(small, defs, deps, 1, lo)
        _linear(big, defs, deps, 1, hi)
        diff = {k: hi.get(k, 0) - lo.get(k, 0) for k in set(lo) | set(hi)}
        if diff.get(BLOCK_NUMBER, 0) < 0 and any(diff.get(t, 0) > 0 for t in targets):
            return True  # block.number <= n + bound
        # a distance `n - block.number` bounded from above: intent is the same window
        if lo.get(BLOCK_NUMBER) and any(lo.get(t) == -lo[BLOCK_NUMBER] for t in targets) \
                and not hi.keys() & ({BLOCK_NUMBER} | targets):
            return True
    return False


def _is_zero(value, defs: dict) -> bool:
    """The constant 0, as written or converted (`bytes32(0)`, `0x0`)."""
    value = through_copies(value, defs)
    return isinstance(value, Constant) and value.value in (0, "0", "0x0")  # a bytes literal is text


def _zero_tested(function: Function, hashed) -> bool:
    """The block hash (or a copy) is compared with 0: the code handles the answer for a block older
    than 256 (`require(h != 0)`, or a stored hash looked up instead), so a stale block is no free draw."""
    defs = definitions(function)
    uses = {hashed}
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Assignment) and ir.rvalue in uses and ir.lvalue is not None:
                uses.add(ir.lvalue)
            elif isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                sides = (ir.variable_left, ir.variable_right)
                if any(side in uses for side in sides) and any(_is_zero(side, defs) for side in sides):
                    return True
    return False


def _guess_on_producer_value(function: Function, ir: Binary, deps: Dependencies) -> bool:
    """A comparison of a value the block's producer picks (`block.coinbase`, `block.difficulty`) with
    one the caller names in an argument: a bet on the next block (`_miner == block.coinbase`), which
    the producer decides. A check of who calls (`msg.sender == block.coinbase`) bets on nothing, nor
    does a bound (`block.gaslimit >= minimum`): a guess is an exact match."""
    if ir.type not in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
        return False
    params = set(function.parameters)
    left, right = deps.roots(ir.variable_left), deps.roots(ir.variable_right)
    for block_side, named_side in ((left, right), (right, left)):
        if block_side & PRODUCER_VALUES and named_side & params \
                and not (block_side | named_side) & CALLER_VALUES:
            return True
    return False


def _decides_value(function: Function, hashed) -> bool:
    """The hash is turned into a number (conversion, `%`, comparison), not used as an identifier."""
    uses = {hashed}
    for node in function.nodes:
        for ir in node.irs:
            if not set(reads_of(ir)) & uses:
                continue
            if isinstance(ir, TypeConversion) and str(ir.type).startswith(("uint", "int")):
                return True
            if isinstance(ir, Binary) and (ir.type == BinaryType.MODULO or ir.type in COMPARISON):
                return True
            if isinstance(ir, (Assignment, TypeConversion)) and ir.lvalue is not None:
                uses.add(ir.lvalue)
    return False


def _fixed_in_code(value, deps: Dependencies) -> bool:
    """A literal, a constant, or a local only ever assigned those."""
    return all(isinstance(r, StateVariable) and r.is_constant for r in deps.inputs(value))


def _identity_check(function: Function, hashed, deps: Dependencies) -> bool:
    """Every use of a block hash compares it for (in)equality with a hash fixed in the code: which chain
    this is (replay protection after a fork), not a draw. A comparison with a guess is a draw."""
    uses, compared = {hashed}, False
    for node in function.nodes:
        for ir in node.irs:
            if not set(reads_of(ir)) & uses:
                continue
            if isinstance(ir, Assignment) and ir.lvalue is not None:
                uses.add(ir.lvalue)
                continue
            if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                other = ir.variable_right if ir.variable_left in uses else ir.variable_left
                if other not in uses and _fixed_in_code(other, deps):
                    compared = True
                    continue
            return False
    return compared


def _narrowing(function: Function, ir: Binary, defs: dict) -> bool:
    """`clock % 2**n` (n >= 32) whose every use converts it to uint<n>: a clock kept modulo 2^n
    (`uint32(block.timestamp % 2**32)`; 2^32 seconds is 136 years), not a draw among a few outcomes,
    which a smaller modulus, or a hash cut to 32 bits, can be."""
    bits = wide_modulus_bits(ir, defs)
    if bits is None:
        return False
    uses = [use for node in function.nodes for use in node.irs if ir.lvalue in use.read]
    return bool(uses) and all(isinstance(use, TypeConversion) and str(use.type) == f"uint{bits}" for use in uses)


def _rounding(function: Function, ir: Binary) -> bool:
    """`t % d` whose every use is `t - t % d`: `t` rounded down to a multiple of `d` (the start of the
    day, `now - now % 1 days`), which is the same for everyone within the period, not a draw."""
    producers = value_producers(function)
    dividend = value_key(ir.variable_left, producers)
    uses = [use for node in function.nodes for use in node.irs if ir.lvalue in use.read]
    return bool(uses) and all(
        isinstance(use, Binary) and use.type == BinaryType.SUBTRACTION and use.variable_right == ir.lvalue
        and value_key(use.variable_left, producers) == dividend for use in uses)


def _clock_arithmetic(function: Function, ir: Binary, defs: dict) -> bool:
    return _narrowing(function, ir, defs) or _rounding(function, ir)


def clock_arithmetic(slither) -> set[tuple[str, int]]:
    """(absolute path, line) of statements whose every `%` keeps a clock modulo 2^n (`_narrowing`) or
    rounds it down to a period (`_rounding`).

    Slither's `weak-prng` reads any `%` of a timestamp as a draw; its findings on these lines are
    dropped, while its contract-wide taint (a block hash passed on through calls) keeps the rest.
    """
    found: set[tuple[str, int]] = set()
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers_declared:
            defs = None
            for node in function.nodes:
                mods = [ir for ir in node.irs if isinstance(ir, Binary) and ir.type == BinaryType.MODULO]
                if not mods or node.source_mapping is None or not node.source_mapping.lines:
                    continue
                defs = defs if defs is not None else definitions(function)
                if all(_clock_arithmetic(function, ir, defs) for ir in mods):
                    found.add((node.source_mapping.filename.absolute, node.source_mapping.lines[0]))
    return found


class WeakRandomness(SWCDetector):
    ARGUMENT = "swclint-weak-randomness"
    HELP = "Randomness derived from block values"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        own_draws = {c: _stored_draws(c.functions_and_modifiers_declared) for c in self.contracts}
        for contract in self.contracts:
            functions = list(contract.functions_and_modifiers)
            derived = _block_derived_state(functions, set(contract.state_variables))
            # a base's check on a draw that a derived contract stores (a modifier of the base)
            draws = set().union(*(found for other, found in own_draws.items()
                                  if other is contract or contract in other.inheritance
                                  or other in contract.inheritance))
            used_state: set = set()
            for function in declared_functions(contract):
                results.extend(self._check(function, derived, used_state, draws))
            for variable in sorted(used_state & set(contract.state_variables_declared), key=str):
                info = [variable, " is initialised from block values and used as a random seed\n"]
                results.append(self.result(info))
        return results

    def _check(self, function: Function, derived: set, used_state: set, draws: set[tuple]):
        deps = dependencies(function)
        sources = BLOCK_VALUES | derived
        flagged = []
        if draws:
            flagged.extend((node, "decides on a value drawn from block values earlier and kept in storage")
                           for node in _draw_comparisons(function, draws, deps) if not in_assembly(node))
        for node in function.nodes:
            if in_assembly(node):
                continue
            for ir in node.irs:
                sink_inputs = []
                if isinstance(ir, SolidityCall) and ir.function in HASHES:
                    if _decides_value(function, ir.lvalue):
                        sink_inputs = [(a, sources) for a in ir.arguments]
                elif isinstance(ir, SolidityCall) and ir.function in BLOCKHASH:
                    recent = any(deps.roots(a) & BLOCK_VALUES for a in ir.arguments)
                    if not recent and not _zero_tested(function, ir.lvalue) \
                            and not any(_age_bounded(function, node, a, ir.lvalue, deps) for a in ir.arguments):
                        flagged.append(
                            (node, "blockhash of a block that may be older than 256 blocks (returns 0)")
                        )
                        break
                    if not _identity_check(function, ir.lvalue, deps):
                        sink_inputs = [(a, BLOCK_VALUES) for a in ir.arguments]
                elif isinstance(ir, Binary) and ir.type == BinaryType.MODULO:
                    if not _clock_arithmetic(function, ir, definitions(function)):
                        sink_inputs = [(ir.variable_left, sources)]
                elif isinstance(ir, SolidityCall) and ir.function in MODULAR:
                    sink_inputs = [(a, sources) for a in ir.arguments[:2]]
                elif isinstance(ir, Binary) and _guess_on_producer_value(function, ir, deps):
                    flagged.append((node, "decides on a guess of a block value that the block's producer picks"))
                    break
                slice_: set = set()
                for value, wanted in sink_inputs:
                    roots = deps.roots(value)
                    if roots & wanted:
                        slice_ |= roots
                if slice_:
                    flagged.append((node, "derives a random value from block values"))
                    used_state |= slice_ & derived
                    flagged.extend(self._feeding_nodes(function, slice_, sources))
                    break
        seen, results = set(), []
        for node, message in flagged:
            if node not in seen:
                seen.add(node)
                results.append(self.node_result(node, message))
        return results

    @staticmethod
    def _feeding_nodes(function: Function, slice_: set, sources: set):
        """Nodes that mix block values into a variable the random value is computed from."""
        for node in function.nodes:
            reads = set(node.variables_read) | set(node.solidity_variables_read)
            if reads & sources and set(node.variables_written) & slice_:
                yield node, "mixes block values into a random seed"
