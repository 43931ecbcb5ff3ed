"""Workarounds for Slither bugs that cost a whole function's IR, installed once per process.

Each names the Slither release it was seen in. `enabled()` is asked at every use, so the benchmark's
plain-Slither baseline (`slither_run.plain_slither`) keeps Slither's behaviour, bugs included.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_installed = False


def install(enabled: Callable[[], bool]) -> None:
    global _installed
    if _installed:
        return
    from slither.slithir.variables.reference import ReferenceVariable

    original = ReferenceVariable.set_type

    @functools.wraps(original)
    def set_type(self, t) -> None:
        # Slither 0.11.6 gives `this.balance` (or `f().balance`) the return-type *list* of the builtin
        # balance(address), so a library call on it (`this.balance.div(100)` under `using SafeMath for
        # uint256`, common in 0.4 code) resolves to no function and the whole function loses its IR.
        # A reference holds one value, so a one-element list is that element's type.
        if isinstance(t, list) and len(t) == 1 and enabled():
            t = t[0]
        original(self, t)

    ReferenceVariable.set_type = set_type
    _installed = True
