"""Small models learn through the one training loop: CTC on toy 'spoken' digits whose every
digit is a noisy fixed pattern, and the word classifier on single patterns."""

import numpy as np
import pytest
import torch

from lstmlab.apps.speech.corpus import DIGITS, Split
from lstmlab.apps.speech.features import FEATURE_SIZE
from lstmlab.apps.speech.model import CoreConfig, CTCModel, WordModel
from lstmlab.apps.speech.problem import CTCProblem, WordProblem, labels_to_text, text_to_labels
from lstmlab.training import LoopConfig, fit

PATTERNS = np.random.default_rng(0).normal(0, 1, (10, FEATURE_SIZE)).astype(np.float32)


def _toy_split(n: int, seed: int, max_digits: int = 3) -> Split:
    rng = np.random.default_rng(seed)
    inputs, texts = [], []
    for _ in range(n):
        digits = rng.integers(0, 10, rng.integers(1, max_digits + 1))
        steps = [np.zeros((1, FEATURE_SIZE), np.float32)]
        for d in digits:  # 3 steps of the digit's pattern, then a pause
            steps += [np.repeat(PATTERNS[d][None], 3, 0), np.zeros((1, FEATURE_SIZE), np.float32)]
        x = np.concatenate(steps)  # (T, F)
        x = x + rng.normal(0, 0.3, x.shape)
        inputs.append(x.astype(np.float16))
        texts.append(" ".join(DIGITS[d] for d in digits))
    return Split(inputs, texts, ["en" if i % 2 else "fr" for i in range(n)], ["toy"] * n)


def test_labels_round_trip():
    assert text_to_labels("0 9 3") == [1, 10, 4]
    assert labels_to_text([1, 10, 4]) == "0 9 3"


def test_a_tiny_ctc_model_learns_toy_digits():
    splits = {"train": _toy_split(200, 0), "val": _toy_split(40, 1), "test": _toy_split(40, 2)}
    problem = CTCProblem(splits, batch_size=16, seed=0)
    core = CoreConfig("lstm", hidden=24, layers=1, dropout=0.0)
    cfg = LoopConfig(steps=250, lr=1e-2, eval_every=50, patience=None, threads=1)
    before = problem.evaluate(CTCModel(core, FEATURE_SIZE, 10).eval(), "test")
    result = fit(problem, lambda: CTCModel(core, FEATURE_SIZE, 10), cfg, progress=False)
    assert before["wer"] > 0.8
    assert result.metrics["wer"] < 0.1, result.metrics
    assert set(result.metrics) >= {"loss", "metric", "wer_en", "wer_fr", "string_acc"}


def test_a_tiny_word_model_learns_toy_words():
    def words(n, seed):
        rng = np.random.default_rng(seed)
        ks = rng.integers(0, 10, n)
        xs = [
            np.repeat(PATTERNS[k][None], 4, 0) + rng.normal(0, 0.5, (4, FEATURE_SIZE)) for k in ks
        ]
        return Split(
            [x.astype(np.float16) for x in xs], [DIGITS[k] for k in ks], ["en"] * n, [""] * n
        )

    splits = {"train": words(200, 0), "val": words(40, 1), "test": words(40, 2)}
    problem = WordProblem(splits, DIGITS, batch_size=16, seed=0)
    core = CoreConfig("cifg", hidden=16, layers=1, dropout=0.0)
    cfg = LoopConfig(steps=60, lr=1e-2, eval_every=30, patience=None, threads=1)
    result = fit(problem, lambda: WordModel(core, FEATURE_SIZE, 10), cfg, progress=False)
    assert result.metrics["accuracy"] > 0.9


@pytest.mark.parametrize("kind", ["rnn", "gru", "peephole"])
def test_any_core_runs_both_directions_on_padded_batches(kind):
    torch.manual_seed(0)
    model = CTCModel(CoreConfig(kind, hidden=8, layers=2), FEATURE_SIZE, 10).eval()
    x = torch.randn(3, 7, FEATURE_SIZE)
    lengths = torch.tensor([7, 4, 2])
    out = model(x, lengths)  # (T, B, 11)
    assert out.shape == (7, 3, 11)
    # padding does not leak into a shorter sequence's outputs, in either direction
    alone = model(x[1:2, :4], torch.tensor([4]))
    assert torch.allclose(out[:4, 1], alone[:, 0], atol=1e-5)
