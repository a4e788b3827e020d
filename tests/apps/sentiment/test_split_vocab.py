"""The split (fixed by the seed, stratified, disjoint) and the tokens and vocabulary."""

from __future__ import annotations

import pytest

from lstmlab.apps.sentiment.corpus import Corpus
from lstmlab.apps.sentiment.encode import encode_texts, pad
from lstmlab.apps.sentiment.split import split_corpus
from lstmlab.apps.sentiment.vocab import PAD, UNK, Vocabulary, tokenize


def _corpus(n: int = 100) -> Corpus:
    return Corpus([f"sentence {i}" for i in range(n)], [int(i % 4 == 0) for i in range(n)])


def test_split_is_fixed_by_the_seed_disjoint_and_stratified():
    corpus = _corpus()
    a = split_corpus(corpus, seed=3, val_fraction=0.2, test_fraction=0.2)
    b = split_corpus(corpus, seed=3, val_fraction=0.2, test_fraction=0.2)
    c = split_corpus(corpus, seed=4, val_fraction=0.2, test_fraction=0.2)
    assert {k: v.texts for k, v in a.items()} == {k: v.texts for k, v in b.items()}
    assert a["test"].texts != c["test"].texts
    assert [len(a[k]) for k in ("train", "val", "test")] == [60, 20, 20]
    parts = [set(a[k].texts) for k in ("train", "val", "test")]
    assert set.union(*parts) == set(corpus.texts) and sum(map(len, parts)) == 100
    for part in a.values():  # a quarter positive everywhere
        assert part.counts()["positive"] * 4 == len(part)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val_fraction": 0.0, "test_fraction": 0.1}, "val_fraction: expected a fraction"),
        ({"val_fraction": 0.1, "test_fraction": 1.5}, "test_fraction: expected a fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction \\+ test_fraction"),
    ],
)
def test_split_refuses_bad_fractions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split_corpus(_corpus(), seed=0, **kwargs)


def test_split_refuses_a_corpus_too_small():
    with pytest.raises(ValueError, match="corpus: expected enough sentences to split, got 5"):
        split_corpus(_corpus(5), seed=0, val_fraction=0.1, test_fraction=0.1)


def test_tokenize():
    assert tokenize("It's NOT good -- but ''fun''!") == [
        "it's", "not", "good", "-", "-", "but", "'", "'", "fun", "'", "'", "!",
    ]  # fmt: skip
    assert tokenize("   ") == []


def test_vocabulary_counts_only_what_it_is_given():
    vocab = Vocabulary.build(["good film", "good plot", "bad"], min_count=2)
    assert vocab.tokens == [PAD, UNK, "good"]
    assert vocab.encode(["good", "bad", "unseen"]) == [2, 1, 1]
    with pytest.raises(ValueError, match="min_count: expected an int >= 1, got 0"):
        Vocabulary.build(["x"], min_count=0)
    with pytest.raises(ValueError, match="tokens: expected to start with"):
        Vocabulary(["good"])


def test_encode_cuts_and_never_returns_an_empty_sentence():
    vocab = Vocabulary.build(["a b c"], min_count=1)
    assert encode_texts(vocab, ["a b c a", "?!", ""], max_len=3) == [[2, 3, 4], [1, 1], [1]]
    tokens, lengths = pad([[2, 3, 4], [5]])
    assert tokens.tolist() == [[2, 3, 4], [5, 0, 0]] and lengths.tolist() == [3, 1]
