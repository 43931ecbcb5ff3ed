"""Small contracts of `swclint.detectors.ir` that need no compiler."""

from __future__ import annotations

from types import SimpleNamespace


def test_reads_of_flattens_inline_arrays_so_every_read_can_go_in_a_set() -> None:
    from swclint.detectors.ir import reads_of

    a, b, c = object(), object(), object()
    reads = reads_of(SimpleNamespace(read=[[a, [b, None]], None, (c,)]))
    assert reads == [a, b, c]
    assert set(reads) == {a, b, c}
