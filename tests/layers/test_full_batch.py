"""The full-batch path: a (T, B, I) call with no state asks the dispatch once and skips the
general path's layout and checks (``RecurrentBase._full_batch_kernel``). It must give what the
general path gives for the same call, which a zero initial state sends there: every variant,
both directions, several layers with dropout, batch_first, each kernel."""

from __future__ import annotations

import pytest
import torch

import lstmlab

LAYERS = [
    ("LSTM", {}),
    ("LSTM", {"variant": "peephole"}),
    ("LSTM", {"variant": "cifg"}),
    ("LSTM", {"variant": "fgr"}),
    ("LSTM", {"proj_size": 3}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("RNN", {"nonlinearity": "relu"}),
]


def _zero_state(layer: torch.nn.Module, B: int) -> torch.Tensor | tuple:
    """hx of zeros as the layer takes it: a tensor (GRU, RNN) or a tuple (LSTM, FGR's three)."""
    LD = layer.num_layers * layer.num_directions
    zeros = tuple(torch.zeros(LD, B, layer.state_size(k)) for k in layer.state_names)
    return zeros[0] if len(zeros) == 1 else zeros


@pytest.mark.parametrize("backend", ["auto", "reference"])
@pytest.mark.parametrize(("kind", "kw"), LAYERS, ids=[f"{k}-{kw}" for k, kw in LAYERS])
def test_full_batch_path_equals_general_path(kind, kw, backend):
    torch.manual_seed(0)
    layer = getattr(lstmlab, kind)(
        4, 6, 2, bidirectional=True, batch_first=True, dropout=0.3, backend=backend, **kw
    )
    x = torch.randn(5, 7, 4)  # B = 5 < 32: a plain LSTM goes to torch's op (rule 2)
    results = []
    for state in (None, _zero_state(layer, 5)):
        xi = x.clone().requires_grad_()
        torch.manual_seed(1)  # the same dropout masks on both paths
        out, final = layer(xi, state)
        finals = final if isinstance(final, tuple) else (final,)
        loss = out.square().sum() + sum(f.sum() for f in finals)
        grads = torch.autograd.grad(loss, [xi, *layer.parameters()])
        results.append((out, *finals, *grads))
    for fast, general in zip(*results, strict=True):
        torch.testing.assert_close(fast, general, rtol=0, atol=0)


def test_full_batch_path_returns_states_that_detach_in_place():
    """h_n is a tensor of its own, as torch.nn's: truncated-BPTT code calls ``detach_()`` on it,
    which a view would refuse."""
    layer = lstmlab.LSTM(4, 64, backend="fused")
    _, (h, c) = layer(torch.randn(3, 40, 4, requires_grad=True))
    h.detach_()
    c.detach_()
    assert not h.requires_grad and not c.requires_grad
