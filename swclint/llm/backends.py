"""Model backends behind one interface: local transformers+peft (`hf`), an OpenAI-compatible server
(`openai`: vLLM serving the base with our LoRA, llama.cpp's server), or `none`."""

from __future__ import annotations

import json
import logging
import math
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from .prompt import FIX_MAX_NEW_TOKENS, LABELS, verdict_continuations

log = logging.getLogger("swclint.llm")

DEFAULT_ADAPTER = Path(__file__).resolve().parent.parent / "adapters" / "default"


class BackendError(Exception):
    """The backend cannot be used; the message says why in one line."""


class Backend(Protocol):
    identity: str  # goes into the cache key: changes whenever answers could change

    def classify(self, prompts: list[str]) -> list[dict[str, float]]: ...

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
        from .models import ModelError, adapter_hash

        self.adapter = Path(adapter)
        self.base = read_adapter_base(self.adapter)
        try:
            self.identity = f"hf:{self.base}:{adapter_hash(self.adapter)}"
        except ModelError as exc:
            raise BackendError(str(exc)) from None
        self.batch_size = batch_size
        self.device = device
        self._loaded: tuple | None = None

    def _load(self) -> tuple:
        if self._loaded is None:
            _quiet_ml_libraries()
            from .models import ModelError, load_model

            try:
                self._loaded = load_model(self.base, self.adapter, device=self.device,
                                          quant="4bit" if _cuda() else "none")
            except ModelError as exc:
                raise BackendError(str(exc)) from None
        return self._loaded

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
    label words; requests run concurrently with a timeout and retries.
    """

    def __init__(self, endpoint: str, model: str, concurrency: int = 8, timeout: float = 60.0,
                 retries: int = 3) -> None:
        self.url = endpoint.rstrip("/") + ("" if endpoint.rstrip("/").endswith("/v1") else "/v1") + "/completions"
        self.model = model
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.identity = f"openai:{endpoint}:{model}"

    def _post(self, payload: dict) -> dict:
        data = json.dumps(payload).encode()
        last: Exception | None = None
        for attempt in range(self.retries):
            req = urllib.request.Request(self.url, data=data, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return json.loads(resp.read())
            except (urllib.error.URLError, TimeoutError, ValueError, ConnectionError) as exc:
                last = exc
                time.sleep(min(2 ** attempt * 0.5, 4))
        raise BackendError(f"{self.url}: no answer after {self.retries} tries ({last})")

    def _classify_one(self, prompt: str) -> dict[str, float]:
        resp = self._post({"model": self.model, "prompt": prompt, "max_tokens": 1, "temperature": 0,
                           "logprobs": 20})
        top = (((resp.get("choices") or [{}])[0].get("logprobs") or {}).get("top_logprobs") or [{}])[0]
        words = {label: cont.strip() for label, cont in verdict_continuations().items()}
        scores = {}
        for label, word in words.items():
            best = [lp for tok, lp in top.items() if tok.strip() and word.startswith(tok.strip())]
            scores[label] = max(best) if best else -1e9
        peak = max(scores.values())
        exp = {k: math.exp(v - peak) for k, v in scores.items()}
        total = sum(exp.values())
        return {k: exp[k] / total for k in LABELS}

    def classify(self, prompts: list[str]) -> list[dict[str, float]]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._classify_one, prompts))

    def generate_fix(self, prompt: str) -> str:
        resp = self._post({"model": self.model, "prompt": prompt, "max_tokens": FIX_MAX_NEW_TOKENS,
                           "temperature": 0, "stop": ["### End"]})
        return ((resp.get("choices") or [{}])[0].get("text") or "").strip()


def ml_extra_installed() -> bool:
    """Whether the ML extra is installed, without importing it: torch and transformers take seconds
    to import, which a run served entirely from the answer cache never needs."""
    from importlib.util import find_spec

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)  # peft imports it; its CPU hints are noise
    return all(find_spec(name) is not None for name in ("peft", "torch", "transformers"))
