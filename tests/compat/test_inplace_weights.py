"""A tensor the backward needs, changed in place between forward and backward (an
``optimizer.step()`` before ``loss.backward()``), raises as torch.nn does, on every backend:
the fused ``autograd.Function``s save what their backward reads with ``save_for_backward``,
which checks tensor versions. Before, the fused LSTM silently used the old weights."""

from __future__ import annotations

import pytest
import torch

import lstmlab

KINDS = ("LSTM", "GRU", "RNN")
BACKENDS = ("fused", "reference")
INPLACE = "modified (by an )?inplace"  # torch words it two ways (plain tensor, or a view)


def _layers(kind, backend):
    torch.manual_seed(0)
    extra = {"proj_size": 2} if kind == "LSTM" else {}
    ours = getattr(lstmlab, kind)(3, 4, backend=backend, **extra)
    return ours, ours.to_torch()


@pytest.mark.parametrize("weight", ["weight_ih_l0", "weight_hh_l0"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_weight_changed_before_backward_raises(kind, backend, weight):
    """torch.nn raises here (with an input that requires grad, as in a stacked layer: its
    backward reads W_ih for dx). lstmlab raises even when the input needs no gradient: its
    backward is one unit that reads every weight."""
    for layer in reversed(_layers(kind, backend)):  # torch.nn first: it defines the behaviour
        out, _ = layer(torch.randn(5, 2, 3, requires_grad=True))
        with torch.no_grad():
            getattr(layer, weight).add_(0.1)  # what an early optimizer.step() does
        with pytest.raises(RuntimeError, match=INPLACE):
            out.sum().backward()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_projection_and_input_changed_before_backward_raise(kind, backend):
    ours, _ = _layers(kind, backend)
    x = torch.randn(5, 2, 3, requires_grad=True)
    y = x * 1.0  # a non-leaf input that the backward reads (for dW_ih)
    out, _ = ours(y)
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=INPLACE):
        out.sum().backward()
    if kind == "LSTM":
        out, _ = ours(torch.randn(5, 2, 3))
        with torch.no_grad():
            ours.weight_hr_l0.mul_(2)
        with pytest.raises(RuntimeError, match=INPLACE):
            out.sum().backward()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_unchanged_weights_still_train(kind, backend):
    """The version check fires only on a real change: step after backward is fine."""
    ours, _ = _layers(kind, backend)
    opt = torch.optim.SGD(ours.parameters(), lr=0.1)
    for _ in range(2):
        out, _ = ours(torch.randn(5, 2, 3))
        out.sum().backward()
        opt.step()
        opt.zero_grad()
