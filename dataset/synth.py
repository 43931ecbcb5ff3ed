"""Generated vulnerable/fixed function pairs in whole-contract context (train split only).

The seed's snippets carry no contract context, and the textbook shapes of some classes are
nearly absent from it: its SWC-107 records are mostly bare external calls, with not one
"ether sent before the balance is cleared". A model trained on the seed alone answers `none`
for the classic reentrancy in a real file. Each case here is a small contract in one of the
compiler dialects 0.4 to 0.8; the target function is cut out with the linter's own
`extract_chunks`, so the model sees exactly what the linter sends it, and every vulnerable
function comes with its fixed twin (labelled clean) so the model learns the difference, not
the topic. Names, messages, guards, events and dialect vary; the structure is the lesson.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dataset.records import make_record
from swclint.analyze.chunks import extract_chunks

SOURCE = "synth"
DIALECTS = ("0.4.24", "0.4.26", "0.5.17", "0.6.12", "0.7.6", "0.8.19")
_PRE08 = DIALECTS[:5]

_CONTRACTS = ("Bank", "EtherStore", "Wallet", "Escrow", "Treasury", "Pool", "Fund", "Deposits",
              "Crowdsale", "Lottery", "Auction", "Token", "Registry", "Market", "Game", "Savings")
_BALANCES = ("balances", "deposits", "credit", "userBalance", "funds", "shares", "owed", "accounts")
_AMOUNTS = ("amount", "value", "bal", "toSend", "payout", "wad", "sum", "qty")
_WITHDRAW = ("withdraw", "withdrawAll", "claim", "cashOut", "redeem", "collect", "payOut", "exit")
_ADDRS = ("to", "recipient", "dest", "receiver", "account", "beneficiary")
_ARRAYS = ("investors", "players", "participants", "holders", "members", "payees")


class _Ctx:
    """The random choices of one case, shared by its vulnerable and fixed twins."""

    def __init__(self, rng: random.Random, dialects: tuple[str, ...] = DIALECTS) -> None:
        self.rng = rng
        self.version = rng.choice(dialects)
        self.minor = int(self.version.split(".")[1])
        self.contract = rng.choice(_CONTRACTS)
        self.bal = rng.choice(_BALANCES)
        self.amt = rng.choice(_AMOUNTS)
        self.fn = rng.choice(_WITHDRAW)
        self.to = rng.choice(_ADDRS)
        self.arr = rng.choice(_ARRAYS)
        self.messages = rng.random() < 0.5
        self.events = self.minor >= 5 or rng.random() < 0.5
        self.external = self.minor >= 5 and rng.random() < 0.3
        # a family whose fixed twin is the same code in another dialect sets these two
        self.fixed_version: str | None = None
        self.fix: str | None = None

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def req(self, cond: str, msg: str) -> str:
        return f'require({cond}, "{msg}");' if self.messages else f"require({cond});"

    @property
    def vis(self) -> str:
        return "external" if self.external else "public"

    @property
    def sender(self) -> str:
        """msg.sender where ether can be sent to it."""
        return "payable(msg.sender)" if self.minor >= 8 else "msg.sender"

    @property
    def payable_addr(self) -> str:
        return "address payable" if self.minor >= 5 else "address"

    def send_ether(self, to: str, amount: str) -> str:
        """A low-level call forwarding all gas, checked, in this dialect's syntax."""
        if self.minor < 5:
            return self.pick(f"require({to}.call.value({amount})());",
                             f"if (!{to}.call.value({amount})()) {{\n    revert();\n}}")
        call = f'{to}.call.value({amount})("")' if self.minor == 5 else f'{to}.call{{value: {amount}}}("")'
        return f"(bool ok, ) = {call};\n{self.req('ok', 'transfer failed')}"

    def plus(self, left: str, right: str) -> str:
        """An addition that cannot wrap: SafeMath before 0.8, checked arithmetic after."""
        return f"{left}.add({right})" if self.minor < 8 else f"{left} + {right}"

    def emit(self, event: str, *args: str) -> str:
        if not self.events:
            return ""
        return ("emit " if self.minor >= 5 or self.rng.random() < 0.7 else "") + f"{event}({', '.join(args)});"

    def contract_text(self, state: list[str], functions: list[str], extra: list[str],
                      version: str | None = None) -> str:
        version = version or self.version
        head = "// SPDX-License-Identifier: MIT\n" if int(version.split(".")[1]) >= 6 else ""
        head += f"pragma solidity ^{version};\n\n"
        if any(f".{op}(" in fn for fn in functions for op in ("add", "sub", "mul")):
            head += _SAFEMATH + "\n"
            state = ["using SafeMath for uint256;", *state]
        body = [*state, "", *extra, *functions]
        inner = "\n".join(_indent(block) for block in body)
        return f"{head}contract {self.contract} {{\n{inner}\n}}\n"

    def string_param(self) -> str:
        if self.minor < 5:
            return "string"
        return "string calldata" if self.external else "string memory"


