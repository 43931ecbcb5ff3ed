"""Static result cache: unchanged files are neither compiled nor analysed; bad entries never trusted.

The unit tests build entries by hand; the end-to-end tests run the real pipeline (real solc-js,
real Slither) with a spy on `analyse_group` that records which files reach the compiler.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cli_helpers import run_cli

from swclint import pipeline
from swclint.config import Options
from swclint.findings import Evidence, FileError, Finding, Location
from swclint.paths import cache_root
from swclint.result_cache import FileResult, StaticCache, _payload, decode, file_key, split_batch

VERSION = "0.8.26"  # installed by `make setup`

BASE = f"""pragma solidity {VERSION};
contract Owned {{
    address internal owner = msg.sender;
}}
"""
WALLET = f"""pragma solidity {VERSION};
import "./Owned.sol";
contract Wallet is Owned {{
    function pay(address payable to, uint256 amount) external {{
        require(tx.origin == owner, "owner");
        to.transfer(amount);
    }}
}}
"""
VAULT = f"""pragma solidity {VERSION};
contract Vault {{
    mapping(address => uint256) public balances;
    function withdraw() external {{
        (bool ok, ) = msg.sender.call{{value: balances[msg.sender]}}("");
        require(ok);
        balances[msg.sender] = 0;
    }}
}}
"""


def _finding(path: str = "a.sol", line: int = 3) -> Finding:
    return Finding("SWC-115", "Authorization through tx.origin", "medium", 0.9, Location(path, line, line, 9, 30),
                   "uses tx.origin", "use msg.sender", "Wallet", "pay",
                   [Evidence("slither:tx-origin", 0.9, "Wallet.pay uses tx.origin")])


# --- unit: entries ---------------------------------------------------------------------------------


def test_entry_round_trip(tmp_path):
    store = StaticCache(tmp_path)
    result = FileResult([_finding()], [FileError("a.sol", "analyze", "detector x failed")], VERSION)
    store.put("ab" * 32, result)
    assert store.get("ab" * 32, "a.sol") == result
    assert store.get("cd" * 32, "a.sol") is None  # never written


@pytest.mark.parametrize("damage", ["garbage", "truncated", "schema", "checksum", "types", "other-path",
                                    "suppressed", "empty"])
def test_corrupt_entries_are_misses(tmp_path, damage):
    key = "ab" * 32
    doc = _payload(key, FileResult([_finding()], [], VERSION))
    raw = json.dumps(doc).encode()
    if damage == "garbage":
        raw = b"\x00\xff not json"
    elif damage == "truncated":
        raw = raw[: len(raw) // 2]
    elif damage == "schema":
        raw = json.dumps({**doc, "schema": 999}).encode()
    elif damage == "checksum":  # a finding edited after it was written
        doc["findings"][0]["severity"] = "info"
        raw = json.dumps(doc).encode()
    elif damage == "types":  # re-signed, so only the type checks can catch it
        doc["findings"][0]["location"]["start_line"] = "3"
        raw = json.dumps(_resign(doc, key)).encode()
    elif damage == "other-path":
        doc["findings"][0]["location"]["path"] = "elsewhere.sol"
        raw = json.dumps(_resign(doc, key)).encode()
    elif damage == "suppressed":
        doc["findings"][0]["suppression"] = {"kind": "inSource", "justification": ""}
        raw = json.dumps(_resign(doc, key)).encode()
    elif damage == "empty":
        raw = b""
    path = tmp_path / key[:2] / f"{key}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    assert StaticCache(tmp_path).get(key, "a.sol") is None


def _resign(doc: dict, key: str) -> dict:
    from swclint.result_cache import _digest

    body = {"findings": doc["findings"], "errors": doc["errors"], "version": doc["version"]}
    return {**doc, "checksum": _digest(key, json.dumps(body, sort_keys=True))}


def test_foreign_entry_is_a_miss(tmp_path):
    """An entry copied under another key (another file, another version) answers nothing."""
    store = StaticCache(tmp_path)
    store.put("ab" * 32, FileResult([_finding()], [], VERSION))
    (tmp_path / "cd").mkdir()
    (tmp_path / "ab" / f"{'ab' * 32}.json").rename(tmp_path / "cd" / f"{'cd' * 32}.json")
    assert store.get("cd" * 32, "a.sol") is None
    with pytest.raises(ValueError, match="another key"):
        decode((tmp_path / "cd" / f"{'cd' * 32}.json").read_bytes(), "cd" * 32, "a.sol")


def test_prune_removes_entries_unused_for_a_month(tmp_path):
    store = StaticCache(tmp_path)
    for key in ("ab" * 32, "cd" * 32):
        store.put(key, FileResult([], [], VERSION))
    now = time.time()
    old = tmp_path / "ab" / f"{'ab' * 32}.json"
    os.utime(old, (now - 40 * 86400, now - 40 * 86400))
    os.utime(tmp_path / "cd" / f"{'cd' * 32}.json", (now - 86400, now - 86400))
    assert store.prune(now=now) == 1
    assert not old.exists() and store.get("cd" * 32, "a.sol") is not None
    store.put("ab" * 32, FileResult([], [], VERSION))
    os.utime(old, (now - 40 * 86400, now - 40 * 86400))
    assert store.prune(now=now + 3600) == 0  # one sweep a day
    assert store.prune(now=now + 2 * 86400) == 1


def test_key_depends_on_imports_version_and_context():
    closure = [("a.sol", "contract A {}"), ("lib.sol", "contract L {}")]
    base = file_key("ctx", "a.sol", VERSION, closure)
    assert base == file_key("ctx", "a.sol", VERSION, list(reversed(closure)))  # order-free
    assert base != file_key("ctx", "a.sol", VERSION, [closure[0], ("lib.sol", "contract L { }")])
    assert base != file_key("ctx", "a.sol", "0.8.25", closure)
    assert base != file_key("ctx2", "a.sol", VERSION, closure)
    assert base != file_key("ctx", "b.sol", VERSION, closure)
    assert base != file_key("ctx", "a.sol", VERSION, [*closure, ("new.sol", None)])


def test_split_batch_keeps_only_replayable_results():
    closures = {"a.sol": {"a.sol", "lib/x.sol"}, "b.sol": {"b.sol"}, "c.sol": {"c.sol"}}
    findings = [_finding("a.sol"), _finding("b.sol", 7), _finding("lib/x.sol", 2)]
    errors = [FileError("lib/x.sol", "compile", "warning-free error", 3),
              FileError("c.sol", "limit", "stopped after 1-second limit")]
    out = split_batch(["a.sol", "b.sol", "c.sol"], findings, errors, ["a.sol", "b.sol", "c.sol"],
                      {"a.sol": VERSION}, closures, {"a.sol", "b.sol", "c.sol"})
    assert set(out) == {"a.sol", "b.sol"}  # c.sol hit the time limit: not a property of its source
    assert [f.location.path for f in out["a.sol"].findings] == ["a.sol"]
    assert out["a.sol"].errors == [errors[0]]  # an import's error replays with its importer
    assert out["a.sol"].version == VERSION
    unattributed = [FileError("3 files compiled with solc 0.8.26", "analyze", "detector x failed")]
    assert split_batch(["a.sol", "b.sol"], findings, unattributed, ["a.sol", "b.sol"], {}, closures,
                       {"a.sol", "b.sol"}) == {}
    assert "b.sol" not in split_batch(["a.sol", "b.sol"], findings, [], ["a.sol"], {}, closures, set())


# --- end to end: the real pipeline -----------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Three files (Wallet imports Owned) and a private cache dir that shares the installed compilers."""
    real_solc = cache_root() / "solc"
    if not (real_solc / "node_modules").is_dir():
        pytest.skip("solc-js cache not installed (make setup)")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "solc").symlink_to(real_solc)
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(cache))
    src = tmp_path / "proj"
    src.mkdir()
    (src / "Owned.sol").write_text(BASE)
    (src / "Wallet.sol").write_text(WALLET)
    (src / "Vault.sol").write_text(VAULT)
    return src


