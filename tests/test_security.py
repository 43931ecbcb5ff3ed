"""Scanning a stranger's repository must never run code from it."""

from __future__ import annotations

import json
import pickle
import stat
import sys
from pathlib import Path

import pytest
from cli_helpers import EXAMPLES, run_cli, run_json

pytestmark = pytest.mark.e2e

VULN = (EXAMPLES / "contracts" / "SWC-107" / "Vault_0_4.sol").read_text()


class _Bomb:
    """Unpickling this writes a marker file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.fixture
def hostile_repo(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "PWNED"
    repo = tmp_path / "repo"
    (repo / "contracts").mkdir(parents=True)
    (repo / "contracts" / "Vault.sol").write_text(VULN)
    hook = f"require('fs').writeFileSync({json.dumps(str(marker))}, 'hardhat')\n"
    (repo / "hardhat.config.js").write_text(hook + "module.exports = {solidity: '0.4.26'};\n")
    (repo / "truffle-config.js").write_text(hook)
    evil = repo / "evil-solc.sh"
    evil.write_text(f"#!/bin/sh\necho foundry > {marker}\n")
    evil.chmod(evil.stat().st_mode | stat.S_IEXEC)
    (repo / "foundry.toml").write_text(
        '[profile.default]\nsolc = "./evil-solc.sh"\nffi = true\nsrc = "contracts"\n'
        'remappings = ["@x/=contracts/"]\n')
    (repo / "package.json").write_text(json.dumps({
        "name": "hostile", "scripts": {"preinstall": f"echo npm > {marker}", "build": f"echo npm > {marker}",
                                       "compile": f"echo npm > {marker}"}}))
    (repo / "node_modules" / ".bin").mkdir(parents=True)
    (repo / "node_modules" / ".bin" / "solc").symlink_to(evil)
    (repo / "solc").symlink_to(evil)  # a `solc` in the scanned folder must not shadow ours
    return repo, marker


def test_no_framework_build_hook_or_repo_solc_runs(hostile_repo):
    repo, marker = hostile_repo
    report, proc = run_json("contracts", cwd=repo)
    assert not marker.exists(), f"code from the scanned repo ran: {marker.read_text()}"
    assert any(f["swc_id"] == "SWC-107" for f in report["findings"]), proc.stderr


def test_pickle_adapter_is_refused_without_loading(hostile_repo, tmp_path):
    pytest.importorskip("peft")
    repo, marker = hostile_repo
    adapter = tmp_path / "evil-adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps(
        {"base_model_name_or_path": "gemma-3-270m", "peft_type": "LORA", "r": 8}))
    (adapter / "adapter_model.bin").write_bytes(pickle.dumps(_Bomb(marker)))
    proc = run_cli("--llm", "--adapter", str(adapter), "--format", "json", "contracts", cwd=repo)
    assert not marker.exists(), "a pickled adapter was unpickled"
    assert "safetensors" in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    # the static half still reports
    assert any(f["swc_id"] == "SWC-107" for f in json.loads(proc.stdout)["findings"])


def test_python_never_imports_repo_code(hostile_repo):
    repo, marker = hostile_repo
    (repo / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('py')\n")
    (repo / "slither.py").write_text(f"open({str(marker)!r}, 'w').write('py')\n")
    proc = run_cli("--no-llm", "contracts", cwd=repo)
    assert proc.returncode == 1
    assert not marker.exists()


def test_results_identical_for_any_jobs():
    one, _ = run_json("contracts", "--jobs", "1", cwd=EXAMPLES)
    two, _ = run_json("contracts", "--jobs", "2", cwd=EXAMPLES)
    assert one == two
    assert one["findings"]


if sys.platform == "win32":  # pragma: no cover
    pytest.skip("POSIX shims only", allow_module_level=True)
