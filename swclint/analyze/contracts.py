"""Contract line ranges and inheritance of one Solidity file, from tree-sitter-solidity.

Contract-level labels (the CGT benchmark in bench/cgt.py, its training import in dataset/cgt.py)
need to know which contract a finding lies in and which contracts a labelled contract inherits
from. A light parser gives both without compiling, so the answer is the same for every tool and
for files that do not compile.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import tree_sitter
import tree_sitter_solidity

_KINDS = {"contract_declaration", "library_declaration", "interface_declaration"}


@dataclass(frozen=True)
class ContractSpan:
    name: str
    start: int  # 1-based, inclusive
    end: int
    bases: tuple[str, ...]  # direct bases as written (`A`, `Ownable(1)` -> `Ownable`)


@functools.cache
def _parser() -> tree_sitter.Parser:
    with warnings.catch_warnings():  # older grammar wheels hand over an int pointer (deprecated)
        warnings.simplefilter("ignore", DeprecationWarning)
        return tree_sitter.Parser(tree_sitter.Language(tree_sitter_solidity.language()))


def contract_spans(text: str) -> list[ContractSpan]:
    """Every contract, library and interface declared at the top level of `text`."""
    root = _parser().parse(text.encode("utf-8")).root_node
    spans = []
    for node in root.children:
        if node.type not in _KINDS:
            continue
        name = next((c for c in node.children if c.type == "identifier"), None)
        if name is None or name.text is None:
            continue
        bases = (_base_name(c) for c in node.children if c.type == "inheritance_specifier")
        spans.append(ContractSpan(name.text.decode(), node.start_point[0] + 1, node.end_point[0] + 1,
                                  tuple(b for b in bases if b)))
    return spans


def _base_name(spec: tree_sitter.Node) -> str:
    """Name of the inherited contract: the text before any `(`, last component of `a.B`."""
    text = (spec.text or b"").decode()
    return text.split("(", 1)[0].strip().rsplit(".", 1)[-1].strip()


def lineage(spans: list[ContractSpan], name: str) -> set[str]:
    """`name` and every contract it inherits from, transitively, as far as this file declares them."""
    by_name = {s.name: s for s in spans}
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in by_name:
            todo.extend(by_name[current].bases)
    return seen


def contract_at(spans: list[ContractSpan], line: int) -> str | None:
    """The contract whose declaration contains `line`, or None (pragma, imports, free functions)."""
    inside = [s for s in spans if s.start <= line <= s.end]
    return min(inside, key=lambda s: s.end - s.start).name if inside else None
