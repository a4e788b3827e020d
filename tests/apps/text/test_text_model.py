import pytest
import torch
from torch.nn import functional as F

from lstmlab.apps.text.model import CharModel, matched_transformer
from lstmlab.apps.text.problem import TextProblem
from lstmlab.apps.text.sample import generate, next_char_probs
from lstmlab.apps.text.streams import TrainStreams
from lstmlab.layers import truncated_bptt
from lstmlab.models import ModelConfig, count_parameters


@pytest.mark.parametrize("kind", ["lstm", "cifg", "gru"])
def test_carried_state_equals_one_unchunked_forward(kind):
    torch.manual_seed(0)
    model = CharModel(11, ModelConfig(kind=kind, hidden=16), embedding=8, context=5)
    x = torch.randint(0, 11, (3, 40))
    whole, _ = model(x)
    state, parts = None, []
    for a in range(0, 40, 7):
        logits, state = model(x[:, a : a + 7], state)
        parts.append(logits)
    torch.testing.assert_close(torch.cat(parts, dim=1), whole)
    # The same as the layer-level truncated BPTT of the lab.
    z = model.embed(x).transpose(0, 1)  # (T, B, E)
    outs = [out for out, _ in truncated_bptt(model.core, z, 7)]
    torch.testing.assert_close(model.head(torch.cat(outs).transpose(0, 1)), whole)


def test_loss_carries_detached_state_and_resets_at_a_new_pass():
    torch.manual_seed(0)
    ids = torch.randint(0, 5, (600,))
    splits = {"train": ids, "val": ids[:100], "test": ids[:100]}
    problem = TextProblem(splits, batch_size=4, span=10, eval_rows=2, eval_warmup=3, val_chars=None)
    model = CharModel(5, ModelConfig(hidden=8), embedding=4, context=10)
    streams = TrainStreams(ids, 4, 10)
    _, carry = problem.loss(model, problem.batch(0), None)
    assert all(not c.requires_grad for c in carry)
    loss1, _ = problem.loss(model, problem.batch(1), carry)
    # Carrying equals reading both chunks in one go and scoring the second.
    both = torch.cat([streams.batch(0).x, streams.batch(1).x], dim=1)
    logits, _ = model(both)
    ref = F.cross_entropy(logits[:, 10:].transpose(1, 2), streams.batch(1).y)
    torch.testing.assert_close(loss1, ref)
    restart = problem.batch(streams.chunks)
    loss_reset, _ = problem.loss(model, restart, carry)
    loss_fresh, _ = problem.loss(model, restart, None)
    assert loss_reset == loss_fresh


def test_transformer_matches_the_parameter_count():
    lstm = CharModel(84, ModelConfig(hidden=128), embedding=32, context=64)
    n = count_parameters(lstm)
    cfg, m = matched_transformer(84, n, layers=2, context=64)
    assert cfg.kind == "transformer" and abs(m - n) / n < 0.1
    assert count_parameters(CharModel(84, cfg, cfg.hidden, 64)) == m


def test_transformer_is_causal():
    torch.manual_seed(0)
    cfg, _ = matched_transformer(7, 3000, layers=1, context=12)
    model = CharModel(7, cfg, cfg.hidden, 12).eval()
    x = torch.randint(0, 7, (2, 12))
    y = x.clone()
    y[:, 8:] = (y[:, 8:] + 1) % 7  # change the future only
    torch.testing.assert_close(model(x)[0][:, :8], model(y)[0][:, :8])


def test_sampling_filters():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    torch.testing.assert_close(
        next_char_probs(logits).float(), torch.tensor([0.5, 0.3, 0.15, 0.05])
    )
    p = next_char_probs(logits, top_k=2)
    assert p[2:].sum() == 0 and p[0] == pytest.approx(0.625)
    p = next_char_probs(logits, top_p=0.7)  # 0.5 < 0.7 ≤ 0.8: keeps the first two
    assert (p > 0).tolist() == [True, True, False, False]
    cold = next_char_probs(logits, temperature=0.1)
    assert cold[0] > 0.99
    with pytest.raises(ValueError, match="temperature: expected a number > 0, got 0"):
        next_char_probs(logits, temperature=0)
    with pytest.raises(ValueError, match=r"top_p: expected a number in \(0, 1\], got 1.5"):
        next_char_probs(logits, top_p=1.5)


def test_generate_is_reproducible_and_leaves_global_rng_alone():
    torch.manual_seed(0)
    model = CharModel(9, ModelConfig(hidden=8), embedding=4, context=6)
    before = torch.get_rng_state()
    a = list(generate(model, torch.tensor([1, 2, 3]), 30, seed=5))
    b = list(generate(model, torch.tensor([1, 2, 3]), 30, seed=5))
    assert a == b and len(a) == 30 and all(0 <= k < 9 for k in a)
    assert torch.equal(torch.get_rng_state(), before)
    cfg, _ = matched_transformer(9, 2000, layers=1, context=6)
    tr = CharModel(9, cfg, cfg.hidden, 6)
    assert len(list(generate(tr, torch.arange(9), 10, seed=1, context=6))) == 10


def test_building_the_models_leaves_the_global_rng_alone():
    from lstmlab.apps.text.config import TextConfig
    from lstmlab.apps.text.train import make_models

    before = torch.get_rng_state()
    make_models(TextConfig(hidden=16, embedding=8), 20)
    assert torch.equal(torch.get_rng_state(), before)
