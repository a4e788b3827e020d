"""Real voices: the spoken letters of KDE's KLettres (Debian package ``klettres-data``, GPL-2+),
recorded by people, read in place from /usr/share/klettres.

Each language folder has a ``sounds.xml`` that names every recording; the alphabet entries of
English (``en``: American, ``en_GB``: British) and French (``fr``) are the 26 letters, one
speaker each. They are the honest test of a model trained on synthetic speech only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from lstmlab.apps.speech import features as feat
from lstmlab.apps.speech.corpus import LETTERS

__all__ = ["KLETTRES_ROOT", "KLETTRES_SETS", "RealDataError", "Recording", "klettres_letters"]

KLETTRES_ROOT = Path("/usr/share/klettres")
#: KLettres folder → the language of our voices it is compared with.
KLETTRES_SETS: dict[str, str] = {"en": "en", "en_GB": "en", "fr": "fr"}


class RealDataError(FileNotFoundError):
    """klettres-data is not installed (or not where Debian puts it)."""


@dataclass(frozen=True)
class Recording:
    letter: str
    language: str
    source: str  # the KLettres folder ("en", "en_GB", "fr")
    path: Path


def _recordings(root: Path, folder: str) -> list[Recording]:
    index = root / folder / "sounds.xml"
    if not index.is_file():
        raise RealDataError(
            f"klettres-data: expected {index}, got no such file; install the Debian package "
            "with `apt-get install -y klettres-data`"
        )
    tree = ET.parse(index)
    out = []
    for alphabet in tree.iter("alphabet"):
        for sound in alphabet.iter("sound"):
            name = sound.get("name", "").upper()
            if name in LETTERS:
                path = root / sound.get("file", "")
                out.append(Recording(name, KLETTRES_SETS[folder], folder, path))
    return out


def klettres_letters(root: Path = KLETTRES_ROOT) -> tuple[list[Recording], list[np.ndarray]]:
    """Every letter recording of the English and French sets, and its model inputs."""
    recordings = [r for folder in KLETTRES_SETS for r in _recordings(root, folder)]
    inputs = []
    for r in recordings:
        audio, rate = soundfile.read(r.path, dtype="float32")
        inputs.append(feat.features(feat.to_mono_16k(audio, rate)).astype(np.float16))
    return recordings, inputs
