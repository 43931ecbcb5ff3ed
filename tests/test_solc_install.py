"""`swclint solc install`: py-solc-x's installer when its download host answers, solc-js from npm
otherwise. This machine cannot reach that host, so the native path runs with a stand-in installer
and the npm fallback runs for real."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from cli_helpers import run_cli
from packaging.version import Version as V

from swclint.solc import native, providers, solcjs

PROBE = native.solcx_host_answers  # the real, cached probe (tests replace the module attribute)


@pytest.fixture()
def solcx_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """py-solc-x installs into a temporary folder, never the user's ~/.solcx."""
    home = tmp_path / "solcx"
    home.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(home))
    PROBE.cache_clear()
    yield home
    PROBE.cache_clear()


def _fake_installer(home: Path, calls: list[str], reported: str | None = None):
    """Stands in for `solcx.install_solc`: writes the binary py-solc-x would, answering --version."""
    def install_solc(version: str, *args, **kwargs):
        calls.append(str(version))
        exe = home / f"solc-v{version}"
        exe.write_text("#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\n"
                       f"echo 'Version: {reported or version}+commit.00000000.Linux.g++'\n")
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
        return V(str(version))
    return install_solc


def test_host_answers_uses_py_solc_x_installer(solcx_home, monkeypatch):
    import solcx

    calls: list[str] = []
    monkeypatch.setattr(native, "solcx_host_answers", lambda: True)
    monkeypatch.setattr(solcx, "install_solc", _fake_installer(solcx_home, calls))
    monkeypatch.setattr(solcjs, "install", lambda versions: pytest.fail("npm must not be asked"))
    done = providers.install_from([V("0.8.26"), V("0.4.26")])
    assert done == [(V("0.4.26"), "native (py-solc-x)"), (V("0.8.26"), "native (py-solc-x)")]
    assert calls == ["0.8.26", "0.4.26"]
    # and the installed binary is what the provider now finds natively
    assert native.native_installs()[V("0.8.26")] == solcx_home / "solc-v0.8.26"


def test_py_solc_x_failure_falls_back_to_npm(solcx_home, monkeypatch):
    import solcx

    calls: list[str] = []
    npm: list[list[V]] = []
    monkeypatch.setattr(native, "solcx_host_answers", lambda: True)
    # the "installed" binary reports another version: not trusted, npm is asked instead
    monkeypatch.setattr(solcx, "install_solc", _fake_installer(solcx_home, calls, reported="0.8.25"))
    monkeypatch.setattr(solcjs, "install", lambda versions: npm.append(list(versions)) or list(versions))
    assert providers.install_from([V("0.8.26")]) == [(V("0.8.26"), "solc-js (npm)")]
    assert calls == ["0.8.26"] and npm == [[V("0.8.26")]]


def test_host_probe_is_false_when_nothing_answers(solcx_home, monkeypatch):
    """A refused connection (nothing listens on port 9 here) reads as 'does not answer', quickly."""
    import solcx.install

    monkeypatch.setattr(solcx.install, "BINARY_DOWNLOAD_BASE", "http://127.0.0.1:9/{}-amd64/{}")
    assert native.solcx_host_answers(timeout=2.0) is False


def test_host_silent_uses_npm_without_asking_py_solc_x(solcx_home, monkeypatch):
    import solcx

    monkeypatch.setattr(native, "solcx_host_answers", lambda: False)
    monkeypatch.setattr(solcx, "install_solc", lambda *a, **k: pytest.fail("py-solc-x must not be asked"))
    npm: list[list[V]] = []
    monkeypatch.setattr(solcjs, "install", lambda versions: npm.append(list(versions)) or list(versions))
    assert providers.install_from([V("0.5.17")]) == [(V("0.5.17"), "solc-js (npm)")]


@pytest.mark.e2e
def test_cli_install_falls_back_to_real_solc_js(tmp_path):
    """The real command on this machine: py-solc-x's host does not answer, npm's solc-js is installed
    and loads (a no-op when the user cache already has it)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("solc-js needs node and npm")
    native.solcx_host_answers.cache_clear()
    if native.solcx_host_answers():
        pytest.skip("py-solc-x's download host answers here; the fallback is not taken")
    proc = run_cli("solc", "install", "0.8.26", env={"SOLCX_BINARY_PATH": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "installed solc 0.8.26: solc-js (npm)"
    assert V("0.8.26") in solcjs.installed()
    assert not list(tmp_path.iterdir())  # nothing went through py-solc-x


def test_cli_install_rejects_a_non_version():
    proc = run_cli("solc", "install", "latest-ish")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "latest-ish" in proc.stderr
