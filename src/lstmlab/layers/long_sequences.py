"""Training on long sequences: checkpointed BPTT and truncated BPTT.

Checkpointed BPTT (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"; Gruslys
et al. 2016 for RNNs) keeps only the state at the boundaries of time chunks and recomputes each
chunk's activations when backward reaches it: activation memory O(T/k + k) instead of O(T),
smallest at k ≈ √T, for about one extra forward pass. The gradients are exact.

Truncated BPTT (Williams & Peng 1990) carries the state across chunks of a long stream but cuts
the gradient at chunk boundaries: memory O(k), gradients only over the last k steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from lstmlab.checks import check_int
from lstmlab.layers.base import RecurrentBase

__all__ = ["checkpointed", "truncated_bptt", "saved_activation_bytes"]

State = Tensor | tuple[Tensor, ...]


def _time_major(layer: RecurrentBase, input: object, what: str) -> Tensor:
    if not isinstance(input, Tensor) or input.dim() != 3:
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"input: {what} expects a batched 3-D tensor, got {got}")
    if layer.bidirectional:
        raise ValueError(
            f"layer: {what} needs a unidirectional layer (the reverse direction "
            "reads the whole future), got bidirectional=True"
        )
    return input.transpose(0, 1) if layer.batch_first else input  # (T, B, I)


def _detach(layer: RecurrentBase, state: State) -> State:
    return layer.state_result([s.detach() for s in layer.state_tensors(state)])


def checkpointed(
    layer: RecurrentBase, input: Tensor, hx: State | None = None, *, chunk: int | None = None
) -> tuple[Tensor, State]:
    """``layer(input, hx)`` with activation memory O(T/chunk + chunk); same values and gradients.

    ``chunk`` defaults to ⌈√T⌉. Each chunk runs under ``torch.utils.checkpoint`` (non-reentrant,
    RNG state preserved so dropout recomputes identically)."""
    x = _time_major(layer, input, "checkpointed")
    T = x.shape[0]
    k = check_int("chunk", chunk, 1) if chunk is not None else max(1, math.isqrt(T - 1) + 1)

    def run(piece: Tensor, *state: Tensor) -> tuple[Tensor, ...]:
        h = None if not state else (state if len(state) > 1 else state[0])
        out, new = layer(piece.transpose(0, 1) if layer.batch_first else piece, h)
        return (out, *layer.state_tensors(new))

    state: tuple[Tensor, ...] = () if hx is None else layer.state_tensors(hx)
    outs = []
    for s in range(0, T, k):
        out, *state = checkpoint(run, x[s : s + k], *state, use_reentrant=False)
        outs.append(out)
    output = torch.cat(outs, dim=1 if layer.batch_first else 0)
    return output, layer.state_result(state)


def truncated_bptt(
    layer: RecurrentBase, stream: Tensor, chunk: int, hx: State | None = None
) -> Iterator[tuple[Tensor, State]]:
    """Yield ``(output, state)`` for consecutive chunks of ``stream``; the state entering each
    chunk is the previous chunk's, detached, so backward stops at the chunk boundary."""
    x = _time_major(layer, stream, "truncated_bptt")
    k = check_int("chunk", chunk, 1)
    state = hx
    for s in range(0, x.shape[0], k):
        piece = x[s : s + k]
        out, state = layer(piece.transpose(0, 1) if layer.batch_first else piece, state)
        yield out, state
        state = _detach(layer, state)


def saved_activation_bytes(fn: Callable[[], object]) -> int:
    """Bytes of the tensors autograd saves for backward while ``fn()`` runs: the activation
    memory of training, measured exactly (a tensor saved twice is counted twice)."""
    total = 0

    def pack(t: Tensor) -> Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return total
