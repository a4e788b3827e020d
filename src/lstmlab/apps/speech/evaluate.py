"""``evaluate``: every model of a finished run on the test split (unseen speakers), and the
isolated-word model on real recordings (KLettres)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import confusion_matrix

from lstmlab.apps.run import train_dir
from lstmlab.apps.speech.config import SpeechConfig
from lstmlab.apps.speech.corpus import LETTERS, WORDS, Split
from lstmlab.apps.speech.metrics import scores
from lstmlab.apps.speech.models import (
    baseline_cores,
    baseline_dir,
    load_model,
    make_ctc,
    make_words,
    words_dir,
)
from lstmlab.apps.speech.plot import confusion_png
from lstmlab.apps.speech.problem import classify, transcribe
from lstmlab.apps.speech.real import KLETTRES_ROOT, klettres_letters
from lstmlab.apps.speech.voices import HELD_OUT_VOICES, SPLIT_VARIANTS

__all__ = ["CONFUSION_FILE", "ctc_metrics", "word_metrics", "real_letter_metrics", "evaluate_run"]

CONFUSION_FILE = "confusion_words.png"


def ctc_metrics(model: torch.nn.Module, test: Split, beam: int) -> dict[str, Any]:
    """Greedy and beam-search WER and string accuracy, overall and per language."""
    greedy = transcribe(model, test.inputs)
    out: dict[str, Any] = scores(test.texts, greedy, test.languages)
    out |= scores(test.texts, transcribe(model, test.inputs, beam), test.languages, "beam_")
    return out


def word_metrics(model: torch.nn.Module, test: Split) -> tuple[dict[str, float], np.ndarray]:
    """Accuracy overall, per language and on digits and letters; the confusion matrix."""
    said = np.array([WORDS.index(t) for t in test.texts])
    heard = classify(model, test.inputs).argmax(1).numpy()
    langs = np.array(test.languages)
    digit = said < 10
    out = {"word_acc": float((said == heard).mean())}
    for lang in sorted(set(test.languages)):
        out[f"word_acc_{lang}"] = float((said == heard)[langs == lang].mean())
    for name, subset in (("digits", digit), ("letters", ~digit)):
        if subset.any():
            out[f"word_acc_{name}"] = float((said == heard)[subset].mean())
    return out, confusion_matrix(said, heard, labels=range(len(WORDS)))


def real_letter_metrics(model: torch.nn.Module, root: Path = KLETTRES_ROOT) -> dict[str, float]:
    """Accuracy on KLettres' human recordings of the 26 letters, the choice restricted to the
    letters (the task the recordings pose; chance = 1/26)."""
    recordings, inputs = klettres_letters(root)
    logits = classify(model, inputs)[:, len(WORDS) - len(LETTERS) :]  # letters only
    heard = [LETTERS[k] for k in logits.argmax(1).tolist()]
    right = np.array([r.letter == h for r, h in zip(recordings, heard, strict=True)])
    sources = np.array([r.source for r in recordings])
    out = {"real_letter_acc": float(right.mean()), "real_letters": len(recordings)}
    for source in sorted(set(sources)):
        out[f"real_letter_acc_{source}"] = float(right[sources == source].mean())
    return out


def evaluate_run(
    out: Path, cfg: SpeechConfig, digits: dict[str, Split], words: dict[str, Split] | None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """(model, baselines, data) metrics of the run in ``out``; draws the confusion matrix."""
    test = digits["test"]
    model_metrics = ctc_metrics(load_model(train_dir(out), make_ctc(cfg.core())), test, cfg.beam)
    baselines = {}
    if cfg.baselines:
        for name, core in baseline_cores(cfg).items():
            model = load_model(baseline_dir(out, name), make_ctc(core))
            baselines[name] = ctc_metrics(model, test, cfg.beam)
    data: dict[str, Any] = {
        "digits_train": len(digits["train"]),
        "digits_test": len(test),
        "snr_db": cfg.snr_db,
        "test_variants": list(SPLIT_VARIANTS["test"]),
        "held_out_voices": list(HELD_OUT_VOICES),
        "espeak": test.meta.get("espeak", ""),
        "corpus": test.meta.get("folder", ""),
        "features": test.meta.get("features", ""),
    }
    if words is not None:
        model = load_model(words_dir(out), make_words(cfg.core()))
        word_scores, matrix = word_metrics(model, words["test"])
        model_metrics |= word_scores | real_letter_metrics(model)
        confusion_png(
            matrix,
            WORDS,
            out / CONFUSION_FILE,
            f"isolated words, unseen speakers: accuracy {word_scores['word_acc']:.1%} "
            f"({len(words['test'])} utterances)",
        )
        data |= {
            "words_train": len(words["train"]),
            "words_test": len(words["test"]),
            "real_letters": "KLettres (Debian klettres-data, GPL-2+): en, en_GB, fr alphabets",
        }
    return model_metrics, baselines, data
