"""SWC-101: integer overflow/underflow on values a caller controls."""

from __future__ import annotations

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function
from slither.core.solidity_types import ArrayType, ElementaryType
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    EventCall,
    HighLevelCall,
    Index,
    InternalCall,
    Length,
    LibraryCall,
    OperationWithLValue,
    Return,
    SolidityCall,
    TypeConversion,
    Unary,
    UnaryType,
)
from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable

from swclint.analyze.once import written_after_deploy
from swclint.analyze.run_cache import run_cache
from swclint.detectors.base import SWCDetector
from swclint.detectors.conservation import checked_helper, moved_within, within_total
from swclint.detectors.elapsed import elapsed_since
from swclint.detectors.facts import (
    checks_after,
    comparisons_that_hold,
    held_calls,
    ordering,
    own_copy,
    returned_test,
    short_circuit_facts,
    unwritten_parameters,
)
from swclint.detectors.ir import (
    ARITHMETIC,
    CALLER_VALUES,
    CLOCKS,
    EXTERNAL_RESULT,
    REQUIRE_ASSERT,
    callees,
    comparisons,
    dead_nodes,
    declared_functions,
    definitions,
    dependencies,
    flat_reads,
    helper_callee,
    helper_operands,
    holds_one_value,
    in_assembly,
    is_constant,
    is_guard_node,
    is_pre_08,
    is_unchecked,
    literal_value,
    origin,
    parameter_operations,
    reads_of,
    shrinks_nonempty,
    through_copies,
    value_key,
    value_producers,
    wide_modulus_bits,
    write_targets,
)
from swclint.detectors.ranges import (
    Bounds,
    bounds_of,
    constant_value,
    int_range,
    length_bounded,
    returned_range,
    state_writers,
    type_max,
)


def _shallow(value, producers: dict) -> set:
    """Values a value is computed from inside the same expression (temporaries expanded, compared
    by what they compute rather than by which temporary holds them)."""
    if isinstance(value, Constant) or value is None:
        return set()
    found = {value_key(value, producers)}
    ir = producers.get(value)
    if ir is not None and isinstance(ir, Binary):
        found |= _shallow(ir.variable_left, producers) | _shallow(ir.variable_right, producers)
    return found


def _result_names(function: Function, lvalue) -> set:
    """The operation's result and the variables it is copied into (`c = a + b` is TMP then c)."""
    names = {origin(lvalue) if isinstance(lvalue, ReferenceVariable) else lvalue}
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Assignment) and ir.rvalue in names:
                names.add(origin(ir.lvalue) if isinstance(ir.lvalue, ReferenceVariable) else ir.lvalue)
    return names


def _loop_counters(function: Function) -> set:
    counters = set()
    for node in function.nodes:
        if node.type == NodeType.IFLOOP:
            for cmp in comparisons(node):
                for side in (cmp.variable_left, cmp.variable_right):
                    if isinstance(side, LocalVariable):
                        counters.add(side)
    return counters


def _caller_controlled(roots: set, function: Function) -> bool:
    for root in roots:
        if root is EXTERNAL_RESULT or root in CALLER_VALUES:
            return True
        # in 0.8+ `unchecked` is a deliberate choice; an internal helper's parameters are its
        # documented preconditions, so only entry-point arguments count as caller input there
        entry = is_pre_08(function) or function.visibility in ("public", "external")
        if isinstance(root, LocalVariable) and root in function.parameters and entry:
            return True
        if isinstance(root, StateVariable) and written_after_deploy(root):
            return True
    return False


def _only_indexes(binary: Binary, function: Function) -> bool:
    """`x - c` (a constant) that picks an array or `bytes` entry, directly or through local copies
    (`a[a.length - 1]`, `j = i - 1; a[j]`), before any other use of it: wrapped, it lies far past the
    end, so the access reverts before the wrapped value goes anywhere (0.5+ `list.pop()` reads
    `list[length - 1]`, then stores `length - 1` as the new length)."""
    if binary.type != BinaryType.SUBTRACTION or not isinstance(binary.variable_right, Constant):
        return False
    irs = [ir for node in function.nodes for ir in node.irs]
    values = {binary.lvalue}
    grew = True
    while grew:  # local copies of the difference
        grew = False
        for ir in irs:
            if (isinstance(ir, Assignment) and ir.rvalue in values and ir.lvalue not in values
                    and isinstance(ir.lvalue, (LocalVariable, TemporaryVariable))):
                values.add(ir.lvalue)
                grew = True
    if not all(isinstance(v, (LocalVariable, TemporaryVariable)) for v in values):
        return False
    picks, uses = [], []
    for node in function.nodes:
        for position, ir in enumerate(node.irs):
            if ir is binary or not any(v in values for v in flat_reads(ir)):
                continue
            if isinstance(ir, Assignment) and ir.lvalue in values:
                continue
            if (isinstance(ir, Index) and ir.variable_right in values and ir.variable_left not in values
                    and _ends(getattr(ir.variable_left, "type", None))):
                picks.append((node, position))
            else:
                uses.append((node, position))
    return bool(picks) and all(any(_after(use, pick) for pick in picks) for use in uses)


