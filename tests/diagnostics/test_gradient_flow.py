"""Gradient flow: the unrolled recurrence is the layer, the vanishing gradient is measurable."""

import math

import pytest
import torch

from lstmlab.diagnostics import fit_decay, gate_traces, gradient_flow, unroll
from lstmlab.models import RECURRENT_KINDS, ModelConfig, build_model
from lstmlab.tasks import make_task


@pytest.mark.parametrize("kind", RECURRENT_KINDS)
def test_unroll_computes_what_the_layer_computes(kind):
    task = make_task("adding", 9)
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=6, layers=2), task)
    z = task.generate(3, seed=0).x.transpose(0, 1)  # (T, B, I)
    out, _ = model.core(z)
    top, states = unroll(model.core, z)
    torch.testing.assert_close(top, out[-1], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(states["h"][-1][-1], out[-1], rtol=1e-5, atol=1e-6)
    assert len(states["h"]) == 9 and len(states["h"][0]) == 2
    assert ("c" in states) == (kind not in ("rnn", "gru"))


def test_gradients_match_autograd_on_the_layer():
    """‖∂L/∂x_t‖ from the unrolled cells equals the one through the layer itself."""
    task = make_task("adding", 15)
    torch.manual_seed(1)
    model = build_model(ModelConfig(kind="lstm", hidden=8), task)
    data = task.generate(4, seed=2)
    flow = gradient_flow(model, task, data.x, data.y)
    x = data.x.clone().requires_grad_(True)
    ((model(x)[:, -1] - data.y) ** 2).sum().backward()
    per_step = x.grad.norm(dim=2).mean(0).flip(0)  # by distance from the last step
    torch.testing.assert_close(torch.tensor(flow.x), per_step, rtol=1e-4, atol=1e-9)
    assert flow.distance == list(range(15))
    assert len(flow.h) == len(flow.c) == 15


def test_rnn_gradient_vanishes_and_lstm_gradient_survives_at_init():
    """Distance 50 at lag 100, forget bias 1 (Jozefowicz et al. 2015), initialisation only."""
    task = make_task("adding", 100)
    data = task.generate(32, seed=5)
    norms = {}
    for kind in ("rnn", "lstm"):
        torch.manual_seed(0)
        model = build_model(ModelConfig(kind=kind, hidden=32, forget_bias=1.0), task)
        norms[kind] = gradient_flow(model, task, data.x, data.y).h[50]
    assert norms["lstm"] > 1e3 * norms["rnn"], norms


def test_transformer_has_input_gradients_only():
    task = make_task("adding", 12)
    model = build_model(ModelConfig(kind="transformer", hidden=16), task)
    data = task.generate(4, seed=0)
    flow = gradient_flow(model, task, data.x, data.y)
    assert flow.h is None and flow.c is None and len(flow.x) == 12
    assert gate_traces(model, data.x[0]) == {}


def test_cross_entropy_task():
    task = make_task("temporal_order", 20)
    model = build_model(ModelConfig(kind="gru", hidden=8), task)
    data = task.generate(4, seed=0)
    flow = gradient_flow(model, task, data.x, data.y)
    assert flow.c is None and all(math.isfinite(g) for g in flow.h)


def test_fit_decay_recovers_an_exponential():
    distance = list(range(40))
    norm = [3.0 * 0.8**d for d in distance]
    norm[20] = 0.0  # an underflow is skipped, not a crash
    fit = fit_decay(distance, norm)
    assert fit["factor_per_step"] == pytest.approx(0.8)
    assert fit["half_life"] == pytest.approx(math.log(2) / -math.log(0.8))
    assert fit["points"] == 38  # d = 0 and the zero are left out
    assert math.isnan(fit_decay([0, 1], [1.0, 0.5])["slope"])


def test_gate_traces_of_an_lstm_and_a_gru():
    task = make_task("adding", 10)
    x = task.generate(1, seed=0).x[0]
    lstm = build_model(ModelConfig(kind="cifg", hidden=5, layers=2), task)
    gates = gate_traces(lstm, x)
    assert set(gates) == {"f", "i", "g", "o", "c", "h"}
    assert all(g.shape == (10, 5) for g in gates.values())
    torch.testing.assert_close(gates["i"], 1 - gates["f"])  # coupled
    gru = build_model(ModelConfig(kind="gru", hidden=5), task)
    assert set(gate_traces(gru, x)) == {"r", "z", "n", "h"}
