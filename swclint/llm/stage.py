"""The model stage of a run: chunks -> (cache | backend) -> model evidence as findings."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from ..analyze.chunks import extract_chunks
from ..analyze.patterns import could_hold, is_candidate
from ..chunk import Chunk
from ..config import Options
from ..findings import Evidence, FileError, Finding, Location, severity_rank
from ..rules import get_rule
from .backends import Backend, BackendError, HFBackend, OpenAIBackend, adapter_dir, ml_extra_installed
from .cache import AnswerCache, cache_key
from .prompt import LABELS, MAX_CHUNK_CHARS, build_prompt, fix_prompt

log = logging.getLogger("swclint.llm")

# A model-only verdict below this never becomes a finding, whatever --llm-threshold says. Static
# findings of the model's classes get its probability whatever it is (llm/triage.py re-ranks them).
SUPPORT_THRESHOLD = 0.5


def make_llm_stage(opts: Options) -> tuple[Callable | None, list[str]]:
    """Decide whether the model runs, and say so once."""
    if opts.llm is False or opts.backend == "none":
        return None, []
    if opts.backend == "openai":
        if not opts.endpoint:
            return None, ["model: off (--backend openai needs --endpoint URL)"]
        backend_factory: Callable[[], Backend] = lambda: OpenAIBackend(opts.endpoint, opts.adapter or "swclint")  # noqa: E731
        return _stage(backend_factory), [f"model: on (OpenAI-compatible server {opts.endpoint})"]
    if not ml_extra_installed():
        note = "model: off (the ML extra is not installed: pip install 'swclint[llm]')"
        return None, ([note] if opts.llm is None else [note.replace("off", "requested but unavailable")])
    adapter = adapter_dir(opts.adapter)
    if not (adapter / "adapter_config.json").is_file():
        return None, [f"model: off (no adapter at {adapter})"]
    return _stage(lambda: HFBackend(adapter)), [f"model: on (local adapter {adapter.name}; --no-llm to skip)"]


def select_chunks(chunks: list[Chunk], static: list[Finding], scope: str) -> list[Chunk]:
    """Which functions the model reads.

    `findings` (default): functions holding a static finding of a class the model knows, at a level
    triage can change (above info): the second opinion, at a cost bounded by the static report.
    `candidates`: those plus every function the static signals call worth a look (model-only
    findings). `all`: every function.
    """
    if scope == "all":
        return chunks
    flagged = {(f.location.path, f.function) for f in static if scope != "findings" or judgeable(f)}
    if scope == "findings":
        return [c for c in chunks if (c.path, c.function) in flagged]
    return [c for c in chunks if is_candidate(c) or (c.path, c.function) in flagged]


@lru_cache(maxsize=1)
def _chunker_identity() -> str:
    """Changes whenever the code that cuts functions does, so cached cuts never outlive it."""
    h = hashlib.sha256()
    for module in ("swclint.analyze.chunks", "swclint.chunk"):
        spec = find_spec(module)
        h.update(Path(spec.origin).read_bytes() if spec and spec.origin else module.encode())
    return "chunker:" + h.hexdigest()[:16]


def cut_functions(sources, cache: AnswerCache) -> tuple[list[Chunk], list[FileError]]:
    """Each file's functions (modifiers left out), cut once per file content: a warm rerun reads the
    cut from the answer cache instead of parsing again."""
    keys = {src.rel: cache_key(_chunker_identity(), "chunks", f"{src.rel}\0{src.text}") for src in sources}
    known = cache.get_many(list(keys.values()))
    chunks: list[Chunk] = []
    errors: list[FileError] = []
    fresh: dict[str, object] = {}
    for src in sources:
        cut = known.get(keys[src.rel])
        if isinstance(cut, list):
            chunks.extend(Chunk(**{**d, "state_vars": tuple(d["state_vars"]), "modifiers": tuple(d["modifiers"])})
                          for d in cut)
            continue
        try:
            mine = [c for c in extract_chunks(src.text, src.rel) if c.kind != "modifier"]
        except Exception as exc:  # the tolerant parser should not fail; if it does, say where
            errors.append(FileError(src.rel, "llm", f"cannot cut functions: {exc}"))
            continue
        chunks.extend(mine)
        fresh[keys[src.rel]] = [asdict(c) for c in mine]
    if fresh:
        cache.put_many(fresh)
    return chunks, errors


def judgeable(f: Finding) -> bool:
    """A static finding the model's second opinion can change: a class it knows, above info."""
    return f.swc_id in LABELS and f.severity != "info"