@pytest.fixture
def spy(monkeypatch):
    """Rel paths of every file handed to analyse_group (i.e. compiled and analysed), per run."""
    seen: list[str] = []
    original = pipeline.analyse_group

    def recording(version, files, *args, **kwargs):
        seen.extend(f.rel for f in files)
        return original(version, files, *args, **kwargs)

    monkeypatch.setattr(pipeline, "analyse_group", recording)
    return seen


def _run(src: Path, **opts) -> tuple[list, list[str]]:
    result = pipeline.run([str(src)], Options(jobs=1, llm=False, **opts), root=src)
    shape = [(f.swc_id, f.location, f.message, f.function, tuple(e.source for e in f.evidence))
             for f in result.findings]
    return shape, result.files


@pytest.mark.e2e
def test_unchanged_files_are_not_recompiled(project, spy):
    cold, files = _run(project)
    assert sorted(spy) == ["Owned.sol", "Vault.sol", "Wallet.sol"] and len(files) == 3
    assert {s[0] for s in cold} >= {"SWC-107", "SWC-115"}
    spy.clear()
    warm, warm_files = _run(project)
    assert spy == [] and warm == cold and warm_files == files

    # One file edited: only it is analysed again; its importer's result stays valid.
    (project / "Vault.sol").write_text(VAULT.replace("balances[msg.sender] = 0;", "balances[msg.sender] = 0; // x"))
    spy.clear()
    edited, _ = _run(project)
    assert spy == ["Vault.sol"]
    spy.clear()
    fresh, _ = _run(project, cache=False)
    assert sorted(spy) == ["Owned.sol", "Vault.sol", "Wallet.sol"]  # --no-cache reads nothing
    assert edited == fresh

    # An imported file edited: its importer is analysed again too.
    (project / "Owned.sol").write_text(BASE.replace("msg.sender;", "msg.sender; // owner"))
    spy.clear()
    _run(project)
    assert sorted(spy) == ["Owned.sol", "Wallet.sol"]