def _ends(type_) -> bool:
    """Reading or writing past the end reverts: arrays and `bytes`; a mapping has no end."""
    return isinstance(type_, ArrayType) or (isinstance(type_, ElementaryType) and str(type_.name).startswith("bytes"))


def _multiple_of_quotient(binary: Binary, producers: dict) -> bool:
    """`(a / b) * b`: rounding a toward zero to a multiple of b cannot move it past a, so the product
    stays inside a's range (`MIN / -1`, where the division itself wraps, is the division's finding)."""
    if binary.type != BinaryType.MULTIPLICATION:
        return False
    for quotient, factor in ((binary.variable_left, binary.variable_right),
                             (binary.variable_right, binary.variable_left)):
        division = producers.get(quotient)
        if isinstance(division, Binary) and division.type == BinaryType.DIVISION and division.variable_right is factor:
            return True
    return False


def _after(use: tuple, pick: tuple) -> bool:
    """`use` (node, IR position) runs only after `pick` has."""
    (use_node, use_at), (pick_node, pick_at) = use, pick
    if use_node is pick_node:
        return use_at > pick_at
    return pick_node in use_node.dominators


def _small_increment(binary: Binary) -> bool:
    if binary.type != BinaryType.ADDITION:
        return False
    constants = [op for op in (binary.variable_left, binary.variable_right) if isinstance(op, Constant)]
    if len(constants) != 1 or not isinstance(constants[0].value, int) or constants[0].value > 2**16:
        return False
    # Slither types a literal-left result as uint256; the variable operand carries the real type
    variable = next(op for op in (binary.variable_left, binary.variable_right) if not isinstance(op, Constant))
    type_name = str(getattr(variable, "type", ""))
    bits = type_name.removeprefix("uint").removeprefix("int")
    return type_name in ("uint", "int") or (bits.isdigit() and int(bits) >= 64)


def _adds_a_length(binary: Binary, producers: dict) -> bool:
    """`count += list.length` on a uint of 128 bits or more kept in storage: a running total that
    grows by a list's length per call. A length is bounded by the gas that building the list costs
    (well under 2^40), so even one such addition per transaction ever made stays far below 2^128.
    `start + list.length` with a caller's `start` is no running total and stays a finding."""
    if binary.type != BinaryType.ADDITION:
        return False
    total = binary.lvalue
    if not write_targets(total):  # in storage, also through a pointer (`dispute.count += ids.length`)
        return False
    for added, kept in ((binary.variable_left, binary.variable_right), (binary.variable_right, binary.variable_left)):
        if kept is not total:
            continue
        made = producers.get(added)
        while isinstance(made, (Assignment, TypeConversion)):
            made = producers.get(made.rvalue if isinstance(made, Assignment) else made.variable)
        span = int_range(getattr(total, "type", None))
        if (isinstance(made, Length) and span is not None and span[0] == 0 and span[1] >= 2**128 - 1
                and length_bounded(made, binary.node.function)):
            return True
    return False


def _operand_range(value, conversions: dict, computed: set) -> tuple[int, int] | None:
    """Range an operand can take: a literal's value, the narrower type a variable was widened from, or
    the range a helper's result is checked into (SafeCast's `toInt256`). `conversions` maps a value to
    the conversion or helper call that produced it.

    Temporaries computed by arithmetic (`computed`) get no range: Slither types them after the left
    operand, which is not the type Solidity gives them.
    """
    if isinstance(value, Constant):
        return (value.value, value.value) if isinstance(value.value, int) and not isinstance(value.value, bool) else None
    if isinstance(value, StateVariable) and value.is_constant:
        folded = constant_value(value)
        return (folded, folded) if folded is not None else int_range(getattr(value, "type", None))
    if value in computed:
        return None
    own = int_range(getattr(value, "type", None))
    conv = conversions.get(value)
    if conv is not None and not isinstance(conv, TypeConversion):  # a helper call's result
        return returned_range(conv.function) or own
    if conv is not None and not isinstance(conv.variable, TemporaryVariable):
        source = _operand_range(conv.variable, conversions, computed)
        # a widening conversion keeps the source's values; a narrowing or sign change may not
        if source and own and own[0] <= source[0] and source[1] <= own[1]:
            return source
    return own


