"""``unroll`` is the layer's own reference recurrence with a per-step hook: every kind runs
through it, and the recorded states carry the total derivative through both the next step and
the layer above."""

import pytest
import torch

from lstmlab.cells import LSTMWeights, lstm_step
from lstmlab.diagnostics import unroll
from lstmlab.models import MIN_KINDS, XLSTM_KINDS, ModelConfig, build_model
from lstmlab.tasks import make_task


def test_lower_layer_states_get_the_derivative_through_both_paths():
    """A step loop written here from the cell equations: h_t of layer 0 feeds step t + 1 of
    layer 0 and step t of layer 1; its gradient must include both."""
    torch.manual_seed(0)
    layer = build_model(ModelConfig(kind="lstm", hidden=5, layers=2), make_task("adding", 6)).core
    z = torch.randn(6, 3, layer.input_size, dtype=torch.float32)
    top, states = unroll(layer, z)
    hs = [s for per_step in states["h"] for s in per_step]
    for s in hs:
        s.retain_grad()
    top.pow(2).sum().backward()
    got = [states["h"][t][0].grad.clone() for t in range(6)]

    T, B = z.shape[:2]
    w = [LSTMWeights(**layer.layer_weights(k)) for k in range(2)]
    h = [z.new_zeros(B, 5) for _ in range(2)]
    c = [z.new_zeros(B, 5) for _ in range(2)]
    h0_states = []
    for t in range(T):
        inp = z[t]
        for k in range(2):
            y = lstm_step(layer.options, w[k], inp, h[k], c[k])
            h[k], c[k] = y.h, y.c
            if k == 0:
                y.h.retain_grad()
                h0_states.append(y.h)
            inp = y.h
    h[1].pow(2).sum().backward()
    for t in range(T):
        torch.testing.assert_close(got[t], h0_states[t].grad, rtol=1e-5, atol=1e-7)
    assert got[0].abs().sum() > 0  # the earliest state still gets a gradient


@pytest.mark.parametrize("kind", [*MIN_KINDS, *XLSTM_KINDS])
def test_every_kind_runs_on_the_reference_recurrence(kind):
    task = make_task("adding", 7)
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=8, layers=2), task).eval()
    z = task.generate(3, seed=0).x.transpose(0, 1)  # (T, B, I)
    top, states = unroll(model.core, z)
    torch.testing.assert_close(top, model.core(z)[0][-1], rtol=1e-4, atol=1e-5)
    assert all(len(per_step) == 2 for name in states for per_step in states[name])
    assert len(next(iter(states.values()))) == 7
    assert set(states) == ({"c"} if kind == "mlstm" else {"h", "c"} if kind == "slstm" else {"h"})
