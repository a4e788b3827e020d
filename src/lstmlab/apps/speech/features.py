"""Audio → features: 16 kHz mono, log-mel filterbank (librosa), per-utterance normalisation,
and frame stacking to a 30 ms step.

Stacking three 10 ms frames into one 30 ms step follows the low-frame-rate acoustic models of
Sak et al. 2015 ("Fast and accurate recurrent neural network acoustic models", §3.2): a third of
the recurrent steps, with no loss for CTC, whose outputs are far sparser than the frames.
"""

from __future__ import annotations

import librosa
import numpy as np

__all__ = [
    "SAMPLE_RATE",
    "N_MELS",
    "HOP",
    "STACK",
    "FEATURE_SIZE",
    "STEP_SECONDS",
    "to_mono_16k",
    "add_noise",
    "log_mel",
    "features",
]

SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms window
HOP = 160  # 10 ms hop
N_MELS = 40
STACK = 3  # frames per model step
FEATURE_SIZE = N_MELS * STACK
STEP_SECONDS = HOP * STACK / SAMPLE_RATE


def to_mono_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    """(N,) or (N, channels) samples at ``rate`` → (N',) float32 at 16 kHz (channels averaged)."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)  # (N,)
    if rate != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE)
    return audio.astype(np.float32, copy=False)


def add_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """audio + white Gaussian noise whose power is the utterance's mean power / 10^(SNR/10)."""
    power = float(np.mean(audio.astype(np.float64) ** 2))
    sigma = np.sqrt(power / 10 ** (snr_db / 10))
    return (audio + rng.normal(0.0, sigma, audio.shape)).astype(np.float32)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """16 kHz samples (N,) → log-mel energies (frames, N_MELS), each band mean 0 and variance 1
    over the utterance (cepstral mean and variance normalisation: removes the channel's and the
    speaker's constant colouring)."""
    mel = librosa.feature.melspectrogram(
        y=audio, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS
    )  # (N_MELS, frames)
    logmel = np.log(mel + 1e-6).T  # (frames, N_MELS)
    logmel = (logmel - logmel.mean(axis=0)) / (logmel.std(axis=0) + 1e-5)
    return logmel.astype(np.float32)


def features(audio: np.ndarray) -> np.ndarray:
    """16 kHz samples → model inputs (steps, FEATURE_SIZE): log-mel frames stacked by STACK."""
    frames = log_mel(audio)  # (F, N_MELS)
    steps = frames.shape[0] // STACK
    return frames[: steps * STACK].reshape(steps, FEATURE_SIZE)  # (F/3, 3·N_MELS)
