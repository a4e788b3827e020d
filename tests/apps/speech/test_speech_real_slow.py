"""Real data and real training (slow: `pytest -m slow`)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from lstmlab.apps.speech.corpus import LETTERS
from lstmlab.apps.speech.features import FEATURE_SIZE
from lstmlab.apps.speech.real import klettres_letters
from lstmlab.cli.main import cli


@pytest.mark.slow
def test_klettres_letters_are_read_in_place(klettres):
    recordings, inputs = klettres_letters()
    assert len(recordings) == 78  # en, en_GB and fr: 26 letters each
    for source in ("en", "en_GB", "fr"):
        assert sorted(r.letter for r in recordings if r.source == source) == list(LETTERS)
    assert all(x.shape[1] == FEATURE_SIZE and len(x) > 10 for x in inputs)
    assert all(np.isfinite(x.astype(np.float32)).all() for x in inputs)


@pytest.mark.slow
def test_the_bidirectional_lstm_transcribes_unseen_speakers(tmp_path, espeak, klettres):
    """A short run of the real pipeline (default corpora) reaches a low WER on unseen voices."""
    out = tmp_path / "run"
    args = ["--out", str(out), "--steps", "400", "--max-seconds", "none", "--eval-every", "100"]
    args += ["--no-baselines", "--no-words", "--quiet"]
    result = CliRunner().invoke(cli, ["app", "speech", "train", *args])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["app", "speech", "evaluate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = json.loads((out / "metrics.json").read_text())["model"]
    assert model["wer"] < 0.1 and model["beam_wer"] < 0.1, model