def _stage(make_backend: Callable[[], Backend]):
    """The stage callable; its `add_fixes` writes and verifies fixes after the merge (see fixcheck),
    its `prepare` starts loading the model while the static stage runs."""
    made: list[Backend] = []  # one backend per run, shared by classification and fixes
    making = threading.Lock()
    warming: list[threading.Thread] = []

    def backend() -> Backend:
        with making:
            if not made:
                made.append(make_backend())
            return made[0]

    def prepare(opts: Options) -> None:
        """Load the model in a background thread, once, on a first run here. The pipeline calls this
        while worker processes run the static stage, so the imports and weights (most of a cold run's
        model cost before the first forward) use time the main process would spend waiting. After a
        run of this model here has finished, answers are likely cached and the load may not be
        needed at all, so it waits until asked. A failure is not reported here: the stage meets it
        again in the foreground and says why there."""
        if warming:
            return
        try:
            model = backend()
        except Exception as exc:  # noqa: BLE001 - reported by the foreground attempt
            log.debug("model backend unavailable: %s", exc)
            return
        warm_up = getattr(model, "warm_up", None)
        if warm_up is None or (opts.llm_cache and _has_run_here(model.identity)):
            return

        def load() -> None:
            try:
                warm_up()
            except Exception as exc:  # noqa: BLE001 - reported by the foreground attempt
                log.debug("background model load failed: %s", exc)

        warming.append(threading.Thread(target=load, name="swclint-model-load", daemon=True))
        warming[0].start()

    def run_stage(sources, static: list[Finding], opts: Options, progress=None):
        if opts.llm_scope == "findings":  # files without a finding to judge are not even parsed
            wanted = {f.location.path for f in static if judgeable(f)}
            sources = [src for src in sources if src.rel in wanted]
        cache = AnswerCache(enabled=opts.llm_cache)  # one connection for the cuts and the answers
        try:
            return _judge(sources, static, opts, progress, cache)
        finally:
            if made:
                cache.put_many({_ran_key(made[0].identity): True})
            cache.close()

    def _judge(sources, static: list[Finding], opts: Options, progress, cache: AnswerCache):
        chunks, errors = cut_functions(sources, cache)
        files = sorted({c.path for c in chunks})
        chosen = select_chunks(chunks, static, opts.llm_scope)
        for c in chosen:
            if len(c.source) > MAX_CHUNK_CHARS:
                errors.append(FileError(c.path, "limit", f"function {c.function} is longer than "
                                        f"{MAX_CHUNK_CHARS} characters; the model saw its first part", c.start_line))
        if not chosen:
            return [], errors, files, []
        try:
            model = backend()
        except BackendError as exc:
            return [], errors + [FileError("<model>", "llm", str(exc))], files, [f"model: off ({exc})"]
        try:
            findings = _classify(model, cache, chosen, static, opts, progress)
        except BackendError as exc:
            return [], errors + [FileError("<model>", "llm", str(exc))], files, []
        return findings, errors, files, []

    def add_fixes(result, versions: dict[str, str], root: Path, remappings: list[str], opts: Options,
                  progress=None) -> list:
        """Generate fixes where `fixcheck.wants_fix` says they pay; keep only the verified ones."""
        from ..fixcheck import add_verified_fixes, wants_fix

        if not any(wants_fix(f, opts) for f in result.findings):
            return []
        try:
            model = backend()
        except BackendError as exc:
            result.errors.append(FileError("<model>", "llm", f"no fixes: {exc}"))
            return []
        cache = AnswerCache(enabled=opts.llm_cache)
        try:
            return add_verified_fixes(
                result, versions, root, remappings, opts,
                generate=lambda chunk, label: _fix_for(model, cache, chunk, label),
                classify=lambda chunk: _classify_one(model, cache, chunk), progress=progress)
        except BackendError as exc:
            result.errors.append(FileError("<model>", "llm", f"no fixes: {exc}"))
            return []
        finally:
            cache.close()

    run_stage.add_fixes = add_fixes  # type: ignore[attr-defined]
    run_stage.prepare = prepare  # type: ignore[attr-defined]
    return run_stage


def _ran_key(identity: str) -> str:
    return cache_key(identity, "ran", "")


def _has_run_here(identity: str) -> bool:
    """Whether a model stage with this identity has finished with this cache before."""
    cache = AnswerCache()
    try:
        return bool(cache.get_many([_ran_key(identity)]))
    finally:
        cache.close()


