"""Accuracy and macro-F1: the figures every sentiment model here is judged by."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import accuracy_score, f1_score

__all__ = ["classification_metrics"]


def classification_metrics(labels: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    """accuracy = share of sentences labelled right; macro_f1 = the mean over the two classes of
    F1 = 2·precision·recall / (precision + recall) (a majority-class guess scores ≤ 0.5)."""
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
    }
