from swclint.analyze.chunks import extract_chunks, format_one_line
from swclint.llm.prompt import render_chunk

OLD = """pragma solidity ^0.4.24;

interface IToken {
    function transfer(address to, uint v) external returns (bool);
}

contract Base {
    address owner;
    uint unused;
    modifier onlyOwner() { require(msg.sender == owner); _; }
}

contract Wallet is Base {
    mapping(address => uint) balances;
    IToken token;

    function Wallet() public { owner = msg.sender; }

    function() payable public { balances[msg.sender] += msg.value; }

    function sweep(uint v) public onlyOwner {
        token.transfer(owner, v);
    }

    function abstractOne() public;
}
"""


def test_04_constructor_fallback_modifier_and_order():
    chunks = extract_chunks(OLD, "w.sol")
    assert [(c.contract, c.function, c.kind) for c in chunks] == [
        ("Base", "onlyOwner", "modifier"),
        ("Wallet", "constructor", "constructor"),
        ("Wallet", "fallback", "fallback"),
        ("Wallet", "sweep", "function"),
    ]
    assert all(c.pragma == "pragma solidity ^0.4.24;" and c.path == "w.sol" for c in chunks)


def test_state_vars_touched_and_modifiers_resolved_through_bases():
    sweep = extract_chunks(OLD)[3]
    assert sweep.state_vars == ("address owner;", "IToken token;")
    assert sweep.modifiers == ("modifier onlyOwner() { require(msg.sender == owner); _; }",)
    fallback = extract_chunks(OLD)[2]
    assert fallback.state_vars == ("mapping(address => uint) balances;",)  # not `value` from msg.value


def test_line_and_column_numbers():
    sweep = extract_chunks(OLD)[3]
    assert (sweep.start_line, sweep.end_line) == (21, 23)
    assert (sweep.start_col, sweep.end_col) == (5, 6)
    assert OLD.splitlines()[20][sweep.start_col - 1 :].startswith("function sweep")


def test_modern_special_functions_and_free_functions():
    src = """pragma solidity ^0.8.0;
function helper(uint a) pure returns (uint) { return a + 1; }
abstract contract A { function todo() public virtual; }
contract B {
    constructor() {}
    receive() external payable {}
    fallback() external {}
}
"""
    got = [(c.contract, c.function, c.kind, c.start_line) for c in extract_chunks(src)]
    assert got == [
        ("", "helper", "function", 2),
        ("B", "constructor", "constructor", 5),
        ("B", "receive", "receive", 6),
        ("B", "fallback", "fallback", 7),
    ]


def test_syntax_error_recovery_keeps_the_good_functions():
    src = "contract C {\n  function bad() public { x = ; }\n  function good() public { y = 1; }\n}\n"
    names = [c.function for c in extract_chunks(src)]
    assert "good" in names


def test_bare_snippet_with_state_and_two_functions():
    src = (
        "mapping(address => uint) bal;\nfunction a() public { bal[msg.sender] = 1; }\nfunction b() public {}"
    )
    chunks = extract_chunks(src)
    assert [(c.contract, c.function, c.start_line) for c in chunks] == [("", "a", 2), ("", "b", 3)]
    assert chunks[0].state_vars == ("mapping(address => uint) bal;",)
    assert render_chunk(chunks[0]).startswith("contract Snippet {")


def test_format_one_line_reindents_and_keeps_inline_braces():
    flat = (
        'function f() public { for (uint i = 0; i < n; i++) { (bool ok, ) = a.call{value: 1}("x;y"); }'
        " if (x) { g(); } else { h(); } }"
    )
    assert format_one_line(flat) == "\n".join(
        [
            "function f() public {",
            "    for (uint i = 0; i < n; i++) {",
            '        (bool ok, ) = a.call{value: 1}("x;y");',
            "    }",
            "    if (x) {",
            "        g();",
            "    } else {",
            "        h();",
            "    }",
            "}",
        ]
    )
    multi = "function f() {\n  x = 1; y = 2;\n}"
    assert format_one_line(multi) == multi
