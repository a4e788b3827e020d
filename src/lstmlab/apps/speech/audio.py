"""Reading a user's recording for ``predict``: any sample rate, mono or stereo, with clear
errors for what cannot be speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from lstmlab.apps.speech.features import to_mono_16k

__all__ = ["MIN_SECONDS", "SILENCE_PEAK", "read_wav"]

MIN_SECONDS = 0.1  # shorter than any spoken digit or letter
SILENCE_PEAK = 1e-3  # peak amplitude (full scale = 1) below which a file is taken as silent


def read_wav(path: str | Path, name: str = "FILE") -> np.ndarray:
    """The WAV file at ``path`` as 16 kHz mono float32 samples (channels averaged); otherwise a
    ValueError naming ``name``, what was expected and what was given."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{name}: expected a WAV file, got {str(p)!r}, which is not a file")
    if p.stat().st_size == 0:
        raise ValueError(f"{name}: expected a WAV file, got an empty file (0 bytes): {str(p)!r}")
    try:
        info = soundfile.info(p)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise ValueError(
            f"{name}: expected a WAV file, got {str(p)!r}, which is not audio that libsndfile "
            f"can read ({err})"
        ) from err
    if info.format != "WAV":
        raise ValueError(
            f"{name}: expected a WAV file, got audio in {info.format} format ({info.format_info}): "
            f"{str(p)!r}; convert it, e.g. `ffmpeg -i {p.name} out.wav`"
        )
    audio, rate = soundfile.read(p, dtype="float32", always_2d=True)  # (N, channels)
    if audio.shape[0] == 0:
        raise ValueError(f"{name}: expected audio samples, got a WAV file with none: {str(p)!r}")
    seconds = audio.shape[0] / rate
    if seconds < MIN_SECONDS:
        raise ValueError(
            f"{name}: expected at least {MIN_SECONDS} s of audio, got {seconds:.3f} s: {str(p)!r}"
        )
    peak = float(np.abs(audio).max())
    if peak < SILENCE_PEAK:
        raise ValueError(
            f"{name}: expected speech, got silence (peak amplitude {peak:.2g} of full scale, "
            f"below {SILENCE_PEAK:g}): {str(p)!r}"
        )
    return to_mono_16k(audio, rate)  # (N',) at SAMPLE_RATE