def _result_range(binary: Binary) -> tuple[int, int] | None:
    """The operation's type as Solidity gives it: the variable operands' common (wider) type."""
    typed = [int_range(getattr(op, "type", None)) for op in (binary.variable_left, binary.variable_right)
             if not isinstance(op, Constant)]
    if not typed or None in typed or len({r[0] < 0 for r in typed}) > 1:
        return None
    return max(typed, key=lambda r: r[1])


def _is_one(value, producers: dict) -> bool:
    """The literal 1, possibly converted (`uint256(1)`)."""
    value = through_copies(value, producers)
    return isinstance(value, Constant) and str(value.value) == "1"


def _mask(binary: Binary, producers: dict) -> bool:
    """`(1 << n) - 1`, the n-bit mask. It wraps only where the shift leaves nothing (n at or above the
    type's width), and then gives all ones, the full-width mask, which is what the idiom asks for."""
    if binary.type != BinaryType.SUBTRACTION or not _is_one(binary.variable_right, producers):
        return False
    shift = producers.get(binary.variable_left)
    return (isinstance(shift, Binary) and shift.type == BinaryType.LEFT_SHIFT
            and _is_one(shift.variable_left, producers))


def _lowest_bit_cleared(binary: Binary, function: Function, producers: dict) -> bool:
    """`x & (x - 1)`: every use of `x - 1` (directly or through a local it is copied into) is an `&`
    with `x` itself, of the same unsigned type. The difference wraps only when `x` is 0, and the `&`
    with that 0 gives 0, the exact answer. A wrapped difference kept or masked with anything else
    (`(bal - amount) & MASK`) is still reported."""
    own = int_range(getattr(binary.lvalue, "type", None))
    if binary.type != BinaryType.SUBTRACTION or not _is_one(binary.variable_right, producers) \
            or own is None or own[0] < 0:
        return False
    left = binary.variable_left
    if isinstance(left, LocalVariable) and not holds_one_value(function, left):
        return False  # `x` rewritten between the subtraction and the `&` is another value
    # a parameter or once-written local reads the same number everywhere; state only within one statement
    stable = isinstance(left, LocalVariable)
    minuend = value_key(left, producers)
    values, pending, masked = set(), [binary.lvalue], False
    while pending:
        value = pending.pop()
        if value in values:
            continue
        if not isinstance(value, (TemporaryVariable, LocalVariable)) or value in function.returns \
                or int_range(getattr(value, "type", None)) != own:
            return False
        values.add(value)
        for node in function.nodes:
            for ir in node.irs:
                if value not in reads_of(ir):
                    continue
                if isinstance(ir, Assignment):
                    pending.append(ir.lvalue)
                    continue
                if not (isinstance(ir, Binary) and ir.type == BinaryType.AND):
                    return False
                other = ir.variable_right if ir.variable_left is value else ir.variable_left
                if value_key(other, producers) != minuend or int_range(getattr(other, "type", None)) != own:
                    return False
                if ir.node is not binary.node and not stable:
                    return False  # state read again later may have been rewritten in between
                masked = True
    return masked


def _cannot_wrap(binary: Binary, conversions: dict, computed: set) -> bool:
    """The operands' ranges keep the exact result inside the operation's type (`-int256(int24)`)."""
    result = _result_range(binary)
    left = _operand_range(binary.variable_left, conversions, computed)
    right = _operand_range(binary.variable_right, conversions, computed)
    if not (result and left and right):
        return False
    if binary.type == BinaryType.ADDITION:
        lo, hi = left[0] + right[0], left[1] + right[1]
    elif binary.type == BinaryType.SUBTRACTION:
        lo, hi = left[0] - right[1], left[1] - right[0]
    elif binary.type == BinaryType.MULTIPLICATION:
        corners = [a * b for a in left for b in right]
        lo, hi = min(corners), max(corners)
    else:
        return False
    return result[0] <= lo and hi <= result[1]


