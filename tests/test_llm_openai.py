"""`--backend openai` against a local HTTP stub: answers, timeouts, retries, refusals, garbage,
and a server that is down (one error line, exit 2, the static report kept)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_helpers import EXAMPLES, run_cli

from swclint.config import Options
from swclint.llm import stage
from swclint.llm.backends import BackendError, OpenAIBackend
from swclint.llm.cache import AnswerCache, cache_key
from swclint.llm.prompt import LABELS, build_prompt
from swclint.pipeline import SourceFile

GOOD = {"choices": [{"text": " reentrancy", "logprobs": {"top_logprobs": [
    {" reentrancy": -0.1, " none": -2.5, " over": -4.0, " dos": -5.0, " I": -6.0}]}}]}


class Stub:
    """A scripted OpenAI-compatible server on 127.0.0.1: each request takes the next reply."""

    def __init__(self, replies: list) -> None:
        self.replies = list(replies)
        self.requests: list[tuple[str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append((self.path, body))
                reply = stub.replies.pop(0) if len(stub.replies) > 1 else stub.replies[0]
                status, payload, delay = reply if isinstance(reply, tuple) else (200, reply, 0)
                time.sleep(delay)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    made: list[Stub] = []

    def start(*replies) -> Stub:
        made.append(Stub(list(replies)))
        return made[-1]

    yield start
    for s in made:
        s.close()


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path / "cache"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backend(url: str, **kw) -> OpenAIBackend:
    return OpenAIBackend(url, "swclint", concurrency=2, backoff=0.01, **kw)


def test_answer_is_renormalised_over_the_label_words(stub):
    server = stub(GOOD)
    (probs,) = backend(server.url).classify(["### Solidity\ncontract A {}\n### Verdict:"])
    assert set(probs) == set(LABELS) and abs(sum(probs.values()) - 1) < 1e-9
    assert max(probs, key=probs.get) == "SWC-107" and probs["SWC-107"] > 0.8
    assert probs["SWC-110"] == 0.0  # no candidate token starts the word "assert"
    path, body = server.requests[0]
    assert path == "/v1/completions"
    assert body["max_tokens"] == 1 and body["logprobs"] == 20 and body["temperature"] == 0
    assert body["model"] == "swclint" and body["prompt"].endswith("### Verdict:")


def test_endpoint_with_v1_is_not_doubled(stub):
    server = stub(GOOD)
    backend(server.url + "/v1/").classify(["p"])
    assert server.requests[0][0] == "/v1/completions"


def test_a_server_error_is_retried(stub):
    server = stub((503, {"error": {"message": "loading model"}}, 0), GOOD)
    (probs,) = backend(server.url).classify(["p"])
    assert max(probs, key=probs.get) == "SWC-107" and len(server.requests) == 2


def test_timeouts_are_retried_then_the_server_counts_as_down(stub):
    server = stub((200, GOOD, 1.0))
    b = backend(server.url, timeout=0.2, retries=2)
    with pytest.raises(BackendError, match=r"no answer after 2 tries \(timed out\)"):
        b.classify(["p"])
    assert len(server.requests) == 2
    with pytest.raises(BackendError):  # later requests fail at once, without another wait
        b.generate_fix("p")
    assert len(server.requests) == 2


def test_connection_refused_is_one_clear_error():
    b = backend(f"http://127.0.0.1:{closed_port()}", retries=2)
    with pytest.raises(BackendError, match=r"127\.0\.0\.1:\d+/v1/completions: no answer after 2 tries"):
        b.classify(["p", "q", "r"])


def test_a_refused_request_is_unusable_for_that_prompt_only(stub):
    server = stub((400, {"error": {"message": "prompt is longer than the context"}}, 0), GOOD)
    b = backend(server.url)
    b.concurrency = 1  # replies go out in arrival order
    first, second = b.classify(["long", "short"])
    assert first is None and max(second, key=second.get) == "SWC-107"
    assert len(server.requests) == 2  # a 400 is not retried


@pytest.mark.parametrize("reply", [
    b"<html>502 Bad Gateway</html>",  # not JSON
    {"object": "text_completion"},  # no choices
    {"choices": []},
    {"choices": [{"text": " none", "logprobs": None}]},  # logprobs not supported by the server
    {"choices": [{"logprobs": {"top_logprobs": [[" none", -0.1]]}}]},
    {"choices": [{"logprobs": {"top_logprobs": [{" none": "high"}]}}]},
    {"choices": [{"logprobs": {"top_logprobs": [{" Sorry": -0.1, " I": -0.7}]}}]},  # a refusal
])
def test_malformed_or_refusing_answers_are_unusable(stub, reply):
    server = stub((200, reply, 0))
    assert backend(server.url).classify(["p"]) == [None]
    assert len(server.requests) == 1


def test_fix_text_is_stripped_and_garbage_gives_no_fix(stub):
    server = stub({"choices": [{"text": "\nfunction f() public {}\n"}]}, {"choices": "nope"})
    b = backend(server.url)
    assert b.generate_fix("p") == "function f() public {}"
    assert server.requests[0][1]["stop"] == ["### End"]
    assert b.generate_fix("p") == ""


SOURCE = """pragma solidity ^0.4.24;
contract Bank {
    mapping(address => uint) balances;
    function withdraw() public {
        uint amount = balances[msg.sender];
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }
}
"""


def test_stage_keeps_unusable_answers_out_of_the_cache(stub):
    server = stub({"choices": []})
    b = backend(server.url)
    src = SourceFile(Path("/x/Bank.sol"), "Bank.sol", SOURCE)
    findings, errors, files, _ = stage._stage(lambda: b)([src], [], Options(llm_scope="all"))
    assert findings == [] and errors == [] and files == ["Bank.sol"]
    from swclint.analyze.chunks import extract_chunks

    (chunk,) = extract_chunks(SOURCE, "Bank.sol")
    assert AnswerCache().get_many([cache_key(b.identity, "classify", build_prompt(chunk))]) == {}


def test_stage_with_the_server_down_reports_one_error_and_no_findings():
    b = backend(f"http://127.0.0.1:{closed_port()}", retries=2)
    src = SourceFile(Path("/x/Bank.sol"), "Bank.sol", SOURCE)
    findings, errors, files, _ = stage._stage(lambda: b)([src], [], Options(llm_scope="all"))
    assert findings == [] and len(errors) == 1
    assert errors[0].path == "<model>" and "no answer after 2 tries" in errors[0].message


@pytest.mark.e2e
def test_cli_with_the_server_down_exits_2_with_one_line_and_keeps_the_static_report(tmp_path):
    (tmp_path / "Vault.sol").write_text((EXAMPLES / "contracts" / "SWC-107" / "Vault_0_4.sol").read_text())
    endpoint = f"http://127.0.0.1:{closed_port()}"
    proc = run_cli("--backend", "openai", "--endpoint", endpoint, "--llm-scope", "all", "--format", "json",
                   ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "no answer" in ln]
    assert lines == [f"<model>: llm error: {endpoint}/v1/completions: no answer after 3 tries "
                     "(Connection refused)"] or (len(lines) == 1 and lines[0].startswith("<model>: llm error:")), lines
    report = json.loads(proc.stdout)
    assert [f for f in report["findings"] if f["swc_id"] == "SWC-107"]  # static findings are all there
    assert report["errors"] and report["errors"][0]["path"] == "<model>"
