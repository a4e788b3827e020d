"""How lstmlab's fused C++ kernels split a layer's hidden units among the threads of their team
(``csrc/team.h``): one rule for every cell, decided here and passed to the ops as ``chunks``.

Thread c owns the units [chunks[c], chunks[c+1]) of every step, with its rows (LSTM) or columns
(GRU, RNN) of the recurrent weights in its cache, and the threads meet at one barrier per step.
"""

from __future__ import annotations

import functools

import torch

__all__ = ["PARALLEL_MIN_MACS", "CHUNK_ALIGN", "chunk_bounds", "unit_chunks"]

#: Per-step multiply-adds of the recurrent product (B·G·H·P) below which one thread runs the
#: sequence: a team and a barrier per step cost more than they save on tiny problems (B=32, H=64
#: gains from two threads; the test sizes do not).
PARALLEL_MIN_MACS = 1 << 17
#: Chunk boundaries are multiples of this many units: one AVX-512 register (and one cache line)
#: of floats.
CHUNK_ALIGN = 16


def chunk_bounds(H: int, parts: int) -> list[int]:
    """Split H units into at most ``parts`` chunks with boundaries on CHUNK_ALIGN: [0, …, H].

    The chunk size is the even share rounded to the nearest multiple of CHUNK_ALIGN (not up): H
    = 200 on two threads splits 96 + 104, not 112 + 88, and the slower thread sets each step's
    pace: against torch.nn at B = 32 (``bench.time_round_robin``, ``fused.LSTM`` against
    ``torch.LSTM``, 2026-12-02) H = 200 went 0.85–0.88 → 0.92 in training and 0.92–0.95 → 1.00
    in inference, H = 100 0.83–0.87 → 1.00–1.04 and 1.01–1.04 → 1.18–1.23."""
    return list(_bounds(H, parts))


@functools.lru_cache(maxsize=256)
def _bounds(H: int, parts: int) -> tuple[int, ...]:
    parts = max(1, min(parts, H // CHUNK_ALIGN))
    if parts == 1:
        return (0, H)
    share = -(-H // parts)  # ceil
    step = max(CHUNK_ALIGN, round(share / CHUNK_ALIGN) * CHUNK_ALIGN)
    return tuple(sorted({min(H, k * step) for k in range(parts)} | {H}))


def unit_chunks(H: int, macs: int) -> list[int]:
    """The chunks of H units for a call whose per-step recurrent product has ``macs``
    multiply-adds (B · W_hh.numel()): one per torch thread from PARALLEL_MIN_MACS on, else one.
    (The C++ runs them on fewer threads where it must: one without a Fortran BLAS.)"""
    parts = torch.get_num_threads() if macs >= PARALLEL_MIN_MACS else 1
    return chunk_bounds(H, parts)