def _type_limit(value, producers: dict, depth: int = 0) -> int | None:
    """Largest value of the type Solidity gives `value`: for arithmetic, the operands' common type
    (Slither types `70000 + x` after the literal, as uint256, whatever x is)."""
    ir = producers.get(value)
    if isinstance(ir, Binary) and ir.type in ARITHMETIC and depth < 8:
        limits = [_type_limit(op, producers, depth + 1) for op in (ir.variable_left, ir.variable_right)
                  if not isinstance(op, Constant)]
        return None if not limits or None in limits else max(limits)
    return type_max(getattr(value, "type", None))


def _bounded(binary: Binary, bounds: Bounds, producers: dict) -> bool:
    """Unsigned `+`/`*` whose operands' upper bounds keep the result inside its type (ether sums)."""
    if binary.type not in (BinaryType.ADDITION, BinaryType.MULTIPLICATION):
        return False
    limits = [_type_limit(op, producers) for op in (binary.variable_left, binary.variable_right)
              if not isinstance(op, Constant)]
    if not limits or None in limits:
        return False
    found = bounds.binary_upper(binary)
    if found is None or found > max(limits):
        # an operand a check bounds where the operation runs (`require(d <= 365); d * 1 days`)
        found = bounds.binary_upper(binary, checked=True)
    return found is not None and found <= max(limits)


def _only_write(value, bounds: Bounds):
    """The one IR that computes `value` (`ir.definitions`); a parameter's value comes from the caller."""
    return None if value in bounds.function.parameters else definitions(bounds.function).get(value)


def _factors(value, bounds: Bounds) -> list | None:
    """The two factors of a product `x * k` or `x.mul(k)`; None for anything else."""
    ir = _only_write(value, bounds)
    if isinstance(ir, Binary) and ir.type == BinaryType.MULTIPLICATION:
        return [ir.variable_left, ir.variable_right]
    if isinstance(ir, (InternalCall, LibraryCall)) and helper_operands(ir) \
            and parameter_operations(ir.function, BinaryType.MULTIPLICATION):
        return helper_operands(ir)
    return None


def _capped(value, function: Function, producers: dict) -> int | None:
    """The least constant a require/assert caps `value` at (`require(x <= 100)`), where no `||` can
    bypass the comparison."""
    key, best = value_key(value, producers), None
    for node in function.nodes:
        if not any(isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT for ir in node.irs):
            continue
        if any(isinstance(ir, Binary) and ir.type == BinaryType.OROR for ir in node.irs):
            continue
        for cmp in comparisons(node):
            for var, limit, kind in ((cmp.variable_left, cmp.variable_right, cmp.type),
                                     (cmp.variable_right, cmp.variable_left, _FLIPPED.get(cmp.type))):
                if not (isinstance(limit, Constant) and isinstance(limit.value, int)):
                    continue
                if value_key(var, producers) != key or kind not in (BinaryType.LESS, BinaryType.LESS_EQUAL):
                    continue
                cap = limit.value - (kind == BinaryType.LESS)
                best = cap if best is None else min(best, cap)
    return best


_FLIPPED = {BinaryType.GREATER: BinaryType.LESS, BinaryType.GREATER_EQUAL: BinaryType.LESS_EQUAL}


def _part_of(part, whole, function: Function, bounds: Bounds, producers: dict, depth: int = 0) -> bool:
    """`part` is at most `whole`: `whole / d`, or `whole * k / d` with k never above the constant d
    (a fee in basis points, a percentage). Division by zero reverts, so `whole / d <= whole`."""
    ir = _only_write(part, bounds)
    if isinstance(ir, Assignment) and depth < 4:
        return _part_of(ir.rvalue, whole, function, bounds, producers, depth + 1)
    if not (isinstance(ir, Binary) and ir.type == BinaryType.DIVISION):
        return False
    key = value_key(whole, producers)
    if value_key(ir.variable_left, producers) == key:
        return True
    factors = _factors(ir.variable_left, bounds)
    if not factors or not is_constant(ir.variable_right):
        return False
    denominator = bounds.upper(ir.variable_right)  # a constant's bound is its value
    for mine, rate in (factors, factors[::-1]):
        if value_key(mine, producers) != key:
            continue
        caps = [c for c in (bounds.upper(rate) if is_constant(rate) else None,
                            _capped(rate, function, producers)) if c is not None]
        if denominator is not None and caps and min(caps) <= denominator:
            return True
    return False


