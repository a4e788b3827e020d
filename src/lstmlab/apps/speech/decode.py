"""CTC decoding (Graves et al. 2006): from per-step label posteriors to a label sequence.

A CTC path π has one symbol per step, a label or the blank; the labelling it stands for is
B(π): merge repeated symbols, then drop blanks ("aa-ab-" → "aab"). The model gives
p(π|x) = Π_t y_t(π_t), and p(l|x) = Σ_{π: B(π)=l} p(π|x).

- ``greedy``: the best path, B(argmax_t y_t) — the labelling of the single most probable path,
  which is not always the most probable labelling (many weaker paths can outweigh it).
- ``beam_search``: the CTC prefix beam search (Graves 2012, "Supervised sequence labelling with
  recurrent neural networks", §7.5; Hannun et al. 2014, "First-pass large vocabulary continuous
  speech recognition using bi-directional recurrent DNNs", §2): it keeps the ``width`` most
  probable prefixes, each with the probability of its paths that end in a blank and of those
  that end in its last label, so all paths of a labelling add up. With an unlimited width it
  finds the most probable labelling exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

__all__ = ["BLANK", "greedy", "beam_search", "collapse"]

BLANK = 0
_NEG = -math.inf


def collapse(path: list[int] | np.ndarray, blank: int = BLANK) -> list[int]:
    """B(π): merge repeated symbols, then remove blanks."""
    out: list[int] = []
    previous = None
    for s in (int(v) for v in path):
        if s != previous and s != blank:
            out.append(s)
        previous = s
    return out


def greedy(log_probs: np.ndarray, blank: int = BLANK) -> list[int]:
    """Best-path decoding of one sequence's log posteriors (T, C)."""
    _check(log_probs)
    return collapse(np.argmax(log_probs, axis=1), blank)


def _logadd(a: float, b: float) -> float:
    if a == _NEG:
        return b
    if b == _NEG:
        return a
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


def beam_search(log_probs: np.ndarray, width: int = 8, blank: int = BLANK) -> list[int]:
    """The most probable labelling found by CTC prefix beam search over (T, C) log posteriors."""
    _check(log_probs)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width: expected an int >= 1, got {width!r}")
    T, C = log_probs.shape
    # prefix -> (log p of its paths ending in blank, log p of those ending in its last label)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, _NEG)}
    for t in range(T):
        y = log_probs[t]
        nxt: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [_NEG, _NEG])
        for prefix, (p_b, p_nb) in beams.items():
            p_total = _logadd(p_b, p_nb)
            # a blank keeps the prefix; it now ends in a blank
            entry = nxt[prefix]
            entry[0] = _logadd(entry[0], p_total + float(y[blank]))
            last = prefix[-1] if prefix else None
            for c in range(C):
                if c == blank:
                    continue
                p = float(y[c])
                extended = nxt[(*prefix, c)]
                if c == last:
                    # "a" then "a" merges: only paths that ended in a blank start a new "a" ...
                    extended[1] = _logadd(extended[1], p_b + p)
                    # ... and those that ended in "a" stay on the same prefix
                    entry[1] = _logadd(entry[1], p_nb + p)
                else:
                    extended[1] = _logadd(extended[1], p_total + p)
        ranked = sorted(nxt.items(), key=lambda kv: _logadd(*kv[1]), reverse=True)
        beams = {prefix: (pb, pnb) for prefix, (pb, pnb) in ranked[:width]}
    best = max(beams.items(), key=lambda kv: _logadd(*kv[1]))
    return list(best[0])


def _check(log_probs: np.ndarray) -> None:
    if not isinstance(log_probs, np.ndarray) or log_probs.ndim != 2:
        shape = getattr(log_probs, "shape", type(log_probs).__name__)
        raise ValueError(f"log_probs: expected a numpy array (T, C), got {shape}")
