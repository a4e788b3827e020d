"""The fixed train/validation/test split: stratified by label, drawn from the run's seed."""

from __future__ import annotations

from sklearn.model_selection import train_test_split

from lstmlab.apps.sentiment.corpus import Corpus

__all__ = ["split_corpus", "SPLIT_NAMES"]

SPLIT_NAMES = ("train", "val", "test")


def split_corpus(
    corpus: Corpus, *, seed: int, val_fraction: float, test_fraction: float
) -> dict[str, Corpus]:
    """Train, validation and test parts of ``corpus``; each keeps the corpus' class balance.

    The same (corpus, seed, fractions) always give the same split, on any machine: it is
    scikit-learn's ``train_test_split`` with ``random_state=seed``, applied twice.
    """
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise ValueError(f"{name}: expected a fraction in (0, 1), got {value}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            "val_fraction + test_fraction: expected < 1 (something left to train on), got "
            f"{val_fraction + test_fraction}"
        )
    index = list(range(len(corpus)))
    n_test = round(test_fraction * len(corpus))
    n_val = round(val_fraction * len(corpus))
    if min(n_test, n_val, len(corpus) - n_test - n_val) < 2:
        raise ValueError(f"corpus: expected enough sentences to split, got {len(corpus)}")
    rest, test = train_test_split(
        index, test_size=n_test, random_state=seed, stratify=corpus.labels
    )
    train, val = train_test_split(
        rest,
        test_size=n_val,
        random_state=seed,
        stratify=[corpus.labels[i] for i in rest],
    )
    return {"train": corpus.subset(train), "val": corpus.subset(val), "test": corpus.subset(test)}