def _takes_a_part(binary: Binary, function: Function, bounds: Bounds, producers: dict) -> bool:
    """Unsigned `whole - part` where the part is a fraction of the whole cannot wrap."""
    return (binary.type == BinaryType.SUBTRACTION and type_max(getattr(binary.variable_left, "type", None)) is not None
            and _part_of(binary.variable_right, binary.variable_left, function, bounds, producers))


def _clock_bits(value, function: Function, depth: int = 0) -> int | None:
    """n when `value` is a chain clock kept modulo 2^n (n >= 32) in a uint<n>: `uint32(block.timestamp)`,
    `uint32(block.timestamp % 2**32)`, or a variable only ever assigned such readings; None otherwise."""
    if depth > 4:
        return None
    if isinstance(value, StateVariable):
        found = set()
        for writer in state_writers(value):
            for node in writer.nodes:
                for ir in node.irs:
                    if isinstance(ir, OperationWithLValue) and ir.lvalue is value:
                        found.add(_clock_bits(ir.rvalue, writer, depth + 1) if isinstance(ir, Assignment) else None)
        return found.pop() if len(found) == 1 else None
    defs = definitions(function)
    ir = defs.get(value)
    if isinstance(ir, Assignment):
        return _clock_bits(ir.rvalue, function, depth + 1)
    if not isinstance(ir, TypeConversion):
        return None
    width = str(ir.type).removeprefix("uint")
    if not width.isdigit() or not 32 <= int(width) < 256:
        return None
    if ir.variable in CLOCKS:
        return int(width)
    reduced = defs.get(ir.variable)
    if isinstance(reduced, Binary) and wide_modulus_bits(reduced, defs) == int(width):
        return int(width)
    return None


def _clock_difference(binary: Binary, function: Function) -> bool:
    """`now32 - last32`, both readings of a clock kept modulo 2^n in uint<n>: the wrap is the design
    (the elapsed time is exact modulo 2^n; Uniswap's price oracle)."""
    if binary.type != BinaryType.SUBTRACTION:
        return False
    left, right = (_clock_bits(v, function) for v in (binary.variable_left, binary.variable_right))
    return left is not None and left == right


def _facts_at(function: Function, node: Node, binary: Binary, producers: dict) -> list:
    """Orderings known where `binary` runs: checks before it or around it in the same condition, and
    a require after it (it reverts the wrapped result) unless that check reads what the operation
    wrote (`count -= 1; require(count != 0)` tests the wrapped value)."""
    defs = definitions(function)
    written = {value_key(name, producers) for name in _result_names(function, binary.lvalue)}
    later = [pair for pair in checks_after(node, defs)
             if not {value_key(side, producers) for side in pair} & written]
    return [*comparisons_that_hold(function, node, defs), *short_circuit_facts(node, binary.lvalue, defs), *later]


def _subtrahend_below(function: Function, node: Node, binary: Binary, producers: dict) -> bool:
    """`a - b` where a check known to hold at `node` orders b (or a sum that includes it) at or below
    a (or a value a is computed from): `require(b <= a)`, `if (a < b) return; ...`, `if (a >= b) {..}`,
    `require(total >= fee + tax); total - fee - tax`."""
    top = _shallow(binary.variable_left, producers)
    bottom = value_key(binary.variable_right, producers)
    return any(value_key(big, producers) in top and bottom in _shallow(small, producers)
               for small, big in _facts_at(function, node, binary, producers))


def _decrement_within(function: Function, node: Node, binary: Binary, producers: dict) -> bool:
    """`x - c` (a literal) where a check known to hold at `node` puts x itself at or above c: `if (x
    == 0) revert(); x -= 1`, `require(x >= 2); x -= 2`."""
    defs = definitions(function)
    amount = literal_value(binary.variable_right, defs)
    if binary.type != BinaryType.SUBTRACTION or amount is None:
        return False
    top = value_key(binary.variable_left, producers)
    for pair in _facts_at(function, node, binary, producers):
        floor = literal_value(pair[0], defs)
        if floor is not None and value_key(pair[1], producers) == top and floor + pair.strict >= amount:
            return True
    return False


