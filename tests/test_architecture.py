"""Each concept has one home, and the module-level import graph has no cycles (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("swclint", "dataset", "trainer", "bench")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path, known: set[str], *, top_level_only: bool) -> set[str]:
    """Project modules that `module` imports (module-level statements only, when asked)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            submodules = {f"{target}.{a.name}" for a in node.names} & known
            # `from pkg import submodule` needs the submodule; the package is mid-import already
            found |= submodules or {target}
    # A module's own ancestor packages are being imported when it runs: not a dependency.
    return {m for m in found if m in known and not module.startswith(m + ".")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_module_level_imports_have_no_cycle() -> None:
    modules = _modules()
    graph = {m: _imports(m, p, set(modules), top_level_only=True) - {m} for m, p in modules.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_lazy_import_hides_a_cycle() -> None:
    """Imports inside functions too: none of them closes a cycle, so none is there to dodge one."""
    modules = _modules()
    graph = {m: _imports(m, p, set(modules), top_level_only=False) - {m} for m, p in modules.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_core_types_live_in_neutral_modules() -> None:
    modules = _modules()
    chunk_deps = _imports("swclint.chunk", modules["swclint.chunk"], set(modules), top_level_only=False)
    assert chunk_deps == set(), "swclint.chunk must not import project code"
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _resolve(module, path, node) == "swclint.llm.prompt":
                assert "Chunk" not in {a.name for a in node.names}, f"{module}: import Chunk from swclint.chunk"


@pytest.mark.parametrize("module", ["swclint.llm.stage"])
def test_no_function_level_imports_of_analyze(module: str) -> None:
    """The model stage imports the analysis modules at the top, not lazily inside functions."""
    modules = _modules()
    everywhere = _imports(module, modules[module], set(modules), top_level_only=False)
    top = _imports(module, modules[module], set(modules), top_level_only=True)
    lazy = {m for m in everywhere - top if m.startswith(("swclint.analyze", "swclint.chunk", "swclint.rules"))}
    assert not lazy, sorted(lazy)


def test_version_questions_have_one_home() -> None:
    """Only solc/versions.py compares against 0.8 by parsing versions; the rest asks it."""
    for module, path in _modules().items():
        if module == "swclint.solc.versions":
            continue
        text = path.read_text(encoding="utf-8")
        assert "def is_pre_08(pragma" not in text, module
        assert "(0, 8)" not in text, f"{module}: ask swclint.solc.versions instead of comparing tuples"


def test_code_points_to_the_architecture_page() -> None:
    """References go to docs/ARCHITECTURE.md, which exists; none to a DESIGN.md the repo lacks."""
    assert (REPO / "docs" / "ARCHITECTURE.md").is_file()
    citing = [m for m, p in _modules().items() if "DESIGN.md" in p.read_text(encoding="utf-8")]
    assert not citing
    for module, page_part in (("swclint.pipeline", "docs/ARCHITECTURE.md"), ("swclint.report.sarif", "docs/ARCHITECTURE.md")):
        assert page_part in _modules()[module].read_text(encoding="utf-8"), module
