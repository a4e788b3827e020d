"""The diagnostics read sLSTM and mLSTM cores: the unrolled cells are the layer, the gradient
flow through them equals autograd through the layer, and the gate traces come out per step."""

import pytest
import torch

from lstmlab.diagnostics import gate_traces, gradient_flow, unroll
from lstmlab.models import XLSTM_KINDS, ModelConfig, build_model
from lstmlab.tasks import make_task


@pytest.mark.parametrize("kind", XLSTM_KINDS)
def test_unroll_computes_what_the_layer_computes(kind):
    task = make_task("adding", 9)
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=8, layers=2, heads=2), task)
    z = task.generate(3, seed=0).x.transpose(0, 1)  # (T, B, I)
    out, _ = model.core(z)
    top, states = unroll(model.core, z)
    torch.testing.assert_close(top, out[-1], rtol=1e-5, atol=1e-6)
    assert len(states["c"]) == 9 and len(states["c"][0]) == 2
    assert ("h" in states) == (kind == "slstm")  # the mLSTM's only recurrent state is C


@pytest.mark.parametrize("kind", XLSTM_KINDS)
def test_input_gradients_match_autograd_on_the_layer(kind):
    task = make_task("adding", 12)
    torch.manual_seed(1)
    model = build_model(ModelConfig(kind=kind, hidden=8, heads=2), task)
    data = task.generate(4, seed=2)
    flow = gradient_flow(model, task, data.x, data.y)
    x = data.x.clone().requires_grad_(True)
    ((model(x)[:, -1] - data.y) ** 2).sum().backward()
    per_step = x.grad.norm(dim=2).mean(0).flip(0)  # by distance from the last step
    torch.testing.assert_close(torch.tensor(flow.x), per_step, rtol=1e-4, atol=1e-9)
    assert len(flow.c) == 12 and (flow.h is None) == (kind == "mlstm")
    traces = gate_traces(model, data.x[0])
    assert traces["h"].shape == (12, 8)
