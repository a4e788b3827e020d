"""Which models an application run trains, where each lives in the run folder, and loading them.

DIR/train/              the model: bidirectional core + CTC (``CTCModel``)
DIR/baselines/NAME/     unidirectional LSTM and RNN + CTC, at the model's parameter count
DIR/words/              the isolated-word classifier (``WordModel``), digits and letters
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from torch import nn

from lstmlab.apps.run import AppFolderError, train_dir
from lstmlab.apps.speech.config import SpeechConfig
from lstmlab.apps.speech.corpus import DIGITS, WORDS
from lstmlab.apps.speech.features import FEATURE_SIZE
from lstmlab.apps.speech.model import (
    CoreConfig,
    CTCModel,
    WordModel,
    build_core,
    count_parameters,
    matched_hidden,
)
from lstmlab.training.loop import MODEL_FILE, load_trained

__all__ = [
    "APP",
    "BASELINE_KINDS",
    "baseline_cores",
    "baseline_dir",
    "words_dir",
    "make_ctc",
    "make_words",
    "load_model",
]

APP = "speech"
#: The baselines: what the backward direction adds (unidirectional LSTM), and what the gates
#: add on top (unidirectional RNN).
BASELINE_KINDS: dict[str, str] = {"lstm_unidirectional": "lstm", "rnn_unidirectional": "rnn"}


def baseline_cores(cfg: SpeechConfig) -> dict[str, CoreConfig]:
    """Each baseline's core: unidirectional, widened to the model's core's parameter count."""
    target = count_parameters(build_core(cfg.core(), FEATURE_SIZE, "meta"))
    out = {}
    for name, kind in BASELINE_KINDS.items():
        core = replace(cfg.core(), kind=kind, bidirectional=False)
        out[name] = replace(core, hidden=matched_hidden(core, FEATURE_SIZE, target))
    return out


def baseline_dir(out: str | Path, name: str) -> Path:
    return Path(out) / "baselines" / name


def words_dir(out: str | Path) -> Path:
    return Path(out) / "words"


def make_ctc(core: CoreConfig) -> CTCModel:
    return CTCModel(core, FEATURE_SIZE, len(DIGITS))


def make_words(core: CoreConfig) -> WordModel:
    return WordModel(core, FEATURE_SIZE, len(WORDS))


def load_model(run_dir: Path, model: nn.Module) -> nn.Module:
    """The tested weights of the finished run in ``run_dir``, in eval mode."""
    if not (run_dir / MODEL_FILE).is_file():
        raise AppFolderError(
            f"out: expected a finished training run in {str(run_dir)!r}, got none (no "
            f"{MODEL_FILE}); finish it with `lstmlab app {APP} train --out "
            f"{_app_root(run_dir)} --resume`"
        )
    return load_trained(run_dir, model).eval()


def _app_root(run_dir: Path) -> Path:
    if run_dir.name == train_dir(run_dir.parent).name or run_dir.name == "words":
        return run_dir.parent
    return run_dir.parent.parent
