"""Word error rate (jiwer) and string accuracy, overall and per language."""

from __future__ import annotations

from collections.abc import Sequence

import jiwer

__all__ = ["wer", "string_accuracy", "scores"]


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """(substitutions + deletions + insertions) / reference words, over the whole set."""
    return float(jiwer.wer(list(references), list(hypotheses)))


def string_accuracy(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Fraction of utterances transcribed exactly."""
    return sum(r == h for r, h in zip(references, hypotheses, strict=True)) / len(references)


def scores(
    references: Sequence[str],
    hypotheses: Sequence[str],
    languages: Sequence[str],
    prefix: str = "",
) -> dict[str, float]:
    """WER and string accuracy, overall and per language: {"wer": .., "wer_en": .., ...}."""
    out = {
        f"{prefix}wer": wer(references, hypotheses),
        f"{prefix}string_acc": string_accuracy(references, hypotheses),
    }
    for lang in sorted(set(languages)):
        idx = [i for i, g in enumerate(languages) if g == lang]
        refs = [references[i] for i in idx]
        hyps = [hypotheses[i] for i in idx]
        out[f"{prefix}wer_{lang}"] = wer(refs, hyps)
        out[f"{prefix}string_acc_{lang}"] = string_accuracy(refs, hyps)
    return out
