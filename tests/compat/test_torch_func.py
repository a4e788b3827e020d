"""torch.func.grad through functional_call equals torch.nn's gradients on the same weights,
on both backends (the fused autograd.Functions have the forward/setup_context split torch.func
needs; before, torch.func.grad raised)."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call, grad

import lstmlab

DTYPE = torch.float64
LAYERS = {
    "LSTM": dict(kind="LSTM", proj_size=2, bidirectional=True),
    "GRU": dict(kind="GRU", num_layers=2),
    "RNN-relu": dict(kind="RNN", nonlinearity="relu"),
}


@pytest.mark.parametrize("backend", ["fused", "reference"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_func_grad_equals_torch(name, backend):
    kwargs = dict(LAYERS[name])
    kind = kwargs.pop("kind")
    torch.manual_seed(0)
    ours = getattr(lstmlab, kind)(3, 4, backend=backend, dtype=DTYPE, **kwargs)
    theirs = ours.to_torch()
    x = torch.randn(5, 2, 3, dtype=DTYPE)
    params = {k: v.detach() for k, v in ours.named_parameters()}

    def loss(params, module, x):
        out, state = functional_call(module, params, (x,))
        states = state if isinstance(state, tuple) else (state,)
        return (out**2).sum() + sum(s.sum() for s in states)

    for argnums in (0, 2):  # the weights, and the input
        got = grad(loss, argnums=argnums)(params, ours, x)
        want = grad(loss, argnums=argnums)(params, theirs, x)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
