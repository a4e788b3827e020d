"""``lstmlab app speech train|evaluate|predict`` end to end on tiny generated corpora, and the
errors a user can meet."""

import json
import subprocess

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from lstmlab.apps.speech.synth import espeak_executable
from lstmlab.cli.main import cli

TINY = [
    "--steps", "2", "--eval-every", "1", "--hidden", "8", "--layers", "1", "--beam", "2",
    "--n-train", "4", "--n-val", "2", "--n-test", "2", "--n-words-train", "4",
    "--n-words-test", "2", "--workers", "1", "--threads", "1", "--quiet",
]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory, espeak, klettres):
    """A trained and evaluated tiny run (its corpora in a private data cache)."""
    root = tmp_path_factory.mktemp("speech")
    env = {"LSTMLAB_DATA": str(root / "data")}
    out = root / "run"
    runner = CliRunner()
    result = runner.invoke(cli, ["app", "speech", "train", "--out", str(out), *TINY], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["app", "speech", "evaluate", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out, env


def _say(path, text, rate=None, stereo=False):
    wav = subprocess.run(
        [espeak_executable(), "-v", "gmw/en-US", "--stdout", text], capture_output=True, check=True
    ).stdout
    path.write_bytes(wav)
    if rate or stereo:
        audio, sr = soundfile.read(path, dtype="float32")
        if stereo:
            audio = np.stack([audio, 0.5 * audio], axis=1)
        soundfile.write(path, audio, rate or sr)  # rate relabelled: still a valid WAV


def test_train_and_evaluate_write_every_model_and_metric(run):
    out, _ = run
    metrics = json.loads((out / "metrics.json").read_text())
    model = metrics["model"]
    for key in ("wer", "wer_en", "wer_fr", "beam_wer", "string_acc", "word_acc", "real_letter_acc"):
        assert key in model
    assert model["real_letters"] == 78  # KLettres' en, en_GB and fr alphabets
    assert set(metrics["baselines"]) == {"lstm_unidirectional", "rnn_unidirectional"}
    assert metrics["data"]["digits_test"] == 2 and metrics["data"]["snr_db"] == 20.0
    assert (out / "confusion_words.png").read_bytes()[:4] == b"\x89PNG"
    for sub in ("train", "baselines/lstm_unidirectional", "baselines/rnn_unidirectional", "words"):
        assert (out / sub / "model.safetensors").is_file()


def test_predict_transcribes_wav_of_any_rate_and_channels(run, tmp_path):
    out, env = run
    for name, rate, stereo in (("mono.wav", None, False), ("stereo.wav", 44_100, True)):
        path = tmp_path / name
        _say(path, "3 1", rate, stereo)
        result = CliRunner().invoke(
            cli, ["app", "speech", "predict", "--out", str(out), str(path)], env=env
        )
        assert result.exit_code == 0, result.output
        text = result.output.strip()
        # an untrained model: any digit string, or the empty-result message
        assert text == "(nothing recognised)" or set(text.split()) <= set("0123456789")
    result = CliRunner().invoke(
        cli, ["app", "speech", "predict", "--out", str(out), "--words", str(path)], env=env
    )
    assert result.exit_code == 0 and len(result.output.split()[0]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"RIFF....not really", "not audio"), (None, "silence")],
)
def test_predict_rejects_bad_files(run, tmp_path, content, message):
    out, env = run
    path = tmp_path / "bad.wav"
    if content is None:
        soundfile.write(path, np.zeros(8000, np.float32), 16_000)
    else:
        path.write_bytes(content)
    result = CliRunner().invoke(
        cli, ["app", "speech", "predict", "--out", str(out), str(path)], env=env
    )
    assert result.exit_code == 2
    assert "FILE" in result.output and message in result.output


def test_predict_and_evaluate_reject_another_apps_folder(tmp_path, espeak):
    other = tmp_path / "forecast-run"
    other.mkdir()
    (other / "app.json").write_text(json.dumps({"app": "forecast", "config": {}}))
    wav = tmp_path / "x.wav"
    soundfile.write(wav, 0.3 * np.ones(8000, np.float32), 16_000)
    for args in (["predict", "--out", str(other), str(wav)], ["evaluate", "--out", str(other)]):
        result = CliRunner().invoke(cli, ["app", "speech", *args])
        assert result.exit_code == 2
        assert "expected a run folder of the 'speech' application" in result.output
        assert "'forecast'" in result.output


def test_train_rejects_bad_options(tmp_path):
    result = CliRunner().invoke(
        cli, ["app", "speech", "train", "--out", str(tmp_path / "r"), "--variant", "lstmm"]
    )
    assert result.exit_code == 2 and "--variant" in result.output and "'lstmm'" in result.output


def test_train_again_without_resume_is_refused(run):
    out, env = run
    result = CliRunner().invoke(cli, ["app", "speech", "train", "--out", str(out), *TINY], env=env)
    assert result.exit_code == 2 and "--out" in result.output and "resume" in result.output
