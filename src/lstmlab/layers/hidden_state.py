"""What ``lstmlab.GRU`` and ``lstmlab.RNN`` share: a state of h alone and torch.nn's four
parameters per layer and direction (W_ih, W_hh, b_ih, b_hh), run by a kernel function of
``lstmlab.kernels`` that takes the cell's own option after them."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from lstmlab.layers.base import RecurrentBase

__all__ = ["HiddenStateLayer"]

#: torch.nn's parameters of one layer and direction, in the kernels' order.
WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class HiddenStateLayer(RecurrentBase):
    """A layer whose cell is ``shapes`` and ``sequence``: (input_size, hidden_size, bias) → the
    parameters' shapes, and the kernel function run for one layer and direction, given the
    attribute named ``option`` (GRU's ``reset_after``, RNN's ``nonlinearity``)."""

    shapes: Callable[[int, int, bool], dict[str, tuple[int, ...]]]
    sequence: Callable[..., tuple[Tensor, Tensor, dict[str, Tensor] | None]]
    option: str

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        return self.shapes(input_size, self.hidden_size, self.bias)

    def run(self, x, batch_sizes, state, weights, **how):
        w = [weights.get(k) for k in WEIGHTS]
        cell_option = getattr(self, self.option)
        out, h, gates = self.sequence(x, batch_sizes, state[0], w, cell_option, **how)
        return out, [h], gates
