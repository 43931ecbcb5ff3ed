"""Orderings (`small < big` or `small <= big`) known to hold where a node runs, read from the
conditions that lead to it: a require before it, the branch of an `if` it sits on, the left side of
an `&&` or `||` in its own expression."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Unary,
    UnaryType,
)
from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable

from swclint.analyze.run_cache import recursive_run_cache, run_cache
from swclint.detectors.ir import (
    branch_ends,
    condition_values,
    definitions,
    exit_nodes,
    flat_reads,
    helper_callee,
    holds_one_value,
    in_assembly,
    literal_value,
    returned_values,
    reverts,
    through_copies,
)

ORDERINGS = frozenset({BinaryType.GREATER, BinaryType.GREATER_EQUAL, BinaryType.LESS, BinaryType.LESS_EQUAL})


class Ordering(tuple):
    """(small, big); `strict` when `small < big` is known, not only `small <= big`."""

    strict: bool

    def __new__(cls, small, big, strict: bool = False) -> Ordering:
        pair = super().__new__(cls, (small, big))
        pair.strict = strict
        return pair


# Given the two sides of an `||` that holds, the side that must hold too (None: neither is known).
EitherSide = Callable[[object, object, dict], "object | None"]


def ordering(ir: Binary, holds: bool) -> Ordering | None:
    """The ordering that comparison `ir` being `holds` says (`a > b` false: `a <= b`); None for an
    operation that orders nothing."""
    if ir.type not in ORDERINGS:
        return None
    small, big = ir.variable_left, ir.variable_right
    if ir.type in (BinaryType.GREATER, BinaryType.GREATER_EQUAL):
        small, big = big, small
    strict = ir.type in (BinaryType.LESS, BinaryType.GREATER)
    return Ordering(small, big, strict) if holds else Ordering(big, small, not strict)


def ordered_pairs(value, defs: dict, holds: bool, either: EitherSide | None = None,
                  depth: int = 0) -> Iterator[tuple]:
    """(small, big) pairs that follow from boolean `value` being `holds`."""
    ir = defs.get(value)
    if depth > 6:
        return
    if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
        yield from ordered_pairs(ir.rvalue, defs, not holds, either, depth + 1)
    if (callee := helper_callee(ir)) is not None:
        for small, big, strict in predicate_orderings(callee)[holds]:
            if max(small, big) < len(ir.arguments):
                yield Ordering(ir.arguments[small], ir.arguments[big], strict)
    if not isinstance(ir, Binary):
        return
    if (ir.type == BinaryType.ANDAND and holds) or (ir.type == BinaryType.OROR and not holds):
        yield from ordered_pairs(ir.variable_left, defs, holds, either, depth + 1)
        yield from ordered_pairs(ir.variable_right, defs, holds, either, depth + 1)
    elif ir.type == BinaryType.OROR and either is not None:
        side = either(ir.variable_left, ir.variable_right, defs)
        if side is not None:
            yield from ordered_pairs(side, defs, holds, either, depth + 1)
    elif (known := ordering(ir, holds)) is not None:
        yield known
        small, big = known  # as written when it holds, the only case read below
        if holds and ir.type in (BinaryType.LESS, BinaryType.GREATER) and literal_value(small, defs) == 0:
            yield from _bit_set(big, defs)
    elif ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL) and holds == (ir.type == BinaryType.NOT_EQUAL):
        for tested, other in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
            if literal_value(other, defs) == 0:
                if str(getattr(tested, "type", "")).startswith("uint"):
                    yield Ordering(other, tested, strict=True)  # unsigned and not zero: above zero
                yield from _bit_set(tested, defs)


def returned_test(function: Function) -> tuple | None:
    """(value, defs) for a helper that on its one way out returns a value computed on every path to
    that return (`return a >= b;`, `bool ok = a >= b; return ok;`); None otherwise, or when the
    helper has modifiers or is overridden (the call may run another body)."""
    returned = returned_values(function)
    if returned is None or len(returned) != 1 or function.modifiers or overridden(function):
        return None
    end, value = returned[0]
    defs = definitions(function)
    value = own_copy(value, defs)
    made = defs.get(value)
    if made is None or made.node not in end.dominators:
        return None  # a named result set on some paths only keeps its default on the others
    return value, defs


def unwritten_parameters(function: Function) -> dict:
    """`function`'s parameters it never writes, each with its index: what a caller passed is what
    the body reads."""
    return {p: i for i, p in enumerate(function.parameters) if holds_one_value(function, p)}


def own_copy(value, defs: dict):
    """`value` followed back through copies (not casts), unless it is storage: a state variable a
    function checks and then writes once held another value at the check."""
    if isinstance(value, (StateVariable, ReferenceVariable)):
        return value
    return through_copies(value, defs, conversions=False)


@run_cache(maxsize=2048)
def overridden(function: Function) -> bool:
    """Another contract of the unit declares a function that overrides `function`: a call written
    against it may run that body instead."""
    home = getattr(function, "contract_declarer", None)
    if home is None:
        return False
    return any(home in contract.inheritance and any(
        f.full_name == function.full_name for f in contract.functions_declared)
        for contract in function.compilation_unit.contracts if contract is not home)


@recursive_run_cache(default=((), ()))
def predicate_orderings(function: Function) -> tuple[tuple, tuple]:
    """For a helper that returns one comparison of its own parameters (`safeToSub(a, b)` returning `a
    >= b`): the (small, big, strict) parameter indexes its result orders when it is false and when it
    is true, so `if (!x.safeToSub(v)) return;` guards `x - v` as `require(x >= v)` would."""
    found = returned_test(function)
    if found is None:
        return (), ()
    value, defs = found
    params = unwritten_parameters(function)

    def indexes(holds: bool) -> tuple:
        pairs = []
        for pair in ordered_pairs(value, defs, holds):
            small, big = (own_copy(side, defs) for side in pair)
            if small in params and big in params:
                pairs.append((params[small], params[big], pair.strict))
        return tuple(pairs)

    return indexes(False), indexes(True)


def _bit_set(value, defs: dict) -> Iterator[tuple]:
    """`x & b` known non-zero with b a power of two: bit b is set in x, so b <= x (`pending & bit > 0`
    before `pending -= bit`)."""
    ir = defs.get(value)
    if isinstance(ir, Binary) and ir.type == BinaryType.AND:
        for x, b in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
            if _power_of_two(b, defs):
                yield Ordering(b, x)


def _power_of_two(value, defs: dict) -> bool:
    """A literal power of two, `2 ** k` or `1 << k` (followed through copies and conversions)."""
    value = through_copies(value, defs)
    number = literal_value(value, defs)
    if number is not None:
        return number > 0 and not number & (number - 1)
    ir = defs.get(value)
    if not isinstance(ir, Binary):
        return False
    base = literal_value(through_copies(ir.variable_left, defs), defs)
    return (ir.type, base) in ((BinaryType.POWER, 2), (BinaryType.LEFT_SHIFT, 1))


def _on_branch(guard: Node, node: Node) -> bool | None:
    """Which way `guard`'s condition went when `node` runs: True, False, or None (either way, or
    `node` is not behind it). The false side of an `if` without `else` is its END_IF, which the true
    side reaches too unless it leaves first (returns, throws, reverts, `continue`s or `break`s)."""
    def leads(son: Node | None) -> bool:
        return son is not None and (son is node or son in node.dominators)

    if guard.type not in (NodeType.IF, NodeType.IFLOOP) or guard not in node.dominators:
        return None  # not on every path to `node`: a do-while body runs once before its test
    if guard.son_true is not None and guard.son_true.type == NodeType.ENDIF:
        return None  # `if (c) {}`: both ways go straight on
    if leads(guard.son_true):
        return True
    if guard.type == NodeType.IF and leads(guard.son_false):
        merge = guard.son_false.type == NodeType.ENDIF
        if not merge or branch_ends(guard.son_true, returns=True, within_if=True, jumps=True):
            return False
    return None  # a loop's exit is also reached by `break`


def comparisons_that_hold(function: Function, node: Node, defs: dict,
                          either: EitherSide | None = None) -> Iterator[tuple]:
    """(small, big) pairs known to hold when `node` runs. A value an earlier call returned from a
    helper that never returns more than its arguments (`min(a, b)`) is at most each of them."""
    yield from _returned_bounds(function, node)
    before = [earlier for earlier in node.dominators if earlier is not node]
    yield from _required_by_calls(before, function)
    yield from _divisors_in(before, function)
    for _, tested, holds in _conditions_known(function, node):
        yield from ordered_pairs(tested, defs, holds, either)


def _conditions_known(function: Function, node: Node) -> Iterator[tuple]:
    """(guard, tested value, how it went) for each condition whose outcome is known when `node` runs:
    a require/assert before it on every path (it held), or an `if`/loop test on whose branch it lies."""
    for guard in function.nodes:
        for tested in condition_values(guard):
            if guard.type in (NodeType.IF, NodeType.IFLOOP):
                holds = _on_branch(guard, node)
                if holds is None:
                    continue
            elif guard is node or guard not in node.dominators:
                continue
            else:
                holds = True
            yield guard, tested, holds


def held_calls(function: Function, node: Node, defs: dict) -> Iterator:
    """Helper calls whose boolean result is known true when `node` runs: asserted before it on every
    path (`require(safeToMul(a, b))`), or tested by an `if` on whose branch it lies (`if
    (!safeToAdd(a, b)) throw;`), also inside `&&` (or a failed `||`)."""
    for guard, tested, holds in _conditions_known(function, node):
        if guard is not node:
            yield from _calls_holding(tested, defs, holds)


def _calls_holding(value, defs: dict, holds: bool, depth: int = 0) -> Iterator:
    ir = defs.get(value)
    if depth > 6 or ir is None:
        return
    if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
        yield from _calls_holding(ir.rvalue, defs, not holds, depth + 1)
    elif helper_callee(ir) is not None:
        if holds:
            yield ir
    elif isinstance(ir, Binary) and ((ir.type == BinaryType.ANDAND and holds)
                                     or (ir.type == BinaryType.OROR and not holds)):
        yield from _calls_holding(ir.variable_left, defs, holds, depth + 1)
        yield from _calls_holding(ir.variable_right, defs, holds, depth + 1)


def checks_after(node: Node, defs: dict) -> Iterator[tuple]:
    """(small, big) pairs a require/assert that runs after `node` (on every path through it) insists
    on: it reverts whatever `node` did when they fail."""
    for guard in node.function.nodes:
        if guard.type in (NodeType.IF, NodeType.IFLOOP) or guard is node or guard in node.dominators \
                or node not in guard.dominators:
            continue
        for tested in condition_values(guard):
            yield from ordered_pairs(tested, defs, True)


def short_circuit_facts(node: Node, target, defs: dict, either: EitherSide | None = None) -> Iterator[tuple]:
    """(small, big) pairs that hold when `target` is computed inside a condition of the same node: in
    `a && f(n) == h` the right side is read only when `a` holds, in `a || ...` only when it fails."""
    for ir in node.irs:
        if isinstance(ir, Binary) and ir.type in (BinaryType.ANDAND, BinaryType.OROR) \
                and _feeds(target, ir.variable_right, defs):
            yield from ordered_pairs(ir.variable_left, defs, ir.type == BinaryType.ANDAND, either)


def _feeds(source, value, defs: dict, depth: int = 0) -> bool:
    if value is source:
        return True
    ir = defs.get(value)
    return depth < 8 and ir is not None and any(_feeds(source, read, defs, depth + 1) for read in flat_reads(ir))


def _returned_bounds(function: Function, node: Node) -> Iterator[tuple]:
    """(result, argument) for each call before `node` to a helper whose result is at most that
    argument, and (copy, argument) for a local the result is copied into once."""
    for earlier in node.dominators:
        if earlier is node:
            continue
        for ir in earlier.irs:
            callee = helper_callee(ir)
            if callee is None:
                continue
            for index in returns_at_most(callee):
                if index < len(ir.arguments):
                    yield Ordering(ir.lvalue, ir.arguments[index])
                    for copy in _copies(function, ir.lvalue):
                        yield Ordering(copy, ir.arguments[index])


def _runs_sometimes(ir) -> bool:
    """`ir` computes part of the right side of an `&&` or `||` in its statement: the left side may
    decide the answer first, and then it never runs (Slither's IR lists it all the same)."""
    lvalue = getattr(ir, "lvalue", None)
    if lvalue is None:
        return False
    reached = {lvalue}
    for later in ir.node.irs:  # what the result flows into within the statement, however deep
        if isinstance(later, Binary) and later.type in (BinaryType.ANDAND, BinaryType.OROR) \
                and later.variable_right in reached:
            return True
        if set(flat_reads(later)) & reached and getattr(later, "lvalue", None) is not None:
            reached.add(later.lvalue)
    return False


def _fixed(value, function: Function) -> bool:
    """`value` cannot change between two points of `function`: a literal, a temporary, an unwritten
    parameter or a local written once (not storage, which any write or call may change)."""
    return isinstance(value, (Constant, TemporaryVariable)) or (
        isinstance(value, LocalVariable) and holds_one_value(function, value))


def _divisors_in(nodes: list[Node], function: Function) -> Iterator[tuple]:
    """(0, d) for each divisor d of a division or modulo in `nodes` (which have run): it reverts on
    zero (outside assembly), so d is above zero afterwards."""
    for earlier in nodes:
        if in_assembly(earlier):
            continue
        for ir in earlier.irs:
            divisor = getattr(ir, "variable_right", None)
            if isinstance(ir, Binary) and ir.type in (BinaryType.DIVISION, BinaryType.MODULO) \
                    and not isinstance(divisor, Constant) and str(divisor.type).startswith("uint") \
                    and _fixed(divisor, function) and not _runs_sometimes(ir):
                yield Ordering(Constant("0"), divisor, strict=True)  # a signed divisor may be below zero


def _required_by_calls(nodes: list[Node], function: Function) -> Iterator[tuple]:
    """(small, big) pairs a helper called in `nodes` (which have run) insists on before it returns
    (SafeMath's `a.div(b)` requires `b > 0`), named as the caller passed them."""
    for earlier in nodes:
        for ir in earlier.irs:
            callee = helper_callee(ir)
            if callee is None or _runs_sometimes(ir):
                continue
            for small, big, strict in required_orderings(callee):
                sides = [ir.arguments[side] if isinstance(side, int) else Constant(str(side[1]))
                         for side in (small, big)
                         if not isinstance(side, int) or side < len(ir.arguments)]
                if len(sides) == 2 and all(_fixed(v, function) for v in sides):
                    yield Ordering(sides[0], sides[1], strict)


@recursive_run_cache(default=())
def required_orderings(function: Function) -> tuple:
    """(small, big, strict) orderings that hold whenever `function` returns, between two of its
    parameters or a parameter and a literal (a side is a parameter index or `("literal", n)`): the
    checks it makes before any normal return."""
    params = unwritten_parameters(function)
    ends = [end for end in exit_nodes(function) if not any(reverts(d) for d in end.dominators)]
    if not params or not ends or function.modifiers or overridden(function):
        return ()
    defs = definitions(function)

    def side(value):
        value = own_copy(value, defs)
        if value in params:
            return params[value]
        number = literal_value(value, defs)
        return None if number is None else ("literal", number)

    common = None
    for end in ends:
        found = set()
        # what holds at the return statement, and what the statement itself checks on its way out
        for pair in (*comparisons_that_hold(function, end, defs), *_divisors_in([end], function),
                     *_required_by_calls([end], function)):
            small, big = side(pair[0]), side(pair[1])
            if small is not None and big is not None and (isinstance(small, int) or isinstance(big, int)):
                found.add((small, big, pair.strict))
        common = found if common is None else common & found
    return tuple(sorted(common or (), key=repr))


def _copies(function: Function, value) -> Iterator:
    for candidate, ir in definitions(function).items():
        if isinstance(ir, Assignment) and ir.rvalue is value:
            yield candidate


@recursive_run_cache(default=frozenset())
def returns_at_most(function: Function) -> frozenset[int]:
    """Indexes of the parameters `function` never returns more than: on every path it returns one of
    its parameters, known there to be at or below each of those (`a < b ? a : b` for both). A
    parameter the body writes is not the value the caller passed, so it never counts."""
    params = [p if holds_one_value(function, p) else None for p in function.parameters]
    returned = returned_values(function)
    if returned is None or len(params) < 2:
        return frozenset()
    defs = definitions(function)
    keep = {i for i, p in enumerate(params) if p is not None}
    for end, value in returned:
        value = through_copies(value, defs)
        facts = {pair for pair in comparisons_that_hold(function, end, defs) if pair[0] is value}
        keep &= {i for i, p in enumerate(params) if p is not None and (p is value or (value, p) in facts)}
    return frozenset(keep)
