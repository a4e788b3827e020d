"""The synthetic speakers: espeak-ng voices × voice variants, split so test speakers are unseen.

A speaker is a (voice, variant) pair. Training, validation and test use disjoint sets of
variants, and two voices (one per language) are used only in the test split, so every test
utterance comes from a speaker the model never heard (an unseen voice, variant, or both).

A fact of espeak-ng 1.51 worth knowing when reading the French results: fr-fr, fr-be and fr-ch
differ only in the words for 70, 80 and 90 ("septante", "huitante", "nonante"), so for single
digits and letters the three French voices produce the same audio; in French the unseen speaker
comes from the held-out variants alone.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LANGUAGES",
    "VOICE_FILES",
    "HELD_OUT_VOICES",
    "SPLIT_VARIANTS",
    "SPLITS",
    "Speaker",
    "speakers",
]

SPLITS: tuple[str, ...] = ("train", "val", "test")

#: Voices by language, by their espeak-ng names.
LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("en-us", "en-gb", "en-gb-scotland", "en-029"),
    "fr": ("fr-fr", "fr-be", "fr-ch"),
}

#: The voice files behind the names. espeak-ng 1.51 ignores a "+variant" after "fr-fr" (it
#: resolves that name by language and drops the suffix), but honours it after the file path.
VOICE_FILES: dict[str, str] = {
    "en-us": "gmw/en-US",
    "en-gb": "gmw/en",
    "en-gb-scotland": "gmw/en-GB-scotland",
    "en-029": "gmw/en-029",
    "fr-fr": "roa/fr",
    "fr-be": "roa/fr-BE",
    "fr-ch": "roa/fr-CH",
}

#: Voices heard only in the test split.
HELD_OUT_VOICES: tuple[str, ...] = ("en-029", "fr-ch")

#: Voice variants (espeak-ng-data/voices/!v) per split; "" is the voice's own default.
#: Robotic, whispered and croaking variants are left out: they are not speakers.
SPLIT_VARIANTS: dict[str, tuple[str, ...]] = {
    "train": (
        "", "m1", "m2", "m3", "m4", "m5", "m6", "f1", "f2", "f3", "klatt", "klatt2",
        "adam", "Andy", "Annie", "boris", "david", "ed", "john", "linda", "max", "michel",
        "paul", "robert", "steph", "zac",
    ),
    "val": ("m7", "f4", "klatt4", "Alex", "aunty", "caleb"),
    "test": ("m8", "f5", "klatt3", "belinda", "benjamin", "edward", "iven", "quincy"),
}  # fmt: skip


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: an espeak-ng voice and a variant of it."""

    voice: str
    variant: str = ""

    @property
    def language(self) -> str:
        return next(lang for lang, voices in LANGUAGES.items() if self.voice in voices)

    @property
    def espeak_voice(self) -> str:
        """The ``-v`` argument of espeak-ng for this speaker."""
        base = VOICE_FILES[self.voice]
        return f"{base}+{self.variant}" if self.variant else base

    @property
    def name(self) -> str:
        return f"{self.voice}+{self.variant}" if self.variant else self.voice


def speakers(split: str, language: str) -> tuple[Speaker, ...]:
    """The speakers of ``split`` in ``language``: the split's variants on its voices.

    Train and validation use the voices that are not held out; the test split uses every voice
    of the language (so the held-out voices appear only there) with the test variants.
    """
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {', '.join(SPLITS)}, got {split!r}")
    if language not in LANGUAGES:
        raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    voices = LANGUAGES[language]
    if split != "test":
        voices = tuple(v for v in voices if v not in HELD_OUT_VOICES)
    return tuple(Speaker(v, var) for v in voices for var in SPLIT_VARIANTS[split])
