"""The classifier: shapes, each pooling, padding that changes nothing, any LSTM variant."""

from __future__ import annotations

import pytest
import torch

from lstmlab.apps.sentiment.encode import pad
from lstmlab.apps.sentiment.model import POOLINGS, SentimentLSTM


@pytest.mark.parametrize("pooling", POOLINGS)
def test_padding_does_not_change_a_sentence(pooling):
    torch.manual_seed(0)
    model = SentimentLSTM(20, 8, 6, pooling=pooling).eval()
    alone_tokens, alone_len = pad([[3, 4, 5]])
    batch_tokens, batch_len = pad([[3, 4, 5], [6, 7, 8, 9, 10, 11, 12]])
    alone = model(alone_tokens, alone_len)  # (1, 2)
    together = model(batch_tokens, batch_len)  # (2, 2)
    assert together.shape == (2, 2)
    torch.testing.assert_close(alone[0], together[0])


def test_max_pooling_is_the_maximum_over_steps():
    torch.manual_seed(0)
    model = SentimentLSTM(20, 8, 6, pooling="max").eval()
    tokens, lengths = pad([[3, 4, 5]])
    out, _ = model.lstm(model.embedding(tokens), lengths=lengths)  # (1, 3, 12)
    expected = model.classifier(out.amax(dim=1))
    torch.testing.assert_close(model(tokens, lengths), expected)


@pytest.mark.parametrize("variant", ["cifg", "peephole"])
def test_variants_train(variant):
    torch.manual_seed(0)
    model = SentimentLSTM(20, 8, 6, variant=variant)
    tokens, lengths = pad([[3, 4], [5, 6, 7]])
    model(tokens, lengths).sum().backward()
    assert model.lstm.variant == variant
    assert all(p.grad is not None for p in model.lstm.parameters())


def test_bad_pooling():
    with pytest.raises(ValueError, match="pooling: expected one of max, mean, last, got 'sum'"):
        SentimentLSTM(20, 8, 6, pooling="sum")
