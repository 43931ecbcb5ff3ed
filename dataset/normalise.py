"""Keys for duplicate detection: exact (whitespace-collapsed) and near (canonical identifiers)."""

from __future__ import annotations

import hashlib
import re

from swclint.analyze.patterns import strip_comments

# Words that carry meaning and survive renaming: keywords, types, builtins and common members.
_KEEP_WORDS = """
    pragma solidity contract interface library abstract is using for import function modifier
    constructor fallback receive event emit struct enum mapping returns return if else while do
    break continue throw try catch new delete public private internal external pure view payable
    constant immutable override virtual memory storage calldata indexed anonymous unchecked assembly
    true false wei gwei finney szabo ether seconds minutes hours days weeks years var
    address bool string bytes byte uint int fixed ufixed
    msg sender value data sig gas block timestamp number coinbase difficulty gaslimit basefee
    prevrandao chainid tx origin gasprice now this super selfdestruct suicide
    require assert revert keccak256 sha3 sha256 ripemd160 ecrecover addmod mulmod blockhash gasleft
    abi encode encodePacked encodeWithSelector encodeWithSignature decode type
    balance transfer send call delegatecall staticcall callcode code codehash length push pop
    add sub mul div mod approve allowance transferFrom totalSupply balanceOf _
"""
_KEEP = set(_KEEP_WORDS.split())
_TYPE_WORD = re.compile(r"^(u?int\d+|bytes\d+|u?fixed\d+x\d+)$")
_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|0x[0-9a-fA-F]+|\d[\d_]*(?:\.\d+)?(?:e\d+)?|\S")


def exact_key(text: str) -> str:
    """The text with all whitespace runs collapsed to one space."""
    return " ".join(text.split())


def near_tokens(code: str) -> list[str]:
    """Tokens of `code` without comments, string contents emptied, identifiers renamed v0, v1, ...

    Renaming is by first occurrence, so two functions that differ only in names, comments,
    string messages or layout get the same tokens.
    """
    names: dict[str, str] = {}
    out: list[str] = []
    for tok in _TOKEN.findall(strip_comments(code)):
        if (tok[0].isalpha() or tok[0] in "_$") and tok not in _KEEP and not _TYPE_WORD.match(tok):
            tok = names.setdefault(tok, f"v{len(names)}")
        elif tok == "'":  # single- and double-quoted strings are the same literal
            tok = '"'
        out.append(tok)
    return out


def near_key(code: str) -> str:
    """A short hash of `near_tokens(code)`: equal for near-duplicates."""
    return hashlib.sha256(" ".join(near_tokens(code)).encode()).hexdigest()[:20]
