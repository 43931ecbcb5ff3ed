from dataset.normalise import exact_key, near_key, near_tokens


def test_exact_key_collapses_whitespace_only():
    assert exact_key("a  =\n\t b;") == "a = b;"
    assert exact_key("a = b;") != exact_key("a = c;")


def test_near_key_ignores_names_comments_strings_and_layout():
    a = 'function withdraw(uint amount) public { // pay\n require(bal[msg.sender] >= amount, "low"); }'
    b = "function take(uint v) public {\n    require(credit[msg.sender] >= v, 'too little');\n}"
    assert near_key(a) == near_key(b)


def test_near_key_keeps_keywords_builtins_and_structure():
    assert near_key("function f() public { x.transfer(1); }") != near_key(
        "function f() public { x.send(1); }"
    )
    assert near_key("function f() public { assert(a); }") != near_key("function f() public { require(a); }")
    assert near_tokens("function f(uint a) { b = a; }")[:4] == ["function", "v0", "(", "uint"]
