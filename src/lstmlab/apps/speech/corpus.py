"""The synthetic corpora: spoken digit strings (for CTC) and isolated words (digits and letters),
synthesised once by espeak-ng into the data cache, with the seed and every setting recorded.

    <cache>/speech/<kind>-<key>/train.npz, val.npz, test.npz, meta.json

``key`` hashes the config, the feature settings and espeak-ng's version, so a changed setting
makes a new corpus instead of reusing a stale one. meta.json is written last: a folder without
it is an interrupted generation and is redone. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lstmlab.apps.speech import features as feat
from lstmlab.apps.speech.synth import espeak_version, synthesize
from lstmlab.apps.speech.voices import LANGUAGES, SPLITS, Speaker, speakers
from lstmlab.training.atomic import write_bytes_atomic, write_json_atomic

__all__ = [
    "KINDS",
    "DIGITS",
    "LETTERS",
    "WORDS",
    "CorpusConfig",
    "Utterance",
    "Split",
    "plan",
    "render",
    "corpus_dir",
    "load_corpus",
]

KINDS = ("digits", "words")
DIGITS: tuple[str, ...] = tuple("0123456789")
LETTERS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
WORDS: tuple[str, ...] = DIGITS + LETTERS  # the isolated-word vocabulary


@dataclass(frozen=True)
class CorpusConfig:
    """What to synthesise. Prosody is drawn per utterance, uniformly in the given ranges.

    Attributes:
        kind: "digits" (strings of min_digits..max_digits digits, for CTC) or "words" (one of
            ``WORDS``: a digit or a letter name, for the isolated-word classifier).
        n_train, n_val, n_test: utterances per split; each split draws half its utterances in
            English and half in French, from its own speakers (``voices.speakers``).
        seed: seeds every draw (text, speaker, prosody, padding, noise).
        snr_db: white noise added at this signal-to-noise ratio (utterance power / noise power).
        pitch: espeak-ng pitch range (0–99, 50 = the voice's own).
        speed: speaking rate range in words per minute (espeak-ng's default is 175).
        gap_max: longest extra pause between words, in units of 10 ms.
        pad_max: longest silence added before and after the utterance, in seconds.
    """

    kind: str = "digits"
    n_train: int = 6000
    n_val: int = 400
    n_test: int = 1000
    seed: int = 0
    min_digits: int = 1
    max_digits: int = 7
    snr_db: float = 20.0
    pitch: tuple[int, int] = (25, 75)
    speed: tuple[int, int] = (130, 210)
    gap_max: int = 8
    pad_max: float = 0.25

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("n_train", "n_val", "n_test"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise ValueError(f"{name}: expected an int >= 2 (one per language), got {n!r}")
        if not 1 <= self.min_digits <= self.max_digits:
            raise ValueError(
                f"min_digits, max_digits: expected 1 <= min_digits <= max_digits, got "
                f"{self.min_digits}, {self.max_digits}"
            )
        for name, lo, hi in (("pitch", 0, 99), ("speed", 80, 450)):
            a, b = getattr(self, name)
            if not lo <= a <= b <= hi:
                raise ValueError(f"{name}: expected a range within [{lo}, {hi}], got ({a}, {b})")

    def size(self, split: str) -> int:
        return {"train": self.n_train, "val": self.n_val, "test": self.n_test}[split]


@dataclass(frozen=True)
class Utterance:
    """Everything that determines one utterance's audio."""

    text: str  # the transcript: digits separated by spaces ("3 7 1"), or one word of WORDS
    language: str
    speaker: Speaker
    pitch: int
    speed: int
    gap: int
    pad_before: float
    pad_after: float
    noise_seed: int


@dataclass
class Split:
    """One split in memory: inputs (steps, FEATURE_SIZE) float16 and what was said, by whom."""

    inputs: list[np.ndarray]
    texts: list[str]
    languages: list[str]
    speakers: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def plan(cfg: CorpusConfig, split: str) -> list[Utterance]:
    """The utterances of ``split``: a deterministic function of (cfg, split)."""
    rng = np.random.default_rng([cfg.seed, SPLITS.index(split), KINDS.index(cfg.kind)])
    langs = list(LANGUAGES)
    out = []
    for i in range(cfg.size(split)):
        language = langs[i % len(langs)]
        pool = speakers(split, language)
        if cfg.kind == "digits":
            n = int(rng.integers(cfg.min_digits, cfg.max_digits + 1))
            text = " ".join(rng.choice(DIGITS, n))
        else:
            text = str(rng.choice(WORDS))
        out.append(
            Utterance(
                text=text,
                language=language,
                speaker=pool[int(rng.integers(len(pool)))],
                pitch=int(rng.integers(cfg.pitch[0], cfg.pitch[1] + 1)),
                speed=int(rng.integers(cfg.speed[0], cfg.speed[1] + 1)),
                gap=int(rng.integers(0, cfg.gap_max + 1)),
                pad_before=float(rng.uniform(0, cfg.pad_max)),
                pad_after=float(rng.uniform(0, cfg.pad_max)),
                noise_seed=int(rng.integers(2**31)),
            )
        )
    return out


def render(u: Utterance, snr_db: float) -> np.ndarray:
    """Synthesise, pad, add noise and compute the model inputs (steps, FEATURE_SIZE) float16."""
    audio, rate = synthesize(u.text, u.speaker, u.pitch, u.speed, u.gap)
    audio = feat.to_mono_16k(audio, rate)
    before = np.zeros(int(u.pad_before * feat.SAMPLE_RATE), np.float32)
    after = np.zeros(int(u.pad_after * feat.SAMPLE_RATE), np.float32)
    audio = np.concatenate([before, audio, after])
    audio = feat.add_noise(audio, snr_db, np.random.default_rng(u.noise_seed))
    return feat.features(audio).astype(np.float16)


def _render_job(job: tuple[Utterance, float]) -> np.ndarray:
    return render(*job)


def _config_key(cfg: CorpusConfig, version: str) -> str:
    settings = {
        "config": asdict(cfg),
        "espeak": version,
        "features": {
            "sample_rate": feat.SAMPLE_RATE,
            "n_fft": feat.N_FFT,
            "hop": feat.HOP,
            "n_mels": feat.N_MELS,
            "stack": feat.STACK,
        },
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


def corpus_dir(cfg: CorpusConfig, root: Path) -> Path:
    """Where the corpus of ``cfg`` lives under ``root`` (the speech data cache)."""
    return Path(root) / f"{cfg.kind}-{_config_key(cfg, espeak_version())}"


def _save_split(path: Path, inputs: list[np.ndarray], us: list[Utterance]) -> None:
    offsets = np.cumsum([0] + [len(x) for x in inputs]).astype(np.int64)
    buf = io.BytesIO()
    np.savez(
        buf,
        inputs=np.concatenate(inputs).astype(np.float16),  # (total steps, FEATURE_SIZE)
        offsets=offsets,  # (N + 1,)
        texts=np.array([u.text for u in us]),
        languages=np.array([u.language for u in us]),
        speakers=np.array([u.speaker.name for u in us]),
    )
    write_bytes_atomic(path, buf.getvalue())


def _load_split(path: Path) -> Split:
    with np.load(path, allow_pickle=False) as z:
        data, offsets = z["inputs"], z["offsets"]
        inputs = [data[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        return Split(inputs, z["texts"].tolist(), z["languages"].tolist(), z["speakers"].tolist())


def _generate(
    cfg: CorpusConfig, folder: Path, workers: int, console: Console | None, progress: bool
) -> None:
    jobs = {split: [(u, cfg.snr_db) for u in plan(cfg, split)] for split in SPLITS}
    total = sum(len(j) for j in jobs.values())
    start = time.perf_counter()
    bar = Progress(
        TextColumn(f"synthesising {cfg.kind}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    )
    # spawn, not fork: the parent may hold torch's thread pools, which do not survive a fork.
    # (A script that calls this with workers > 1 needs the usual `if __name__ == "__main__":`.)
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 else None
    try:
        with bar:
            task = bar.add_task("synth", total=total)
            for split, split_jobs in jobs.items():
                rendered = (
                    pool.imap(_render_job, split_jobs, 16) if pool else map(_render_job, split_jobs)
                )
                inputs = []
                for x in rendered:
                    inputs.append(x)
                    bar.advance(task)
                _save_split(folder / f"{split}.npz", inputs, [u for u, _ in split_jobs])
    finally:
        if pool is not None:
            pool.terminate()
    meta = {
        "config": asdict(cfg),
        "espeak": espeak_version(),
        "seconds": round(time.perf_counter() - start, 1),
        "workers": workers,
        "speakers": {s: sorted({u.speaker.name for u, _ in jobs[s]}) for s in SPLITS},
        "features": f"log-mel {feat.N_MELS} bands, 25 ms window, 10 ms hop, per-utterance "
        f"normalised, {feat.STACK} frames stacked ({feat.STEP_SECONDS * 1000:.0f} ms per step)",
    }
    write_json_atomic(folder / "meta.json", meta)


def load_corpus(
    cfg: CorpusConfig,
    root: Path,
    workers: int | None = None,
    console: Console | None = None,
    progress: bool = True,
) -> dict[str, Split]:
    """The corpus of ``cfg``: read from ``root`` if generated before, else generated there first
    (``workers`` parallel espeak-ng processes; default: the CPUs this process may use)."""
    folder = corpus_dir(cfg, root)
    if not (folder / "meta.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        n = workers or len(os.sched_getaffinity(0))
        _generate(cfg, folder, n, console, progress)
    meta = json.loads((folder / "meta.json").read_text())
    splits = {s: _load_split(folder / f"{s}.npz") for s in SPLITS}
    for s in splits.values():
        s.meta = {**meta, "folder": str(folder)}
    return splits
