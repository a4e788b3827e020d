"""Exact match, chrF and BLEU (sacrebleu) of translations, overall and by group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sacrebleu

__all__ = ["translation_scores", "exact_by_group"]


def translation_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Exact match (%), corpus chrF and BLEU (sacrebleu defaults) over tokenised, lower-cased text.

    Both sides are our tokenisation joined by spaces, so punctuation spacing never counts as an
    error; sacrebleu's own tokeniser then sees the same text on both sides.
    """
    if len(hypotheses) != len(references) or not references:
        raise ValueError(
            f"hypotheses: expected as many as the {len(references)} references (> 0), "
            f"got {len(hypotheses)}"
        )
    exact = sum(h == r for h, r in zip(hypotheses, references, strict=True))
    return {
        "exact_match": 100.0 * exact / len(references),
        "chrf": sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score,
        "bleu": sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score,
        "n": float(len(references)),
    }


def exact_by_group(
    hypotheses: Sequence[str], references: Sequence[str], groups: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Exact match (%) and count per group label, groups sorted by name."""
    hits: dict[str, list[bool]] = defaultdict(list)
    for h, r, g in zip(hypotheses, references, groups, strict=True):
        hits[g].append(h == r)
    return {
        g: {"exact_match": 100.0 * sum(v) / len(v), "n": float(len(v))}
        for g, v in sorted(hits.items())
    }
