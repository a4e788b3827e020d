"""Features and the checks on a user's recording (predict's input)."""

import numpy as np
import pytest
import soundfile

from lstmlab.apps.speech.audio import read_wav
from lstmlab.apps.speech.features import (
    FEATURE_SIZE,
    SAMPLE_RATE,
    STEP_SECONDS,
    add_noise,
    features,
    to_mono_16k,
)


def _tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def test_stereo_44k_becomes_mono_16k():
    stereo = _tone(0.5, 44_100, 2)
    stereo[:, 1] = 0  # mixing down averages the channels
    mono = to_mono_16k(stereo, 44_100)
    assert mono.ndim == 1 and abs(len(mono) - SAMPLE_RATE // 2) <= 2
    assert np.abs(mono).max() == pytest.approx(0.15, rel=0.05)


def test_noise_has_the_stated_snr():
    x = _tone(2.0, SAMPLE_RATE)
    noisy = add_noise(x, 10.0, np.random.default_rng(0))
    snr = 10 * np.log10(np.mean(x**2) / np.mean((noisy - x) ** 2))
    assert snr == pytest.approx(10.0, abs=0.1)


def test_features_have_one_step_per_30_ms():
    x = features(_tone(1.0, SAMPLE_RATE) + np.random.default_rng(0).normal(0, 0.01, SAMPLE_RATE))
    assert x.shape[1] == FEATURE_SIZE
    assert abs(x.shape[0] - 1.0 / STEP_SECONDS) <= 1
    assert np.isfinite(x).all()


def test_read_wav_accepts_any_rate_and_channels(tmp_path):
    path = tmp_path / "stereo.wav"
    soundfile.write(path, _tone(0.5, 8_000, 2), 8_000)
    audio = read_wav(path)
    assert audio.ndim == 1 and abs(len(audio) - SAMPLE_RATE // 2) <= 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "expected a WAV file, got an empty file"),
        (lambda p: p.write_text("not audio at all"), "expected a WAV file, got .* not audio"),
        (
            lambda p: soundfile.write(p, _tone(0.5, 16_000), 16_000, format="FLAC"),
            "expected a WAV file, got audio in FLAC format",
        ),
        (
            lambda p: soundfile.write(p, np.zeros((0,), np.float32), 16_000, format="WAV"),
            "expected audio samples, got a WAV file with none",
        ),
        (
            lambda p: soundfile.write(p, _tone(0.05, 16_000), 16_000, format="WAV"),
            r"expected at least 0.1 s of audio, got 0.050 s",
        ),
        (
            lambda p: soundfile.write(p, np.zeros(16_000, np.float32), 16_000, format="WAV"),
            "expected speech, got silence",
        ),
    ],
    ids=["empty", "text", "flac", "no-samples", "too-short", "silent"],
)
def test_read_wav_rejects_what_cannot_be_speech(tmp_path, make, message):
    path = tmp_path / "input.wav"
    make(path)
    with pytest.raises(ValueError, match="FILE: " + message):
        read_wav(path)


def test_read_wav_rejects_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="FILE: expected a WAV file, got .* which is not a file"):
        read_wav(tmp_path / "nope.wav")
