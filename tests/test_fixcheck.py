"""Verified fixes: mechanical rewrites or a fake model write the replacement, real solc and Slither
check it. Tests about the model's replacements switch the rewrites off (they would fix Vault first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swclint import fixcheck
from swclint.analyze.chunks import extract_chunks
from swclint.config import Options
from swclint.findings import Finding, Location, Suppression
from swclint.llm import stage
from swclint.llm.prompt import LABELS
from swclint.pipeline import run

VAULT = """pragma solidity ^0.4.24;

contract Vault {
    mapping(address => uint256) public balances;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() public {
        uint256 amount = balances[msg.sender];
        require(amount > 0);
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }
}
"""

ORIGINAL = """function withdraw() public {
        uint256 amount = balances[msg.sender];
        require(amount > 0);
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }"""

# checks-effects-interactions: the balance is cleared before the call
GOOD = """function withdraw() public {
        uint256 amount = balances[msg.sender];
        require(amount > 0);
        balances[msg.sender] = 0;
        require(msg.sender.call.value(amount)());
    }"""

BROKEN = """function withdraw() public {
        balances[msg.sender] = 0
        require(msg.sender.call.value(amount)());
    }"""

STILL_REENTRANT = """function withdraw() public {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "empty");
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }"""

RENAMED = GOOD.replace("function withdraw()", "function withdrawAll()")


def probs(label: str, p: float) -> dict[str, float]:
    rest = (1 - p) / (len(LABELS) - 1)
    return {lab: (p if lab == label else rest) for lab in LABELS}


class FakeBackend:
    """Classifies `withdraw` as SWC-107 until its call comes last; writes a fixed replacement."""

    identity = "fake:fix-model:1"

    def __init__(self, fix: str, model_still_flags: bool = False) -> None:
        self.fix = fix
        self.model_still_flags = model_still_flags
        self.fixes = 0

    def classify(self, prompts: list[str]) -> list[dict[str, float]]:
        out = []
        for p in prompts:
            body = p.split("function withdraw", 1)[-1]
            call, clear = body.find("call.value"), body.find("balances[msg.sender] = 0")
            vulnerable = "function withdraw" in p and (self.model_still_flags or clear > -1 and call < clear)
            out.append(probs("SWC-107", 0.95) if vulnerable else probs("none", 0.9))
        return out

    def generate_fix(self, prompt: str) -> str:
        self.fixes += 1
        return self.fix


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(Path.home()))  # solc stays where `make setup` put it


@pytest.fixture(autouse=True)
def model_only(request, monkeypatch):
    if "rewrite" not in request.node.name:
        monkeypatch.setattr(fixcheck, "rewrite", lambda *args, **kwargs: None)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "Vault.sol").write_text(VAULT)
    return root


def scan(root: Path, backend: FakeBackend, **opts) -> tuple:
    options = Options(llm_scope="all", llm_fix=True, fail_on="low", jobs=1, **opts)
    stage_fn = stage._stage(lambda: backend)
    result = run([str(root)], options, root=root, llm_stage=stage_fn)
    (finding,) = [f for f in result.findings if f.swc_id == "SWC-107" and f.function == "withdraw"]
    return result, finding


def test_a_fix_that_removes_the_weakness_is_shown_with_the_function_region(project):
    result, f = scan(project, FakeBackend(GOOD))
    assert f.fix == GOOD and f.fix_location == Location("Vault.sol", 10, 15, 5, 6)
    assert any(n.startswith("fixes: 1 of 1") for n in result.notes)


def _sarif(result) -> dict:
    import io

    from swclint.report import write

    buf = io.StringIO()
    write(result, "sarif", buf)
    return json.loads(buf.getvalue())


def test_sarif_fixes_hold_the_verified_replacement_over_the_whole_function(project):
    result, _ = scan(project, FakeBackend(GOOD))
    results = [r for r in _sarif(result)["runs"][0]["results"] if r["ruleId"] == "SWC-107"]
    (fix,) = [r["fixes"] for r in results if "fixes" in r][0]
    (rep,) = fix["artifactChanges"][0]["replacements"]
    assert rep["insertedContent"]["text"] == GOOD
    assert rep["deletedRegion"] == {"startLine": 10, "startColumn": 5, "endLine": 15, "endColumn": 6}
    # applying the replacement reproduces exactly the patched file we verified
    lines = VAULT.splitlines(keepends=True)
    start = sum(map(len, lines[:9])) + 4
    end = sum(map(len, lines[:14])) + 5
    assert VAULT[start:end] == ORIGINAL


@pytest.mark.parametrize(("replacement", "reason"), [
    (ORIGINAL, "the replacement is the original function"),
    (ORIGINAL.replace("require(amount > 0);", "require(amount > 0); // safe now"),
     "the replacement is the original function"),
    ("", "no replacement was generated"),
    (BROKEN, "does not compile with solc 0.4.26"),
    (STILL_REENTRANT, "static analysis still reports SWC-107 in withdraw"),
    (RENAMED, "the replacement does not define withdraw"),
])
def test_unverified_fixes_are_never_shown(project, replacement, reason, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="swclint.fixcheck")
    result, f = scan(project, FakeBackend(replacement))
    assert f.fix is None and f.fix_location is None
    assert f.remediation  # the rule's remediation text is what the user gets instead
    assert reason in caplog.text
    assert any(n.startswith("fixes: 0 of 1") for n in result.notes)
    assert all("fixes" not in r for r in _sarif(result)["runs"][0]["results"])


def test_a_fix_the_model_still_flags_is_not_verified(project, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="swclint.fixcheck")
    _, f = scan(project, FakeBackend(GOOD, model_still_flags=True))
    assert f.fix is None and "the model still classifies withdraw as SWC-107" in caplog.text


def test_the_scanned_tree_is_never_written(project):
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    scan(project, FakeBackend(GOOD))
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_imports_resolve_in_the_scratch_copy(tmp_path):
    root = tmp_path / "proj"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "Base.sol").write_text("pragma solidity ^0.4.24;\ncontract Base {\n"
                                           "    mapping(address => uint256) public balances;\n}\n")
    (root / "Vault.sol").write_text(VAULT.replace("contract Vault {\n    mapping(address => uint256) public balances;\n",
                                                  'import "./lib/Base.sol";\n\ncontract Vault is Base {\n\n'))
    result, f = scan(root, FakeBackend(GOOD))
    assert f.fix == GOOD, result.notes


def test_fixes_are_generated_only_on_request_and_at_or_above_fail_on(project):
    backend = FakeBackend(GOOD)
    result = run([str(project)], Options(llm_scope="all", jobs=1), root=project, llm_stage=stage._stage(lambda: backend))
    assert backend.fixes == 0 and all(f.fix is None for f in result.findings)
    assert not any(n.startswith("fixes:") for n in result.notes)
    f = Finding("SWC-107", "Reentrancy", "medium", 0.9, Location("a.sol", 1, 2), "m", function="w")
    assert fixcheck.wants_fix(f, Options(llm_fix=True, fail_on="medium"))
    assert not fixcheck.wants_fix(f, Options(llm_fix=True, fail_on="high"))
    assert fixcheck.wants_fix(f, Options(llm_fix=True, fail_on="none"))
    assert not fixcheck.wants_fix(f, Options(llm_fix=False, fail_on="none"))
    hidden = Finding("SWC-107", "Reentrancy", "high", 0.9, Location("a.sol", 1, 2), "m", function="w",
                     suppression=Suppression("inSource"))
    assert not fixcheck.wants_fix(hidden, Options(llm_fix=True))
    unknown_class = Finding("SWC-104", "Unchecked call", "high", 0.9, Location("a.sol", 1, 2), "m", function="w")
    assert not fixcheck.wants_fix(unknown_class, Options(llm_fix=True))


def test_splice_refuses_a_region_that_moved():
    (chunk,) = [c for c in extract_chunks(VAULT, "Vault.sol") if c.function == "withdraw"]
    assert fixcheck.splice(VAULT, chunk, GOOD).count("function withdraw") == 1
    with pytest.raises(ValueError):
        fixcheck.splice("\n" + VAULT, chunk, GOOD)


def test_a_verified_rewrite_comes_before_the_model_and_says_so(project):
    backend = FakeBackend(BROKEN)
    result, f = scan(project, backend)
    assert f.fix == GOOD  # checks-effects-interactions: the balance is cleared before the call
    assert backend.fixes == 0  # the model was not asked to write what a rewrite already fixed
    assert any(n.startswith("fixes: 1 of 1 verified (1 mechanical rewrites, 0 by the model")
               for n in result.notes)


def test_the_model_writes_the_fix_when_the_rewrite_does_not_verify(project, monkeypatch):
    monkeypatch.setattr(fixcheck, "rewrite", lambda chunk, *args: STILL_REENTRANT)
    backend = FakeBackend(GOOD)
    result, f = scan(project, backend)
    assert f.fix == GOOD and backend.fixes == 1
    assert any("0 mechanical rewrites, 1 by the model" in n for n in result.notes)
