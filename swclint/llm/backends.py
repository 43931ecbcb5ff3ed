"""Model backends behind one interface: local transformers+peft (`hf`), an OpenAI-compatible server
(`openai`: vLLM serving the base with our LoRA, llama.cpp's server), or `none`."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from .prompt import FIX_MAX_NEW_TOKENS, LABELS, verdict_continuations

log = logging.getLogger("swclint.llm")

DEFAULT_ADAPTER = Path(__file__).resolve().parent.parent / "adapters" / "default"


def adapter_dir(adapter: str | None) -> Path:
    """The local adapter a run uses: the one given (`--adapter`), or the shipped one."""
    return Path(adapter) if adapter else DEFAULT_ADAPTER


class BackendError(Exception):
    """The backend cannot be used; the message says why in one line."""


class Backend(Protocol):
    identity: str  # goes into the cache key: changes whenever answers could change

    def classify(self, prompts: list[str]) -> list[dict[str, float] | None]: ...  # None: unusable

    def generate_fix(self, prompt: str) -> str: ...


def read_adapter_base(adapter: Path) -> str:
    try:
        config = json.loads((adapter / "adapter_config.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackendError(f"{adapter}: not a LoRA adapter directory ({exc})") from None
    return config.get("base_model_name_or_path") or "gemma-3-270m"


def _quiet_ml_libraries() -> None:
    """A linter run shows findings, not library chatter (progress bars, kernel hints, deprecations)."""
    import warnings

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*|peft\..*")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


class HFBackend:
    """transformers + peft on the local machine; the adapter names its own base.

    The model loads on first use: a run whose answers are all cached never pays for it.
    """

    def __init__(self, adapter: Path, batch_size: int = 8, device: str = "auto") -> None:
        from .models import ModelError, adapter_hash, cpu_inference_dtype

        self.adapter = Path(adapter)
        self.base = read_adapter_base(self.adapter)
        try:
            # The CPU dtype is part of it: fp32 and bf16 answers differ a little, and must not mix.
            self.identity = f"hf:{self.base}:{adapter_hash(self.adapter)}:cpu-{cpu_inference_dtype()}"
        except ModelError as exc:
            raise BackendError(str(exc)) from None
        self.batch_size = batch_size
        self.device = device
        self._loaded: tuple | None = None
        self._loading = threading.Lock()  # a background warm_up and the first classify load it once

    def _load(self) -> tuple:
        with self._loading:
            if self._loaded is None:
                _quiet_ml_libraries()
                from .models import ModelError, load_for_inference, load_model

                try:
                    if _cuda():
                        self._loaded = load_model(self.base, self.adapter, device=self.device, quant="4bit")
                    else:
                        self._loaded = load_for_inference(self.base, self.adapter, device=self.device)
                except ModelError as exc:
                    raise BackendError(str(exc)) from None
            return self._loaded

    def warm_up(self) -> None:
        """Import and load the model now (the stage calls it in a background thread)."""
        self._load()

    @property
    def model(self):
        return self._load()[0]

    @property
    def tokenizer(self):
        return self._load()[1]

    def classify(self, prompts: list[str]) -> list[dict[str, float]]:
        from .scoring import classify

        return classify(self.model, self.tokenizer, prompts, batch_size=self.batch_size)

    def generate_fix(self, prompt: str) -> str:
        from .scoring import generate_fix

        return generate_fix(self.model, self.tokenizer, prompt, max_new_tokens=FIX_MAX_NEW_TOKENS)


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


class OpenAIBackend:
    """Any server speaking the OpenAI completions API with `logprobs` (vLLM, llama.cpp server).

    Classification asks for one token with the top log-probabilities and renormalises over the
    label words; requests run concurrently with a timeout and retries. A server that is down fails
    the whole stage once (BackendError); one prompt it refuses or answers with garbage becomes an
    unusable answer (None) for that function only.
    """

    # A one-slot server (llama.cpp) queues concurrent requests: the timeout covers the wait in line.
    def __init__(self, endpoint: str, model: str, concurrency: int = 8, timeout: float = 300.0,
                 retries: int = 3, backoff: float = 0.5) -> None:
        self.url = endpoint.rstrip("/") + ("" if endpoint.rstrip("/").endswith("/v1") else "/v1") + "/completions"
        self.model = model
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.identity = f"openai:{endpoint}:{model}"
        self._down: str | None = None  # once the server is unreachable, later requests fail at once

    def _post(self, payload: dict) -> dict | None:
        """The decoded answer; None when the server refuses this request (4xx) or answers garbage."""
        if self._down:
            raise BackendError(self._down)
        data = json.dumps(payload).encode()
        last: str = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 4))
            req = urllib.request.Request(self.url, data=data, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = resp.read()
            except urllib.error.HTTPError as exc:
                if 400 <= exc.code < 500 and exc.code not in (408, 429):  # retrying cannot help
                    log.debug("%s refused a request: HTTP %s %s", self.url, exc.code, _error_text(exc))
                    return None
                last = f"HTTP {exc.code} {_error_text(exc)}".strip()
                continue
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else str(reason)
                continue
            try:
                answer = json.loads(body)
            except ValueError:
                log.debug("%s answered with something that is not JSON: %r", self.url, body[:200])
                return None
            return answer if isinstance(answer, dict) else None
        self._down = f"{self.url}: no answer after {self.retries} tries ({last})"
        raise BackendError(self._down)

    def _classify_one(self, prompt: str) -> dict[str, float] | None:
        resp = self._post({"model": self.model, "prompt": prompt, "max_tokens": 1, "temperature": 0,
                           "logprobs": 20})
        top = _top_logprobs(resp)
        if not top:
            return None
        words = {label: cont.strip() for label, cont in verdict_continuations().items()}
        scores = {}
        for label, word in words.items():
            best = [lp for tok, lp in top.items() if tok.strip() and word.startswith(tok.strip())]
            if best:
                scores[label] = max(best)
        if not scores:  # a refusal or chatter: no label word among the candidates
            return None
        peak = max(scores.values())
        exp = {k: math.exp(scores[k] - peak) if k in scores else 0.0 for k in LABELS}
        total = sum(exp.values())
        return {k: exp[k] / total for k in LABELS}

    def classify(self, prompts: list[str]) -> list[dict[str, float] | None]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._classify_one, prompts))

    def generate_fix(self, prompt: str) -> str:
        resp = self._post({"model": self.model, "prompt": prompt, "max_tokens": FIX_MAX_NEW_TOKENS,
                           "temperature": 0, "stop": ["### End"]})
        try:
            text = resp["choices"][0]["text"]  # type: ignore[index]
        except (TypeError, KeyError, IndexError):
            return ""
        return text.strip() if isinstance(text, str) else ""


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The server's own error message, cut to one line."""
    try:
        body = exc.read().decode("utf-8", "replace")
        msg = json.loads(body).get("error", body)
        msg = msg.get("message", msg) if isinstance(msg, dict) else msg
    except (ValueError, OSError, AttributeError):
        msg = exc.reason
    return " ".join(str(msg).split())[:200]


def _top_logprobs(resp: dict | None) -> dict[str, float]:
    """`choices[0].logprobs.top_logprobs[0]` when it is a token -> number map, else {}."""
    try:
        top = resp["choices"][0]["logprobs"]["top_logprobs"][0]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return {}
    if not isinstance(top, dict):
        return {}
    return {t: float(v) for t, v in top.items() if isinstance(t, str) and isinstance(v, int | float)
            and not isinstance(v, bool) and math.isfinite(v)}


def ml_extra_installed() -> bool:
    """Whether the ML extra is installed, without importing it: torch and transformers take seconds
    to import, which a run served entirely from the answer cache never needs."""
    from importlib.util import find_spec

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)  # peft imports it; its CPU hints are noise
    return all(find_spec(name) is not None for name in ("peft", "torch", "transformers"))
