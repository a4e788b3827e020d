"""build_model: shapes for every kind, the LSTM initialisations, the Transformer's mask."""

import math

import pytest
import torch

from lstmlab import LSTM
from lstmlab.models import MODEL_KINDS, ModelConfig, SequenceModel, build_model, count_parameters
from lstmlab.tasks import make_task


@pytest.mark.parametrize("kind", MODEL_KINDS)
@pytest.mark.parametrize("task_name", ["adding", "copy"])
def test_output_is_one_vector_per_step(kind, task_name):
    task = make_task(task_name, 12)
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=16, layers=2), task)
    data = task.generate(3, seed=0)
    out = model(data.x)
    B, T, _ = data.x.shape
    assert out.shape == (B, T, task.output_size)
    assert torch.isfinite(out).all()
    assert count_parameters(model) > 0
    out.sum().backward()  # the whole model is differentiable


def test_recurrent_core_reads_inputs_directly_unless_asked():
    task = make_task("adding", 10)
    plain = build_model(ModelConfig(kind="lstm", hidden=8), task)
    mapped = build_model(ModelConfig(kind="lstm", hidden=8, input_linear=True), task)
    assert isinstance(plain.input_map, torch.nn.Identity)
    assert plain.core.input_size == task.input_size
    assert isinstance(mapped.input_map, torch.nn.Linear)
    assert mapped.core.input_size == 8


def _forget_rows(core: LSTM) -> slice:
    k, H = core.options.gates.index("f"), core.hidden_size
    return slice(k * H, (k + 1) * H)


@pytest.mark.parametrize("kind", ["lstm", "peephole", "cifg"])
def test_forget_bias_default_is_one(kind):
    model = build_model(ModelConfig(kind=kind, hidden=8), make_task("adding", 10))
    w = model.core.layer_weights(0)
    rows = _forget_rows(model.core)
    assert torch.equal(w["bias_ih"][rows] + w["bias_hh"][rows], torch.ones(8))


def test_variant_without_forget_gate_builds():
    model = build_model(ModelConfig(kind="nfg", hidden=8), make_task("adding", 10))
    assert "f" not in model.core.options.gates


def test_chrono_uses_the_task_lag_as_t_max():
    lag = 40
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="lstm", hidden=64, chrono=True), make_task("adding", lag))
    w = model.core.layer_weights(0)
    b_f = w["bias_ih"][_forget_rows(model.core)]
    assert b_f.min() >= 0 and b_f.max() <= math.log(lag - 1)
    assert b_f.max() > math.log(lag - 1) - 1  # spread over the range, not the 1.0 default


def test_transformer_is_causal_when_the_task_is():
    task = make_task("copy", 6)  # scored at every step: causal
    assert task.causal
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="transformer", hidden=16), task).eval()
    x = task.generate(2, seed=0).x
    t = 5
    changed = x.clone()
    changed[:, t + 1 :] = torch.randn_like(changed[:, t + 1 :])
    with torch.no_grad():
        a, b = model(x), model(changed)
    assert torch.allclose(a[:, : t + 1], b[:, : t + 1], atol=1e-6)
    assert not torch.allclose(a[:, t + 1 :], b[:, t + 1 :])


def test_sequence_model_features_are_the_core_outputs():
    task = make_task("adding", 10)
    model = build_model(ModelConfig(kind="gru", hidden=8), task)
    assert isinstance(model, SequenceModel) and model.recurrent
    x = task.generate(4, seed=1).x
    out, _ = model.core(x.transpose(0, 1))
    assert torch.equal(model.features(x), out.transpose(0, 1))
