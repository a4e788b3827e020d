"""Speech synthesis with espeak-ng (the Debian package ``espeak-ng``), one utterance per call."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile

from lstmlab.apps.speech.voices import Speaker

__all__ = ["SynthesisError", "espeak_executable", "espeak_version", "synthesize"]


class SynthesisError(RuntimeError):
    """espeak-ng is missing or failed."""


def espeak_executable() -> str:
    """The path of espeak-ng, or a SynthesisError saying how to install it."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SynthesisError(
            "espeak-ng: expected the espeak-ng program on PATH, got none; install it with "
            "`apt-get install -y espeak-ng` (Debian/Ubuntu)"
        )
    return exe


def espeak_version() -> str:
    """espeak-ng's version line (recorded with every generated corpus)."""
    out = subprocess.run([espeak_executable(), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def synthesize(
    text: str, speaker: Speaker, pitch: int = 50, speed: int = 175, gap: int = 0
) -> tuple[np.ndarray, int]:
    """``text`` spoken by ``speaker``: (samples float32 (N,), sample rate).

    pitch is espeak-ng's 0–99 scale, speed in words per minute, gap the pause between words in
    units of 10 ms.
    """
    cmd = [
        espeak_executable(),
        "-v", speaker.espeak_voice,
        "-p", str(pitch),
        "-s", str(speed),
        "-g", str(gap),
        "--stdout",
        text,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        raise SynthesisError(
            f"espeak-ng: failed for voice {speaker.espeak_voice!r}, text {text!r}: "
            f"{proc.stderr.decode(errors='replace').strip()}"
        )
    audio, rate = soundfile.read(io.BytesIO(proc.stdout), dtype="float32")
    return audio, int(rate)
