"""The word-by-word trace: entry k is the model's answer for the first k words alone."""

from __future__ import annotations

import pytest
import torch

from lstmlab.apps.sentiment.encode import pad
from lstmlab.apps.sentiment.model import SentimentLSTM
from lstmlab.apps.sentiment.plot import trace_png, trace_text
from lstmlab.apps.sentiment.trace import trace_sentence
from lstmlab.apps.sentiment.vocab import Vocabulary


@pytest.fixture
def setup():
    torch.manual_seed(0)
    vocab = Vocabulary.build(["the film is good but not great ."], min_count=1)
    return vocab, SentimentLSTM(len(vocab), 8, 6).eval()


def test_each_entry_is_the_prefix_alone(setup):
    vocab, model = setup
    trace = trace_sentence(model, vocab, "The film is good, but not great", max_len=20)
    assert trace.tokens == ["the", "film", "is", "good", ",", "but", "not", "great"]
    assert trace.known == [True, True, True, True, False, True, True, True]
    ids = vocab.encode(trace.tokens)
    for k in range(1, len(ids) + 1):
        tokens, lengths = pad([ids[:k]])
        alone = torch.softmax(model(tokens, lengths), dim=1)[0, 1].item()
        assert trace.p_positive[k - 1] == pytest.approx(alone, abs=1e-6)
    p = trace.p_positive[-1]
    assert trace.label == ("positive" if p >= 0.5 else "negative")
    assert trace.probability == pytest.approx(max(p, 1 - p))


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        ("", "sentence: expected a non-empty sentence, got ''"),
        ("   \n", "sentence: expected a non-empty sentence"),
        ("good " * 21, "sentence: expected at most 20 tokens .* got 21"),
    ],
)
def test_bad_sentences(setup, sentence, message):
    vocab, model = setup
    with pytest.raises(ValueError, match=message):
        trace_sentence(model, vocab, sentence, max_len=20)


def test_pictures(setup):
    vocab, model = setup
    trace = trace_sentence(model, vocab, "good but not great", max_len=20)
    assert trace_png(trace)[:8] == b"\x89PNG\r\n\x1a\n"
    text = trace_text(trace)
    assert text.plain.startswith("good(") and len(text.spans) == 2 * len(trace.tokens)
