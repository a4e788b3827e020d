"""A small model trained by the one loop learns a separable toy task (beats the majority)."""

from __future__ import annotations

from collections import Counter

from lstmlab.apps.sentiment.corpus import Corpus
from lstmlab.apps.sentiment.encode import encode_texts
from lstmlab.apps.sentiment.model import SentimentLSTM
from lstmlab.apps.sentiment.problem import SentimentProblem
from lstmlab.apps.sentiment.split import split_corpus
from lstmlab.apps.sentiment.vocab import Vocabulary
from lstmlab.training import LoopConfig, fit

from .conftest import toy_sentences


def test_a_small_model_learns_the_toy_task():
    pairs = toy_sentences(400, seed=5)
    corpus = Corpus([t for t, _ in pairs], [y for _, y in pairs])
    splits = split_corpus(corpus, seed=0, val_fraction=0.2, test_fraction=0.2)
    vocab = Vocabulary.build(splits["train"].texts, min_count=1)
    encoded = {k: (encode_texts(vocab, v.texts, 20), v.labels) for k, v in splits.items()}
    problem = SentimentProblem(encoded, batch_size=16, seed=0)
    cfg = LoopConfig(steps=150, lr=1e-2, eval_every=50, patience=None)
    result = fit(
        problem, lambda: SentimentLSTM(len(vocab), 16, 8, dropout=0.1), cfg, progress=False
    )
    majority = Counter(splits["test"].labels).most_common(1)[0][1] / len(splits["test"])
    assert majority < 0.65
    assert result.metrics["accuracy"] >= 0.9 > majority
    assert result.metrics["macro_f1"] >= 0.9


def test_batches_depend_only_on_seed_and_step():
    seqs, labels = [[i + 2] for i in range(10)], [i % 2 for i in range(10)]
    splits = {k: (seqs, labels) for k in ("train", "val", "test")}
    a = SentimentProblem(splits, batch_size=4, seed=1)
    b = SentimentProblem(splits, batch_size=4, seed=1)
    first = [a.batch(s)[0].flatten().tolist() for s in range(4)]
    assert [b.batch(s)[0].flatten().tolist() for s in (3, 2, 1, 0)] == first[::-1]
    epoch0 = first[0] + first[1]  # 2 steps per epoch: each sentence at most once
    assert len(set(epoch0)) == 8
