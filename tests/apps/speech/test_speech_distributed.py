"""A data-parallel share of a CTC batch: the labels of all utterances are concatenated, so they
are split by the utterances' label counts, and the shares' mean loss is the batch's loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lstmlab.apps.speech.corpus import Split
from lstmlab.apps.speech.problem import CTCProblem


def _problem(batch_size: int) -> CTCProblem:
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(list("0123456789"), size=k)) for k in (1, 2, 3, 4, 2, 5, 1, 3)]
    inputs = [rng.standard_normal((12 + 3 * i, 5)).astype(np.float16) for i in range(8)]
    split = Split(inputs, texts, ["en"] * 8, ["s"] * 8)
    return CTCProblem({"train": split, "val": split, "test": split}, batch_size, seed=1)


def test_shares_of_a_ctc_batch_hold_their_own_labels():
    problem = _problem(batch_size=6)
    x, lengths, targets, target_lengths = problem.batch(0)
    shares = [problem.shard((x, lengths, targets, target_lengths), r, 2) for r in range(2)]
    assert torch.equal(torch.cat([s[0] for s in shares]), x)
    assert torch.equal(torch.cat([s[2] for s in shares]), targets)
    assert [len(s[2]) for s in shares] == [int(s[3].sum()) for s in shares]

    log_probs = torch.randn(x.shape[1], 6, 11).log_softmax(-1)  # (T, B, C)

    def loss(lp, t, n, tn):
        return F.ctc_loss(lp, t, n, tn, zero_infinity=True)

    whole = loss(log_probs, targets, lengths, target_lengths)
    parts = [loss(log_probs[:, 3 * r : 3 * r + 3], s[2], s[1], s[3]) for r, s in enumerate(shares)]
    assert float(sum(parts) / 2) == pytest.approx(float(whole), rel=1e-6)