_SAFEMATH = """library SafeMath {
    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 c = a + b;
        require(c >= a);
        return c;
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        require(b <= a);
        return a - b;
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        if (a == 0) {
            return 0;
        }
        uint256 c = a * b;
        require(c / a == b);
        return c;
    }
}
"""


def _indent(block: str) -> str:
    return "\n".join(("    " + ln) if ln.strip() else "" for ln in block.splitlines()) if block else ""


def _function(signature: str, lines: list[str]) -> str:
    body = "\n".join(_indent(ln) for ln in lines if ln)
    return f"{signature} {{\n{body}\n}}"


def _mapping(c: _Ctx, name: str) -> str:
    return f"mapping(address => uint256) public {name};"


# Each family returns (vulnerable function, fixed function, state declarations, extra members).
Family = Callable[[_Ctx], tuple[str, str, list[str], list[str]]]


def _reentrancy_all(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, b = c.amt, c.bal
    load = [f"uint256 {a} = {b}[msg.sender];", c.req(f"{a} > 0", "nothing to withdraw")]
    call = c.send_ether(c.sender, a).splitlines()
    clear = c.pick(f"{b}[msg.sender] = 0;", f"delete {b}[msg.sender];")
    done = c.emit("Withdrawn", "msg.sender", a)
    sig = f"function {c.fn}() {c.vis}"
    return (_function(sig, [*load, *call, clear, done]), _function(sig, [*load, clear, *call, done]),
            [_mapping(c, b)], ["event Withdrawn(address indexed who, uint256 amount);"] if c.events else [])


def _reentrancy_amount(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, b = c.amt, c.bal
    check = c.req(f"{b}[msg.sender] >= {a}", "insufficient balance")
    call = c.send_ether(c.sender, a).splitlines()
    debit = f"{b}[msg.sender] -= {a};"
    done = c.emit("Withdrawn", "msg.sender", a)
    sig = f"function {c.fn}(uint256 {a}) {c.vis}"
    return (_function(sig, [check, *call, debit, done]), _function(sig, [check, debit, *call, done]),
            [_mapping(c, b)], ["event Withdrawn(address indexed who, uint256 amount);"] if c.events else [])


def _reentrancy_mutex(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    """Same order in both twins; the fixed one is guarded by a reentrancy lock."""
    a, b = c.amt, c.bal
    lock = c.pick("locked", "entered", "_status")
    load = [f"uint256 {a} = {b}[msg.sender];", c.req(f"{a} > 0", "nothing to withdraw")]
    call = c.send_ether(c.sender, a).splitlines()
    clear = f"{b}[msg.sender] = 0;"
    guard = "nonReentrant"
    modifier = _function(f"modifier {guard}()", [c.req(f"!{lock}", "reentrant call"), f"{lock} = true;", "_;",
                                                 f"{lock} = false;"])
    plain = f"function {c.fn}() {c.vis}"
    return (_function(plain, [*load, *call, clear]), _function(f"{plain} {guard}", [*load, *call, clear]),
            [_mapping(c, b), f"bool private {lock};"], [modifier])


def _overflow_transfer(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, b, to = c.amt, c.bal, c.to
    sig = f"function transfer(address {to}, uint256 {a}) {c.vis} returns (bool)"
    done = [c.emit("Transfer", "msg.sender", to, a), "return true;"]
    weak = [c.req(f"{b}[msg.sender] - {a} >= 0", "insufficient balance"),
            f"{b}[msg.sender] -= {a};", f"{b}[{to}] += {a};"]
    safe = [c.req(f"{b}[msg.sender] >= {a}", "insufficient balance"),
            f"{b}[msg.sender] = {b}[msg.sender].sub({a});", f"{b}[{to}] = {b}[{to}].add({a});"]
    extra = ["event Transfer(address indexed from, address indexed to, uint256 value);"] if c.events else []
    return _function(sig, weak + done), _function(sig, safe + done), [_mapping(c, b)], extra


def _overflow_batch(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, b, arr = c.amt, c.bal, c.arr
    sig = f"function batchTransfer(address[] {'memory ' if c.minor >= 5 else ''}{arr}, uint256 {a}) public"
    n = "cnt"
    loop = [f"for (uint256 i = 0; i < {n}; i++) {{", f"    {b}[{arr}[i]] += {a};", "}"]
    weak = [f"uint256 {n} = {arr}.length;", f"uint256 total = {n} * {a};",
            c.req(f"{b}[msg.sender] >= total", "insufficient balance"), f"{b}[msg.sender] -= total;", *loop]
    safe = [f"uint256 {n} = {arr}.length;", f"uint256 total = {a}.mul({n});",
            c.req(f"{b}[msg.sender] >= total", "insufficient balance"),
            f"{b}[msg.sender] = {b}[msg.sender].sub(total);",
            f"for (uint256 i = 0; i < {n}; i++) {{", f"    {b}[{arr}[i]] = {b}[{arr}[i]].add({a});", "}"]
    return _function(sig, weak), _function(sig, safe), [_mapping(c, b)], []


def _overflow_lock(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    secs = c.pick("_seconds", "extra", "delay", "period")
    times = c.pick("lockTime", "unlockAt", "releaseTime", "lockedUntil")
    sig = f"function increaseLockTime(uint256 {secs}) {c.vis}"
    weak = [f"{times}[msg.sender] += {secs};"]
    safe = [f"{times}[msg.sender] = {times}[msg.sender].add({secs});"]
    return _function(sig, weak), _function(sig, safe), [_mapping(c, times)], []


def _assert_input(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, b = c.amt, c.bal
    sig = f"function spend(uint256 {a}) {c.vis}"
    tail = [f"{b}[msg.sender] = {b}[msg.sender] - {a};", c.emit("Spent", "msg.sender", a)]
    cond = f"{b}[msg.sender] >= {a}"
    return (_function(sig, [f"assert({cond});", *tail]), _function(sig, [c.req(cond, "insufficient balance"), *tail]),
            [_mapping(c, b)], ["event Spent(address indexed who, uint256 amount);"] if c.events else [])


def _assert_payment(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    price = c.pick("price", "fee", "ticketPrice", "cost")
    owner = c.pick("owners", "holders", "tickets", "members")
    sig = f"function buy() {c.vis} payable"
    tail = [f"{owner}[msg.sender] = {c.plus(f'{owner}[msg.sender]', '1')};"]
    cond = f"msg.value == {price}"
    return (_function(sig, [f"assert({cond});", *tail]), _function(sig, [c.req(cond, "wrong payment"), *tail]),
            [_mapping(c, owner), f"uint256 public {price} = 1 ether;"], [])


def _assert_divisor(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a = c.amt
    parts = c.pick("parts", "shares", "count", "divisor")
    sig = f"function split(uint256 {a}, uint256 {parts}) {c.vis} pure returns (uint256)"
    cond = f"{parts} != 0"
    return (_function(sig, [f"assert({cond});", f"return {a} / {parts};"]),
            _function(sig, [c.req(cond, "zero parts"), f"return {a} / {parts};"]), [], [])


def _dos_refund_loop(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    arr, b = c.arr, c.bal
    how = c.pick("send", "transfer")
    pay = (f"require({arr}[i].send({b}[{arr}[i]]));" if how == "send"
           else f"{arr}[i].transfer({b}[{arr}[i]]);")
    sig = f"function refundAll() {c.vis}"
    weak = [f"for (uint256 i = 0; i < {arr}.length; i++) {{", f"    {pay}", "}"]
    pending = c.pick("pendingWithdrawals", "refunds", "claimable")
    safe = [f"for (uint256 i = 0; i < {arr}.length; i++) {{", f"    {pending}[{arr}[i]] = {b}[{arr}[i]];", "}"]
    state = [f"{c.payable_addr}[] public {arr};", _mapping(c, b), _mapping(c, pending)]
    return _function(sig, weak), _function(sig, safe), state, []


def _dos_king(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    leader, prize = c.pick("king", "leader", "highestBidder", "currentWinner"), c.pick("prize", "highestBid", "pot")
    pending = c.pick("pendingReturns", "refunds", "owedTo")
    sig = f"function bid() {c.vis} payable"
    check = c.req(f"msg.value > {prize}", "bid too low")
    pay = (f"require({leader}.send({prize}));" if c.rng.random() < 0.5 else f"{leader}.transfer({prize});")
    update = [f"{leader} = {c.sender};", f"{prize} = msg.value;"]
    safe = f"{pending}[{leader}] = {c.plus(f'{pending}[{leader}]', prize)};"
    state = [f"{c.payable_addr} public {leader};", f"uint256 public {prize};", _mapping(c, pending)]
    return _function(sig, [check, pay, *update]), _function(sig, [check, safe, *update]), state, []


def _frontrun_approve(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    a, s = c.amt, c.pick("spender", "_spender", "delegate", "operator")
    allow = c.pick("allowed", "allowance_", "approvals", "allowances")
    sig = f"function approve(address {s}, uint256 {a}) {c.vis} returns (bool)"
    body = [f"{allow}[msg.sender][{s}] = {a};", c.emit("Approval", "msg.sender", s, a), "return true;"]
    guard = c.req(f"{a} == 0 || {allow}[msg.sender][{s}] == 0", "reset allowance to zero first")
    state = [f"mapping(address => mapping(address => uint256)) public {allow};"]
    extra = ["event Approval(address indexed owner, address indexed spender, uint256 value);"] if c.events else []
    return _function(sig, body), _function(sig, [guard, *body]), state, extra


def _frontrun_puzzle(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    ans, h = c.pick("answer", "solution", "guess", "preimage"), c.pick("hash", "target", "puzzleHash")
    packed = f"abi.encodePacked({ans})" if c.minor >= 5 else ans
    commits = c.pick("commitments", "commits", "sealedAnswers")
    sig = f"function solve({c.string_param()} {ans}) {c.vis}"
    pay = f"{c.sender}.transfer(address(this).balance);"
    weak = [c.req(f"keccak256({packed}) == {h}", "wrong answer"), pay]
    sealed = (f"abi.encodePacked({ans}, msg.sender)" if c.minor >= 5 else f"{ans}, msg.sender")
    safe = [c.req(f"{commits}[msg.sender] == keccak256({sealed})", "not committed"),
            c.req(f"keccak256({packed}) == {h}", "wrong answer"), f"delete {commits}[msg.sender];", pay]
    state = [f"bytes32 public {h};", f"mapping(address => bytes32) public {commits};"]
    return _function(sig, weak), _function(sig, safe), state, []


def _frontrun_price(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    price, b = c.pick("price", "rate", "tokenPrice"), c.bal
    limit = c.pick("maxPrice", "priceLimit", "expectedPrice")
    weak_sig = f"function buy() {c.vis} payable"
    safe_sig = f"function buy(uint256 {limit}) {c.vis} payable"
    body = [f"uint256 tokens = msg.value / {price};", f"{b}[msg.sender] = {c.plus(f'{b}[msg.sender]', 'tokens')};"]
    state = [f"uint256 public {price};", _mapping(c, b)]
    return (_function(weak_sig, body),
            _function(safe_sig, [c.req(f"{price} <= {limit}", "price changed"), *body]), state, [])


def _assert_invariant_mod(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    """The fix checks the input with require and keeps an assert that the arithmetic makes true."""
    key, n = c.pick("key", "seed", "id", "ticket"), c.pick("n", "buckets", "size", "slots")
    sig = f"function {c.pick('bucket', 'slotOf', 'shard', 'pickIndex')}(uint256 {key}, uint256 {n}) {c.vis} pure returns (uint256)"
    body = [f"uint256 r = {key} % {n};"]
    return (_function(sig, [f"assert({n} > 0);", *body, "return r;"]),
            _function(sig, [c.req(f"{n} > 0", "no buckets"), *body, "assert(r < " + n + ");", "return r;"]), [], [])


def _assert_invariant_share(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    """A quotient never exceeds its dividend: after a require on the divisor that assert always holds."""
    a, d = c.amt, c.pick("holders", "parts", "members", "rounds")
    sig = f"function {c.pick('shareOf', 'perHolder', 'portion', 'slice')}(uint256 {a}, uint256 {d}) {c.vis} pure returns (uint256)"
    body = [f"uint256 each = {a} / {d};"]
    return (_function(sig, [f"assert({d} != 0);", *body, "return each;"]),
            _function(sig, [c.req(f"{d} != 0", "nobody to share with"), *body, f"assert(each <= {a});",
                            "return each;"]), [], [])


def _overflow_unchecked(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    """0.8 `unchecked` on caller input wraps; after a require on the same values it cannot."""
    a, b, to = c.amt, c.bal, c.to
    sig = f"function transfer(address {to}, uint256 {a}) {c.vis} returns (bool)"
    weak = ["unchecked {", f"    {b}[msg.sender] -= {a};", f"    {b}[{to}] += {a};", "}", "return true;"]
    safe = [c.req(f"{b}[msg.sender] >= {a}", "insufficient balance"), "unchecked {",
            f"    {b}[msg.sender] -= {a};", "}", f"{b}[{to}] += {a};", "return true;"]
    return _function(sig, weak), _function(sig, safe), [_mapping(c, b)], []


def _overflow_dialect(c: _Ctx) -> tuple[str, str, list[str], list[str]]:
    """The same raw arithmetic wraps before 0.8 and reverts from 0.8 on: the fix is the compiler."""
    a, b, to = c.amt, c.bal, c.to
    total = c.pick("totalSupply", "totalDeposits", "supply", "issued")
    c.fixed_version = "0.8.19"
    sig = f"function {c.pick('mint', 'issue', 'credit', 'reward')}(address {to}, uint256 {a}) public"
    body = [f"{total} += {a};", f"{b}[{to}] += {a};"]
    c.fix = _function(sig, [f"{total} = {total}.add({a});", f"{b}[{to}] = {b}[{to}].add({a});"])
    return _function(sig, body), _function(sig, body), [_mapping(c, b), f"uint256 public {total};"], []


FAMILIES: dict[str, tuple[str, Family, tuple[str, ...]]] = {
    "reentrancy-all": ("SWC-107", _reentrancy_all, DIALECTS),
    "reentrancy-amount": ("SWC-107", _reentrancy_amount, DIALECTS),
    "reentrancy-mutex": ("SWC-107", _reentrancy_mutex, DIALECTS),
    "overflow-transfer": ("SWC-101", _overflow_transfer, _PRE08),
    "overflow-batch": ("SWC-101", _overflow_batch, _PRE08),
    "overflow-lock": ("SWC-101", _overflow_lock, _PRE08),
    "overflow-unchecked": ("SWC-101", _overflow_unchecked, DIALECTS[-1:]),
    "overflow-dialect": ("SWC-101", _overflow_dialect, _PRE08),
    "assert-input": ("SWC-110", _assert_input, DIALECTS),
    "assert-payment": ("SWC-110", _assert_payment, DIALECTS),
    "assert-divisor": ("SWC-110", _assert_divisor, DIALECTS),
    "assert-invariant-mod": ("SWC-110", _assert_invariant_mod, DIALECTS),
    "assert-invariant-share": ("SWC-110", _assert_invariant_share, DIALECTS),
    "dos-refund-loop": ("SWC-113", _dos_refund_loop, DIALECTS),
    "dos-king": ("SWC-113", _dos_king, DIALECTS),
    "frontrun-approve": ("SWC-114", _frontrun_approve, DIALECTS),
    "frontrun-puzzle": ("SWC-114", _frontrun_puzzle, DIALECTS),
    "frontrun-price": ("SWC-114", _frontrun_price, DIALECTS),
}


def _chunk_of(source: str, function: str, path: str):
    found = [c for c in extract_chunks(source, path) if c.function == function and c.kind != "modifier"]
    if len(found) != 1:
        raise RuntimeError(f"{path}: generated contract has {len(found)} functions named {function}")
    return found[0]


@dataclass(frozen=True)
class Case:
    """One generated contract and the answer for its target function."""

    family: str
    index: int
    variant: str  # "vulnerable" | "fixed"
    source: str
    function: str
    labels: tuple[str, ...]
    fix: str | None  # the fixed twin's function, for a vulnerable case

    @property
    def path(self) -> str:
        return f"synth/{self.family}/{self.index}-{self.variant}.sol"


def cases(per_family: int, seed: int) -> Iterator[Case]:
    """`per_family` vulnerable/fixed twins of every family, deterministic in `seed`."""
    for family, (swc, make, dialects) in FAMILIES.items():
        for i in range(per_family):
            ctx = _Ctx(random.Random(f"{seed}:{family}:{i}"), dialects)
            weak, safe, state, extra = make(ctx)
            name = weak.split("(")[0].split()[-1]
            yield Case(family, i, "vulnerable", ctx.contract_text(state, [weak], extra), name, (swc,),
                       (ctx.fix or safe).strip())
            yield Case(family, i, "fixed", ctx.contract_text(state, [safe], extra, ctx.fixed_version), name, (), None)


def generate(per_family: int, seed: int, stats: Counter) -> list[dict]:
    """Dataset records of `cases`; the twins of one case share a group, so they share a split."""
    out: list[dict] = []
    for case in cases(per_family, seed):
        found = [c for c in extract_chunks(case.source, case.path)
                 if c.function == case.function and c.kind != "modifier"]
        if len(found) != 1:
            raise RuntimeError(f"{case.path}: {len(found)} functions named {case.function}")
        group = f"{SOURCE}:{case.family}:{case.index}"
        out.append(make_record(found[0], list(case.labels), case.fix, SOURCE, group))
        stats[f"{SOURCE}.{case.variant}"] += 1
    return out