@pytest.mark.e2e
def test_corrupt_and_foreign_entries_are_reanalysed(project, spy):
    cold, _ = _run(project)
    entries = sorted((Path(os.environ["SWCLINT_CACHE_DIR"]) / "static").rglob("*.json"))
    assert len(entries) == 3
    blobs = [p.read_bytes() for p in entries]
    entries[0].write_bytes(b"{ not json")
    entries[1].write_bytes(blobs[2])  # another file's entry under this key: foreign
    tampered = blobs[2].replace(b'"version": "', b'"version": "9')
    assert tampered != blobs[2]
    entries[2].write_bytes(tampered)  # edited after it was written: the checksum fails
    spy.clear()
    again, _ = _run(project)
    assert sorted(spy) == ["Owned.sol", "Vault.sol", "Wallet.sol"]
    assert again == cold
    spy.clear()
    _run(project)
    assert spy == []  # the bad entries were replaced by good ones


@pytest.mark.e2e
def test_cli_no_cache_flag_and_config_key(project):
    first = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "none", "--jobs", "1", cwd=project)
    assert first.returncode == 0, first.stderr
    static = Path(os.environ["SWCLINT_CACHE_DIR"]) / "static"
    entries = sorted(static.rglob("*.json"))
    assert len(entries) == 3
    for p in entries:  # unreadable entries: a run that reads them rewrites them
        p.write_bytes(b"poison")
    off = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "none", "--jobs", "1", "--no-cache",
                  cwd=project)
    assert json.loads(off.stdout)["findings"] == json.loads(first.stdout)["findings"]
    assert all(p.read_bytes() == b"poison" for p in entries)  # --no-cache neither reads nor writes
    (project / ".swclint.toml").write_text("cache = false\n")
    conf = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "none", "--jobs", "1", cwd=project)
    assert conf.returncode == 0, conf.stderr
    assert all(p.read_bytes() == b"poison" for p in entries)
    on = run_cli(".", "--no-llm", "--format", "json", "--fail-on", "none", "--jobs", "1", "--cache", cwd=project)
    assert json.loads(on.stdout)["findings"] == json.loads(first.stdout)["findings"]
    assert not any(p.read_bytes() == b"poison" for p in entries)  # read as misses, then rewritten
