"""Number phrases English → French spelled by ``num2words`` (its output is the ground truth).

Whole ranges are held out of training so the test asks for numbers never seen, built from parts
that were: every number in [700, 800) ("seven hundred" is seen only inside "… thousand, seven
hundred …") and every number above 100 that ends in 71, 81 or 91 (French "soixante et onze",
"quatre-vingt-un", "quatre-vingt-onze" are seen alone and after "mille …" only).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from lstmlab.apps.translate.pairs import Pair, Split
from lstmlab.training.atomic import write_json_atomic

__all__ = ["NumberSettings", "held_out_rule", "number_pairs", "number_split", "range_of"]

#: Last two digits whose numbers above 100 are held out: the irregular French 70s, 80s, 90s.
HELD_OUT_ENDINGS = (71, 81, 91)
HELD_OUT_RANGE = (700, 800)


@dataclass(frozen=True)
class NumberSettings:
    """Which numbers, and how the part that is not held out is split into train and val."""

    max_number: int = 9999
    n_val: int = 300
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.max_number, bool) or not isinstance(self.max_number, int):
            raise TypeError(f"max_number: expected an int >= 1000, got {self.max_number!r}")
        if self.max_number < 1000:
            raise ValueError(f"max_number: expected an int >= 1000, got {self.max_number}")
        if not 0 < self.n_val < self.max_number // 2:
            raise ValueError(
                f"n_val: expected 0 < n_val < {self.max_number // 2}, got {self.n_val}"
            )


def held_out_rule(n: int) -> str | None:
    """The held-out group of ``n`` ("700-799", "x71", "x81", "x91"), or None if it is trained on."""
    if HELD_OUT_RANGE[0] <= n < HELD_OUT_RANGE[1]:
        return f"{HELD_OUT_RANGE[0]}-{HELD_OUT_RANGE[1] - 1}"
    if n > 100 and n % 100 in HELD_OUT_ENDINGS:
        return f"x{n % 100}"
    return None


def range_of(n: int) -> str:
    """The tens group of n's last two digits ("70-79" …): where French turns irregular."""
    tens = n % 100 // 10 * 10
    return f"{tens:02d}-{tens + 9:02d}"


def number_pairs(numbers: range) -> list[Pair]:
    from num2words import num2words

    return [Pair(num2words(n, lang="en"), num2words(n, lang="fr"), str(n)) for n in numbers]


def number_split(settings: NumberSettings, cache: Path | None) -> Split:
    """Train / val / test pairs; test = every held-out number. Cached as JSON with its settings."""
    version_n2w = version("num2words")
    key = {"settings": asdict(settings), "num2words": version_n2w}
    path = None
    if cache is not None:
        path = cache / f"numbers-{settings.max_number}-{settings.n_val}-{settings.seed}.json"
        if path.exists():
            stored = json.loads(path.read_text())
            if stored["key"] == key:
                return Split.from_dict(stored["split"])
    pairs = number_pairs(range(settings.max_number + 1))
    test = [p for p in pairs if held_out_rule(int(p.tag)) is not None]
    rest = [p for p in pairs if held_out_rule(int(p.tag)) is None]
    random.Random(settings.seed).shuffle(rest)
    split = Split(
        train=rest[settings.n_val :],
        val=rest[: settings.n_val],
        test=test,
        info={"source": "num2words", "num2words": version_n2w, **asdict(settings)},
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, {"key": key, "split": split.to_dict()})
    return split
