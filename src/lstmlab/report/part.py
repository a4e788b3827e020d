"""What the report is made of: parts that compute (cached) and render (per language).

A *part* is one experiment of the report: ``compute`` runs it and returns JSON-able data (numbers,
short arrays, generated text); the runner caches that data by the part's ``config`` so a rerun is
instant and an interrupted run resumes at the first part not yet cached. ``render`` turns the
cached data into blocks (prose, figures, tables) in one language, so the same measurement gives the
English and the French page, and figures are drawn with labels in the page's language.

Each section module in ``lstmlab.report.sections`` exposes ``TITLE`` and ``INTRO`` (``Text``) and
``parts(level) -> list[Part]``; the registry there gives the order, which follows the notes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

__all__ = [
    "LEVELS",
    "Level",
    "Lang",
    "LANGS",
    "Text",
    "pick",
    "PartContext",
    "Part",
    "Block",
    "Heading",
    "Paragraph",
    "Figure",
    "Table",
    "Code",
    "Equation",
    "figure_png",
    "figure",
]

#: ``ci`` is the reduced budget the test suite runs (about a minute in all), ``quick`` the default
#: (at most about 10 minutes on 2 cores), ``full`` the long version the README's tables come from.
Level = Literal["ci", "quick", "full"]
LEVELS: tuple[Level, ...] = ("ci", "quick", "full")

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")

#: A piece of prose in every language of the report: {"en": "...", "fr": "..."}.
Text = Mapping[str, str]


T = TypeVar("T")


def pick(lang: Lang, en: T, fr: T) -> T:
    """The text in ``lang``: ``pick(lang, en="Learning rate", fr="Taux d'apprentissage")``; or
    the words of a table's heading: ``pick(lang, en=["model", "lag"], fr=["modèle", "décalage"])``.
    """
    return fr if lang == "fr" else en


@dataclass(frozen=True)
class PartContext:
    """What ``compute`` gets: where to keep its run folders, the seed, the budget level."""

    workdir: Path  # a folder of this part's own (run folders, checkpoints); kept between runs
    seed: int
    level: Level
    progress: Callable[[str], None] = lambda message: None  # one line of progress


@dataclass(frozen=True)
class Part:
    """One experiment of the report.

    ``config`` (JSON-able) is everything that decides the result; with ``section``, ``name`` and
    the lstmlab version it is the cache key. ``command`` is the CLI command a reader can run to
    get the same numbers (shown next to them with the seed, the date and the machine).
    """

    section: str
    name: str
    config: Mapping[str, Any]
    compute: Callable[[PartContext], dict[str, Any]]
    render: Callable[[dict[str, Any], Lang], list[Block]]
    command: str
    title: Text = field(default_factory=dict)


# ---------------------------------------------------------------- blocks: what a page is made of


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 3


@dataclass(frozen=True)
class Paragraph:
    text: str  # plain text; the writer escapes it


@dataclass(frozen=True)
class Figure:
    png: bytes  # embedded in the page as a data: URI
    caption: str
    alt: str


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True)
class Code:
    text: str  # shown verbatim (source taken from lstmlab's own files)
    caption: str = ""


@dataclass(frozen=True)
class Equation:
    text: str  # one equation in Unicode, e.g. "c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t"


Block = Heading | Paragraph | Figure | Table | Code | Equation


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """A matplotlib figure as PNG bytes (then closed). Use the Agg backend's ``Figure`` directly
    (``matplotlib.figure.Figure()``), never ``pyplot``, so no global state changes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def figure(fig: Any, lang: Lang, caption: Text, alt: Text) -> Figure:
    """The block of the matplotlib figure ``fig`` (drawn by ``figure_png``) in ``lang``, its
    caption and alt text given in both languages: ``figure(fig, lang, caption={"en": "Loss
    against steps", "fr": "Perte selon les pas"}, alt={"en": "loss curve", "fr": "courbe de
    perte"})``."""
    for argument, text in (("caption", caption), ("alt", alt)):
        missing = [language for language in LANGS if language not in text]
        if missing:
            raise ValueError(f"{argument}: expected a text in each of {LANGS}, missing {missing}")
    return Figure(
        figure_png(fig),
        caption=pick(lang, en=caption["en"], fr=caption["fr"]),
        alt=pick(lang, en=alt["en"], fr=alt["fr"]),
    )
