"""Calibration on the validation split: softmax(scores / T + b) with one temperature T and a bias per label.

T alone fixes over- or under-confidence. The biases fix the label prior: class-weighted training
teaches the model that rare classes are common, and the validation split says how common they are.
Both are fitted by validation NLL, so the confidence the linter reports stays a probability.
"""

from __future__ import annotations

import math
from typing import Any


def nll(scores: Any, targets: Any, temperature: float) -> float:
    import torch.nn.functional as F

    return float(F.cross_entropy(scores / temperature, targets))


def fit_temperature(scores: Any, targets: Any, lo: float = 0.05, hi: float = 20.0) -> float:
    """T minimising the validation NLL (golden-section search over log T; NLL is unimodal in T)."""
    if len(targets) == 0:
        return 1.0
    a, b = math.log(lo), math.log(hi)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = nll(scores, targets, math.exp(c)), nll(scores, targets, math.exp(d))
    for _ in range(60):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = nll(scores, targets, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = nll(scores, targets, math.exp(d))
    return math.exp((a + b) / 2)


def calibrated_nll(scores: Any, targets: Any, temperature: float, bias: Any) -> float:
    import torch
    import torch.nn.functional as F

    return float(F.cross_entropy(scores / temperature + torch.as_tensor(bias, dtype=scores.dtype), targets))


def fit_calibration(scores: Any, targets: Any, steps: int = 200) -> tuple[float, list[float]]:
    """(T, bias) minimising the validation NLL of softmax(scores / T + bias); bias sums to zero.

    Starts from the temperature-only fit, so it is never worse than temperature scaling on the
    fitting data. A label absent from the validation split keeps its bias at the mean, not -inf.
    """
    import torch
    import torch.nn.functional as F

    t0 = fit_temperature(scores, targets)
    n_labels = scores.shape[-1]
    if len(targets) == 0:
        return t0, [0.0] * n_labels
    log_inv_t = torch.tensor(-math.log(t0), requires_grad=True)
    bias = torch.zeros(n_labels, requires_grad=True)
    present = torch.zeros(n_labels, dtype=torch.bool)
    present[targets.unique()] = True
    opt = torch.optim.LBFGS([log_inv_t, bias], lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")
    data = scores.detach().float()

    def closure():
        opt.zero_grad()
        b = torch.where(present, bias, torch.zeros_like(bias))
        loss = F.cross_entropy(data * log_inv_t.exp() + b, targets) + 1e-4 * (b**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    b = torch.where(present, bias, torch.zeros_like(bias)).detach()
    b = b - b.mean()
    return float((-log_inv_t).detach().exp()), [float(x) for x in b]


def calibration_result(scores: Any, targets: Any) -> dict[str, Any]:
    """What calibration.json holds: T, the per-label bias, and the validation NLL before and after."""
    from swclint.llm.prompt import LABELS

    temperature, bias = fit_calibration(scores, targets)
    n = len(targets)
    return {
        "temperature": temperature,
        "bias": dict(zip(LABELS, bias, strict=True)),
        "n": n,
        "nll_before": nll(scores, targets, 1.0) if n else None,
        "nll_temperature_only": nll(scores, targets, fit_temperature(scores, targets)) if n else None,
        "nll_after": calibrated_nll(scores, targets, temperature, bias) if n else None,
    }
