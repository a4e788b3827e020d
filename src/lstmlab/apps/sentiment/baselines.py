"""The alternatives a practitioner would try first, fitted and scored in the same run.

- ``majority``: always the most frequent class of the training split.
- ``tfidf_lr``: TF-IDF of word 1–2-grams and of character n-grams (within word boundaries,
  ``char_wb``), both with sublinear tf, side by side, into an L2-regularised logistic
  regression (scikit-learn). The character range and C are chosen on the validation split
  (highest accuracy), as a practitioner tunes it; the model is fitted on the training split
  only, like the LSTM, which sees the validation split only to choose its weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from lstmlab.apps.sentiment.corpus import Corpus
from lstmlab.apps.sentiment.metrics import classification_metrics

__all__ = ["majority_baseline", "tfidf_lr_baseline", "TFIDF_GRID"]

#: The validation grid of ``tfidf_lr``: character n-gram ranges × inverse regularisation C.
TFIDF_GRID: dict[str, Sequence[Any]] = {
    "char_ngrams": [(2, 5), (1, 6)],
    "C": [2.0, 8.0, 32.0, 128.0],
}


def majority_baseline(train: Corpus, test: Corpus) -> dict[str, Any]:
    label = Counter(train.labels).most_common(1)[0][0]
    return {**classification_metrics(test.labels, [label] * len(test)), "label": label}


def tfidf_lr_baseline(
    train: Corpus, val: Corpus, test: Corpus, grid: dict[str, Sequence[Any]] | None = None
) -> dict[str, Any]:
    """Test metrics of the TF-IDF + logistic regression with the best validation accuracy, and
    the setting chosen (``char_ngrams``, ``C``, ``val_accuracy``)."""
    grid = grid or TFIDF_GRID
    best: tuple[float, Any, Any] | None = None
    for char_ngrams in grid["char_ngrams"]:
        features = _features(tuple(char_ngrams))
        x_train = features.fit_transform(train.texts)
        x_val = features.transform(val.texts)
        for C in grid["C"]:
            clf = _classifier(C).fit(x_train, train.labels)
            acc = classification_metrics(val.labels, clf.predict(x_val))["accuracy"]
            if best is None or acc > best[0]:
                best = (acc, tuple(char_ngrams), C)
    assert best is not None, "grid: expected at least one setting"
    val_acc, char_ngrams, C = best
    features = _features(char_ngrams)
    clf = _classifier(C).fit(features.fit_transform(train.texts), train.labels)
    predicted = clf.predict(features.transform(test.texts))
    return {
        **classification_metrics(test.labels, predicted.tolist()),
        "char_ngrams": list(char_ngrams),
        "C": C,
        "val_accuracy": val_acc,
    }


def _features(char_ngrams: tuple[int, int]) -> FeatureUnion:
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )


def _classifier(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=2000)