def checked_before(node: Node, binary: Binary, producers: dict) -> bool:
    """The same operation on the same values ran with a check earlier on every path to `node` (a
    SafeMath-style helper, or checked 0.8 arithmetic): had it wrapped, that one reverted first
    (`last = list.length.sub(1); ... list.length--`)."""
    want = (value_key(binary.variable_left, producers), value_key(binary.variable_right, producers))
    either_order = binary.type in (BinaryType.ADDITION, BinaryType.MULTIPLICATION)
    for earlier in node.dominators:
        if earlier is node:
            continue
        for ir in earlier.irs:
            if isinstance(ir, Binary) and ir.type == binary.type and not is_unchecked(earlier):
                pair = (ir.variable_left, ir.variable_right)
            elif (isinstance(ir, (InternalCall, LibraryCall)) and helper_operands(ir)
                  and isinstance(ir.function, Function) and checked_helper(ir.function, binary.type)):
                pair = tuple(helper_operands(ir))
            else:
                continue
            keys = (value_key(pair[0], producers), value_key(pair[1], producers))
            if keys == want or (either_order and keys[::-1] == want):
                return True
    return False


@run_cache(maxsize=1024)
def _tested_parameters(function: Function) -> tuple[tuple[BinaryType, int, int], ...]:
    """For a helper that returns an overflow test of its own parameters: each operation that cannot
    have wrapped when it returns true, with the indexes of its operands in order, so a call to it
    that holds where an operation runs checks that operation on the caller's arguments as the
    written-out test would. Unsigned: `a + b >= a`, `a - b <= a`, `b == 0 || a * b / b == a`; signed
    (the sign of `b` decides the direction): `(b >= 0 && a + b >= a) || (b < 0 && a + b < a)`, and
    the same for `a - b` (Gnosis Math's `safeToAdd`, `safeToSub`, `safeToMul`). A product test
    proves nothing for signed values (`-2**255 * -1` wraps and divides back)."""
    found = returned_test(function)
    if found is None:
        return ()
    value, defs = found
    params = unwritten_parameters(function)

    def unsigned(k: int) -> bool:
        return str(function.parameters[k].type).startswith("uint")

    def index(v) -> int | None:
        return params.get(own_copy(v, defs))

    def operands(v, kind: BinaryType) -> tuple[int, int] | None:
        ir = defs.get(v)
        if isinstance(ir, Binary) and ir.type == kind:
            i, j = index(ir.variable_left), index(ir.variable_right)
            if i is not None and j is not None:
                return i, j
        return None

    def compared(small, big, strict: bool) -> set:
        facts: set = set()
        if literal_value(small, defs) == 0 and index(big) is not None:
            facts.add(("sign", index(big), "+"))
        if strict and literal_value(big, defs) == 0 and index(small) is not None:
            facts.add(("sign", index(small), "-"))
        for total, part, sign in ((big, small, "+"), (small, big, "-")):
            pair = operands(total, BinaryType.ADDITION)  # a + b >= a: b >= 0; a + b < a: b < 0
            if pair and index(part) in pair and (sign == "+" or strict):
                other = pair[1] if index(part) == pair[0] else pair[0]
                facts.add(("op", BinaryType.ADDITION, *pair, (sign, other)))
        for diff, minuend, sign in ((small, big, "+"), (big, small, "-")):
            pair = operands(diff, BinaryType.SUBTRACTION)  # a - b <= a: b >= 0; a - b > a: b < 0
            if pair and index(minuend) == pair[0] and (sign == "+" or strict):
                facts.add(("op", BinaryType.SUBTRACTION, *pair, (sign, pair[1])))
        return facts

    def product(quotient, other) -> set:
        ir = defs.get(quotient)
        if not (isinstance(ir, Binary) and ir.type == BinaryType.DIVISION):
            return set()
        pair = operands(ir.variable_left, BinaryType.MULTIPLICATION)
        divisor, rest = index(ir.variable_right), index(other)
        if pair and divisor != rest and {divisor, rest} == set(pair) and all(map(unsigned, pair)):
            return {("op", BinaryType.MULTIPLICATION, *pair, None)}
        return set()

    def resolved(facts: set) -> set:
        """An operation whose test holds only for one sign of `b`, where that sign is known (or `b`
        is unsigned and the test asks for `b >= 0`), is proven."""
        out = set(facts)
        for fact in facts:
            if fact[0] == "op" and fact[4] is not None:
                sign, k = fact[4]
                if ("sign", k, sign) in facts or (sign == "+" and unsigned(k)):
                    out.add((*fact[:4], None))
        return out

    def either(left: set, right: set) -> set:
        """What an `||` that holds proves: an operation each side proves (a side showing a factor is
        zero proves the product)."""
        def covers(side: set, op: tuple) -> bool:
            return op in side or (op[1] == BinaryType.MULTIPLICATION
                                  and any(("zero", k) in side for k in op[2:4]))
        ops = {f for f in left | right if f[0] == "op" and f[4] is None}
        return {op for op in ops if covers(left, op) and covers(right, op)}

    def facts(v, holds: bool, depth: int = 0) -> set:
        ir = defs.get(v)
        if depth > 6 or ir is None:
            return set()
        if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
            return facts(ir.rvalue, not holds, depth + 1)
        if not isinstance(ir, Binary):
            return set()
        sides = (ir.variable_left, ir.variable_right)
        if ir.type in (BinaryType.ANDAND, BinaryType.OROR):
            both = (ir.type == BinaryType.ANDAND) == holds
            found = [resolved(facts(side, holds, depth + 1)) for side in sides]
            return resolved(found[0] | found[1]) if both else either(*found)
        if (known := ordering(ir, holds)) is not None:
            return compared(*known, known.strict)
        if ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL) and holds == (ir.type == BinaryType.EQUAL):
            out: set = set()
            for one, other in (sides, sides[::-1]):
                if literal_value(other, defs) == 0 and index(one) is not None:
                    out.add(("zero", index(one)))
                out |= product(one, other)
            return out
        return set()

    proven = resolved(facts(value, True))
    return tuple(sorted({(f[1], f[2], f[3]) for f in proven if f[0] == "op" and f[4] is None}, key=str))


