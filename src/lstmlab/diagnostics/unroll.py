"""A recurrent layer unrolled step by step, so that every state h_t, c_t is a tensor of its own
whose gradient can be read.

It is the layer's own forward on the reference recurrence (``lstmlab.kernels.reference``), which
hands every step's new state to a hook (``stepwise``): one code path for every layer of the
family, the same equations the layer computes, no copy of its loop here.
"""

from __future__ import annotations

import copy

from torch import Tensor

from lstmlab.kernels.reference import State, stepwise
from lstmlab.layers.base import RecurrentBase

__all__ = ["unroll"]

#: The states reported, under the diagnostics' names: the hidden state and the cell's memory
#: (an mLSTM's matrix memory C is its "c"). Other states (FGR's s, the sLSTM's normaliser and
#: stabiliser) are internal to a step's arithmetic and are not reported.
REPORTED = {"h": "h", "c": "c", "C": "c"}


def unroll(core: RecurrentBase, z: Tensor) -> tuple[Tensor, dict[str, list[list[Tensor]]]]:
    """Run ``core`` (unidirectional, time-major) on z (T, B, I) one step at a time.

    Returns the top layer's last output (B, H) and the states: ``states[name][t][k]`` is state
    ``name`` ("h", and "c" for an LSTM) of layer k after step t, each (B, ·), each the very tensor
    that step t + 1 and layer k + 1 read, so its ``.grad`` (after ``retain_grad``) is the total
    derivative ∂L/∂h_t. Dropout between layers is not applied. An sLSTM reports h and c (in the
    stabilised units the next step reads); an mLSTM, whose only recurrent state is its memory,
    reports C as "c" (B, NH, d, d).
    """
    if core.num_directions != 1:
        raise ValueError(
            f"core: expected a unidirectional layer, got {core.num_directions} directions"
        )
    T = z.shape[0]  # steps
    # The same parameters on the reference recurrence, in eval mode and step by step (a layer
    # with several forms of its full-batch computation, the mLSTM, takes the recurrent one).
    twin = copy.copy(core)
    twin.backend, twin.training = "reference", False
    if hasattr(twin, "form"):
        twin.form = "recurrent"
    names = [(i, REPORTED[n]) for i, n in enumerate(core.state_names) if n in REPORTED]
    states: dict[str, list[list[Tensor]]] = {n: [[] for _ in range(T)] for _, n in names}
    steps = 0

    def record(t: int, new: State) -> None:  # layer after layer, each over t = 0 .. T − 1
        nonlocal steps
        for i, name in names:
            states[name][t].append(new[i])
        steps += 1

    with stepwise(record):
        out = twin(z)[0]  # (T, B, H)
    if steps != T * core.num_layers:
        raise RuntimeError(
            f"core: expected {T * core.num_layers} reference steps ({core.num_layers} layers × "
            f"{T}), got {steps}; {type(core).__name__} does not run on the reference recurrence"
        )
    return out[-1], states
