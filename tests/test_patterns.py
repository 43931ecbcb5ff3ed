import pytest

from swclint.analyze.chunks import extract_chunks
from swclint.analyze.patterns import is_candidate, signals, strip_comments
from swclint.solc.versions import admits_wrapping_arithmetic


def sig(code: str) -> frozenset[str]:
    return signals(extract_chunks(code)[-1])


@pytest.mark.parametrize(
    ("swc", "vulnerable", "safe"),
    [
        (
            "SWC-107",
            "function w() public { uint a = bal[msg.sender]; msg.sender.call.value(a)(); bal[msg.sender] = 0; }",
            "function w() public { uint a = bal[msg.sender]; bal[msg.sender] = 0; msg.sender.transfer(a); }",
        ),
        (
            "SWC-101",
            "function t(uint v) public { balances[msg.sender] -= v; }",
            "function t(uint v) public { require(balances[msg.sender] >= v); balances[msg.sender] -= v; }",
        ),
        (
            "SWC-110",
            "function f(uint x) public { assert(x > 0); }",
            "function f(uint x) public { require(x > 0); }",
        ),
        (
            "SWC-113",
            "function r() public { for (uint i = 0; i < a.length; i++) { require(a[i].send(1)); } }",
            "function r() public { uint n = owed[msg.sender]; owed[msg.sender] = 0; require(msg.sender.send(n)); }",
        ),
        (
            "SWC-114",
            "function approve(address s, uint v) public returns (bool) { allowed[msg.sender][s] = v; return true; }",
            "function approve(address s, uint v) public returns (bool) {"
            " require(v == 0 || allowed[msg.sender][s] == 0); allowed[msg.sender][s] = v; return true; }",
        ),
    ],
)
def test_signal_positive_and_negative(swc, vulnerable, safe):
    assert swc in sig(vulnerable)
    assert swc not in sig(safe)


def test_reentrancy_lock_is_judged_by_structure_not_name():
    src = "contract C { IVault vault; uint n;\n function f() public { vault.pay(); n = 1; }\n}"
    assert "SWC-107" in sig(src)
    lock = "modifier guarded() { require(!busy); busy = true; _; busy = false; }"
    locked = f"contract C {{ IVault vault; uint n; bool busy;\n {lock}\n function f() public guarded {{ vault.pay(); n = 1; }}\n}}"
    assert "SWC-107" not in sig(locked)
    oz = "modifier nonReentrant() { _nonReentrantBefore(); _; _nonReentrantAfter(); }"
    assert "SWC-107" not in sig(locked.replace(lock, oz).replace("guarded {", "nonReentrant {"))
    # names that contain "lock" but do nothing a lock does
    for name in ("whenUnlocked", "notBlocked", "clocked"):
        not_lock = f"modifier {name}() {{ require(open); _; }}"
        src = f"contract C {{ IVault vault; uint n; bool open;\n {not_lock}\n function f() public {name} {{ vault.pay(); n = 1; }}\n}}"
        assert "SWC-107" in sig(src), name


def test_arithmetic_version_loop_counter_safemath_and_unchecked():
    assert "SWC-101" not in sig(
        "pragma solidity ^0.8.0; contract C { uint t; function f(uint a) public { t += a; } }"
    )
    assert "SWC-101" in sig(
        "pragma solidity ^0.8.0; contract C { uint t; function f(uint a) public { unchecked { t += a; } } }"
    )
    assert "SWC-101" not in sig("function f(uint n) public { for (uint i = 0; i < n; i++) { x[i] = true; } }")
    assert "SWC-101" not in sig("function f(uint a) public { t = t.add(a); }")
    assert "SWC-101" in sig("pragma solidity ^0.4.24; contract C { uint t; function f() public { t++; } }")


def test_front_running_by_what_the_code_does_not_names():
    allowance = "contract C { mapping(address => mapping(address => uint)) grants;\n"
    assert "SWC-114" in sig(allowance + "function setAllowance(address s, uint v) public { grants[msg.sender][s] = v; }\n}")
    assert "SWC-114" not in sig(allowance + "function raise(address s, uint v) public { grants[msg.sender][s] += v; }\n}")
    assert "SWC-114" in sig("contract C { uint cost;\n function buy() public payable { require(msg.value >= cost); } }")
    assert "SWC-114" not in sig("contract C { uint cost;\n function buy() public { require(cost > 0); } }")
    assert "SWC-114" not in sig("function buy() public payable { require(msg.value == 1 ether); }")
    assert "SWC-114" in sig(
        "function solve(string s) public { require(hash == keccak256(s)); msg.sender.transfer(1 ether); }"
    )
    assert "SWC-114" in sig("function take() public { require(!done); done = true; msg.sender.transfer(1 ether); }")
    assert "SWC-114" not in sig("function setPrice(uint p) public onlyOwner { price = p; }")


def test_comments_and_strings_do_not_count():
    assert strip_comments('a = "x-y"; // b.call()\n/* assert(1) */c;') == 'a = ""; \nc;'
    assert sig('function f() public { require(ok, "a-b assert(x)"); // assert(y)\n}') == frozenset()


def test_pragma_versions():
    assert admits_wrapping_arithmetic("pragma solidity ^0.4.24;")
    assert admits_wrapping_arithmetic("")
    assert admits_wrapping_arithmetic("pragma solidity >=0.6.0 <0.9.0;")
    assert not admits_wrapping_arithmetic("pragma solidity ^0.8.0;")


def test_is_candidate():
    assert is_candidate(extract_chunks("function f() public { owner.transfer(1); }")[0])
    assert is_candidate(extract_chunks("function f() public { for (uint i; i < 3; i++) { g(i); } }")[0])
    assert not is_candidate(extract_chunks("function f() public view returns (uint) { return 1; }")[0])