def _tested_by_helper(function: Function, node: Node, binary: Binary, producers: dict) -> bool:
    """A helper call known to have returned true where `binary` runs tests `binary`'s own operation,
    on parameters of its type, with the caller's arguments its operands (in order where the order
    matters: `safeToSub(a, b)` tests `a - b`, not `b - a`)."""
    mine = (value_key(binary.variable_left, producers), value_key(binary.variable_right, producers))
    # the operands' own types: Slither types a literal-left result as uint256 (`16 * x`, x a uint8)
    kinds = {str(v.type) for v in (binary.variable_left, binary.variable_right) if not isinstance(v, Constant)}
    if len(kinds) != 1:
        return False
    (kind,) = kinds
    for call in held_calls(function, node, definitions(function)):
        callee = helper_callee(call)
        for op, i, j in _tested_parameters(callee):
            if op != binary.type or max(i, j) >= len(call.arguments):
                continue
            if any(str(callee.parameters[k].type) != kind for k in (i, j)):
                continue
            theirs = (value_key(call.arguments[i], producers), value_key(call.arguments[j], producers))
            if theirs == mine or (op != BinaryType.SUBTRACTION and theirs[::-1] == mine):
                return True
    return False


@run_cache(maxsize=1024)
def _called_within(function: Function) -> bool:
    """A function of the compilation unit (a derived contract's too) calls it, internally or through
    a contract reference (`this.f()`, `pricing.f()`): its return value feeds code, not only a caller
    outside."""
    name = function.canonical_name  # each contract holds its own copy of an inherited function
    for contract in function.compilation_unit.contracts:
        for other in contract.functions_and_modifiers:
            if other.canonical_name == name:
                continue
            if any(callee.canonical_name == name for callee in callees(other)):
                return True
            if any(isinstance(ir, HighLevelCall) and ir.function_name == function.name
                   for node in other.nodes for ir in node.irs):
                return True
    return False


def _only_reported(function: Function, binary: Binary) -> bool:
    """The result, and all computed from it, reaches only events and the value an entry point returns
    to an outside caller (`cost = count - profit; emit Sale(cost); return cost;`) in a function that
    moves value: it stores, pays and decides nothing there, so a wrapped value misinforms, it does
    not lose funds. Not for a library's or a view's result (other contracts compute prices from it),
    a function with inline assembly (it may store anything), or one that moves nothing (the severity
    context already lowers that one for it)."""
    from swclint.severity import moves_value

    if isinstance(binary.lvalue, (StateVariable, ReferenceVariable)) or function.contract.is_library \
            or function.view or function.pure or function.contains_assembly \
            or function.visibility not in ("public", "external") or _called_within(function) \
            or not moves_value(function):
        return False
    carried = {binary.lvalue}
    irs = [ir for node in function.nodes for ir in node.irs]
    changed = True
    while changed:
        changed = False
        for ir in irs:
            if not set(reads_of(ir)) & carried:
                continue
            if isinstance(ir, (EventCall, Return)):
                continue
            lvalue = getattr(ir, "lvalue", None)
            carries = isinstance(ir, (Assignment, TypeConversion)) or (
                isinstance(ir, Binary) and ir.type in ARITHMETIC)
            if not carries or lvalue is None or isinstance(lvalue, (StateVariable, ReferenceVariable)):
                return False
            if lvalue not in carried:
                carried.add(lvalue)
                changed = True
    return True