def _classify_one(backend: Backend, cache: AnswerCache, chunk: Chunk) -> dict[str, float] | None:
    """One function's label probabilities, through the answer cache; None when unusable."""
    prompt = build_prompt(chunk)
    key = cache_key(backend.identity, "classify", prompt)
    hit = cache.get_many([key])
    if key in hit:
        probs = hit[key]
    else:
        (probs,) = backend.classify([prompt])
        if _valid_probs(probs):
            cache.put_many({key: probs})
    return probs if _valid_probs(probs) else None


def _classify(backend: Backend, cache: AnswerCache, chunks: list[Chunk], static: list[Finding],
              opts: Options, progress) -> list[Finding]:
    prompts = [build_prompt(c) for c in chunks]
    keys = [cache_key(backend.identity, "classify", p) for p in prompts]
    known = cache.get_many(keys)
    # Shortest first across the whole run: a batch pads to its longest prompt, so neighbours in
    # length waste a quarter fewer forward tokens than functions in file order.
    # One forward per distinct prompt: flattened files often carry the same library function.
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    todo = sorted((i for k, i in first.items() if k not in known), key=lambda i: len(prompts[i]))
    batch = 16
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        answers = backend.classify([prompts[i] for i in part])
        # an unusable answer is not cached: the next run asks again
        cache.put_many({keys[i]: a for i, a in zip(part, answers, strict=True) if _valid_probs(a)})
        known.update({keys[i]: a for i, a in zip(part, answers, strict=True)})
        if progress:
            progress("model", min(start + batch, len(todo)), len(todo))

    # static classes the model knows, per function, with the severity their context gave them
    static_at: dict[tuple[str, str, str], dict[str, str]] = {}
    for f in static:
        if f.swc_id in LABELS:
            classes = static_at.setdefault((f.location.path, f.contract, f.function), {})
            classes[f.swc_id] = max(classes.get(f.swc_id, f.severity), f.severity, key=severity_rank)
    findings: list[Finding] = []
    for chunk, key in zip(chunks, keys, strict=True):
        probs = known.get(key)
        if not _valid_probs(probs):
            log.debug("unusable model answer for %s:%s", chunk.path, chunk.function)
            continue
        flagged = static_at.get((chunk.path, chunk.contract, chunk.function), {})
        # the model's opinion on every static class here, however low: triage.py re-ranks with it
        findings += [_finding(chunk, swc, probs[swc], backend.identity, severity, opinion=True)
                     for swc, severity in sorted(flagged.items()) if swc in probs]
        label, p = max(probs.items(), key=lambda kv: (kv[1], kv[0]))
        if label == "none" or label in flagged or p < max(SUPPORT_THRESHOLD, opts.llm_threshold):
            continue
        if not could_hold(chunk, label):
            log.debug("%s:%s: %s verdict dropped, the function's code cannot hold it", chunk.path, chunk.function, label)
            continue
        findings.append(_finding(chunk, label, p, backend.identity))
    return findings


def _valid_probs(probs: object) -> bool:
    """A usable answer maps known labels to probabilities; anything else is ignored, never trusted."""
    return (isinstance(probs, dict) and bool(probs) and all(k in LABELS for k in probs)
            and all(isinstance(v, float | int) and not isinstance(v, bool) and 0.0 <= v <= 1.0
                    for v in probs.values()))


def _fix_for(backend: Backend, cache: AnswerCache, chunk: Chunk, label: str) -> str | None:
    prompt = fix_prompt(chunk, label)
    key = cache_key(backend.identity, "fix", prompt)
    hit = cache.get_many([key])
    if key in hit:
        text = hit[key]
    else:
        text = backend.generate_fix(prompt)
        cache.put_many({key: text})
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip()


def _finding(chunk: Chunk, label: str, p: float, identity: str, severity: str | None = None,
             opinion: bool = False) -> Finding:
    """A model verdict on its own, or (`opinion`) the model's probability for a static finding's class."""
    rule = get_rule(label)
    return Finding(
        swc_id=label,
        title=rule.title,
        severity=severity or rule.severity,
        confidence=round(p, 4),
        location=Location(chunk.path, chunk.start_line, chunk.end_line, chunk.start_col or 1, chunk.end_col or 1),
        message=f"The model gives {chunk.contract + '.' if chunk.contract else ''}{chunk.function} "
                f"p={p:.2f} for {label}." if opinion else
                f"The model classifies {chunk.contract + '.' if chunk.contract else ''}{chunk.function} as "
                f"{rule.title} (p={p:.2f}).",
        remediation=rule.remediation.strip(),
        contract=chunk.contract,
        function=chunk.function,
        evidence=[Evidence(f"llm:{identity.split(':')[1]}", round(p, 4),
                           f"model probability for {label}" if opinion else "model verdict")],
    )
