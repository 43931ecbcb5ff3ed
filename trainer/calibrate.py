"""Temperature scaling: one scalar T that makes softmax(scores / T) match validation frequencies."""

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