class ArithmeticOverflow(SWCDetector):
    ARGUMENT = "swclint-arithmetic"
    HELP = "Unchecked arithmetic on caller-controlled values can wrap"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _guarded(self, function: Function, node: Node, binary: Binary, operands: list, producers: dict) -> bool:
        keys = set()
        for operand in operands:
            keys |= _shallow(operand, producers) - {binary.lvalue}
        results = _result_names(function, binary.lvalue)
        results |= {value_key(r, producers) for r in results}
        # `a - b` of two variables is guarded only by a check that puts b at or below a where it runs;
        # a comparison that merely names both (`if (a < b) ...; a - b`) says nothing
        ordered = binary.type == BinaryType.SUBTRACTION and not any(is_constant(op) for op in operands)
        if ordered and _subtrahend_below(function, node, binary, producers):
            return True
        if _decrement_within(function, node, binary, producers):
            return True
        for guard in function.nodes:
            checks = is_guard_node(guard)
            if not checks and guard is not node:
                continue
            for cmp in comparisons(guard):
                left = _shallow(cmp.variable_left, producers)
                right = _shallow(cmp.variable_right, producers)
                seen = left | right
                if not ordered and keys and keys <= seen and not seen & results and checks:
                    return True  # operands bounded before the operation
                if (left & results and right & keys) or (right & results and left & keys):
                    # classic `require(c >= a)` / `require(c / a == b)` on the result, or the
                    # overflow test itself (`return a + b >= a`)
                    return True
        return False

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                results.extend(self._check(function))
        return results

    def _check(self, function: Function):
        deps = dependencies(function)
        counters = _loop_counters(function)
        dead = dead_nodes(function)
        producers = value_producers(function)
        bounds = bounds_of(function)
        conversions = {ir.lvalue: ir for node in function.nodes for ir in node.irs
                       if isinstance(ir, TypeConversion) or helper_callee(ir) is not None}
        reported: set[Node] = set()
        results = []
        for node in function.nodes:
            if node in reported or node in dead or in_assembly(node) or not is_unchecked(node):
                continue
            for ir in node.irs:
                if not isinstance(ir, Binary) or ir.type not in ARITHMETIC:
                    continue
                operands = [ir.variable_left, ir.variable_right]
                variable = [op for op in operands if not is_constant(op)]
                if not variable:
                    continue
                additive = ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION)
                if additive and len(variable) == 1 and variable[0] in counters:
                    continue  # `i++` bounded by the loop condition
                if _small_increment(ir) or _adds_a_length(ir, producers):
                    continue  # counting up one by one, or by a list's length, cannot realistically wrap
                if _only_indexes(ir, function) or shrinks_nonempty(function, node, ir, producers):
                    continue
                computed = {t for t, p in producers.items() if isinstance(p, Binary) and isinstance(t, TemporaryVariable)}
                if _cannot_wrap(ir, conversions, computed) or _bounded(ir, bounds, producers):
                    continue
                if _takes_a_part(ir, function, bounds, producers) or moved_within(ir, function) \
                        or within_total(ir, function):
                    continue
                if _clock_difference(ir, function) or _mask(ir, producers) or elapsed_since(ir, function) \
                        or _multiple_of_quotient(ir, producers) or _lowest_bit_cleared(ir, function, producers):
                    continue
                roots: set = set()
                for op in variable:
                    roots |= deps.roots(op)
                if not _caller_controlled(roots, function):
                    continue
                if self._guarded(function, node, ir, operands, producers) or checked_before(node, ir, producers) \
                        or _tested_by_helper(function, node, ir, producers):
                    continue
                where = "before Solidity 0.8" if is_pre_08(function) else "in an `unchecked` block"
                message = f"`{ir.type.value}` on caller-controlled values can wrap ({where})"
                impact = None if is_pre_08(function) else "Medium"
                if _only_reported(function, ir):  # one step below the check's impact
                    message += "; the result is only returned or logged, never stored, paid or checked"
                    impact = "Medium" if impact is None else "Low"
                results.append(self.node_result(node, message, impact=impact))
                reported.add(node)
                break
        return results
