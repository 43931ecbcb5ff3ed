"""bench.incremental: which file it edits, its table (unit), and a real run on a tiny corpus (e2e)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.incremental import Row, format_table, import_graph, pick_files, reworded
from bench.scale import ScaleError

REPO = Path(__file__).resolve().parent.parent
PRAGMA = "pragma solidity 0.8.26;\n"


def _corpus(root: Path) -> Path:
    """Base <- Token <- App (a leaf with the largest closure), Other (a leaf alone), Broken."""
    root.mkdir()
    (root / "Base.sol").write_text(PRAGMA + "contract Base { uint256 internal x; }\n")
    (root / "Token.sol").write_text(PRAGMA + 'import "./Base.sol";\ncontract Token is Base {}\n')
    (root / "App.sol").write_text(PRAGMA + 'import "./Token.sol";\ncontract App is Token {\n'
                                  "    function f() external { x = 1; }\n}\n")
    (root / "Other.sol").write_text(PRAGMA + "contract Other { function g() external pure {} }\n")
    (root / "Broken.sol").write_text(PRAGMA + 'import "./Base.sol";\nimport "./Token.sol";\ncontract B {\n')
    return root


def test_import_graph_and_picked_files(tmp_path):
    graph = import_graph(_corpus(tmp_path / "c"))
    assert graph["App.sol"] == {"App.sol", "Token.sol", "Base.sol"}
    assert graph["Other.sol"] == {"Other.sol"}
    leaf, base, invalidated = pick_files(graph, broken=set())
    # Broken.sol imports as much as App.sol and wins the tie by name unless it is known not to compile.
    assert (leaf, base) == ("Broken.sol", "Base.sol")
    leaf, base, invalidated = pick_files(graph, broken={"Broken.sol"})
    assert (leaf, base) == ("App.sol", "Base.sol")
    assert invalidated == {"App.sol": 1, "Base.sol": 4}  # Base, Token, App and Broken import Base
    with pytest.raises(ScaleError, match="nothing to edit"):
        pick_files(graph, broken=set(graph))


def test_reworded_counts_findings_without_an_identical_twin():
    a = [{"swc_id": "SWC-103", "message": "4 versions"}, {"swc_id": "SWC-107", "message": "x"}]
    b = [{"swc_id": "SWC-103", "message": "7 versions"}, {"swc_id": "SWC-107", "message": "x"}]
    assert reworded(a, b) == 1 and reworded(a, a) == 0


def test_table_states_ratios_targets_and_identity():
    rows = [Row("c", 5, "cold", [10.0, 12.0]), Row("c", 5, "warm", [1.0, 1.0]),
            Row("c", 5, "leaf changed", [5.0, 5.0], "App.sol", 1, same_places=False, identical=False),
            Row("c", 5, "leaf changed", [5.0, 5.0], "App.sol", 1, identical=False),
            Row("c", 5, "base changed", [9.0, 9.0], "Base.sol", 4)]
    table = format_table(rows).splitlines()
    assert table[2] == "| c | 5 | cold | - | 11.00 | 10.00, 12.00 | 1.00 | - | - | yes | yes |"
    assert "| warm | - | 1.00 | 1.00, 1.00 | 0.09 | <= 0.2 | yes | yes | yes |" in table[3]
    assert "| leaf changed | App.sol (1) | 5.00 | 5.00, 5.00 | 0.45 | <= 0.4 | no | NO | no |" in table[4]
    assert table[5].endswith("| yes | no |")  # same claims, other wording
    assert "| base changed | Base.sol (4) | 9.00 |" in table[6] and table[6].endswith("| - | - | yes | yes |")


@pytest.mark.e2e
def test_incremental_bench_on_a_tiny_corpus(tmp_path):
    corpus = _corpus(tmp_path / "c")
    (corpus / "Broken.sol").unlink()
    proc = subprocess.run([sys.executable, "-m", "bench.incremental", "--corpus", str(corpus), "--jobs", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith(f"| {corpus} |")]
    assert [r.split(" | ")[2] for r in rows] == ["cold", "warm", "leaf changed", "base changed"]
    assert all(r.endswith("| yes | yes |") for r in rows), proc.stdout  # the cache never changed a finding
    assert "App.sol (1)" in rows[2] and "Base.sol (3)" in rows[3]
    assert "Command: `python -m bench.incremental --corpus" in proc.stdout
