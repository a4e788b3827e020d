"""Fixtures of the translate tests: a gettext .mo catalog written as msgfmt would."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest


def write_mo(path: Path, messages: dict[str, str]) -> Path:
    """msgid → msgstr as a little-endian .mo file, with the header entry gettext expects."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    ids = sorted(entries)
    keys = [k.encode() for k in ids]
    values = [entries[k].encode() for k in ids]
    n = len(ids)
    start = 7 * 4 + 16 * n  # header, then the two tables of (length, offset)
    blob, key_table, value_table = b"", [], []
    for s in keys:
        key_table += [len(s), start + len(blob)]
        blob += s + b"\0"
    for s in values:
        value_table += [len(s), start + len(blob)]
        blob += s + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    tables = struct.pack(f"<{4 * n}I", *key_table, *value_table)
    path.write_bytes(header + tables + blob)
    return path


@pytest.fixture
def mo_dir(tmp_path: Path) -> Path:
    """A locale folder with two small catalogs: "alpha" (sentences and noise) and "beta"."""
    write_mo(
        tmp_path / "alpha.mo",
        {
            "Cannot open the file.": "Impossible d'ouvrir le fichier.",
            "The size of the window": "La taille de la fenêtre",
            "Cannot read %s": "Impossible de lire %s",  # a format directive: not a sentence
            "yes": "oui",  # too short
            "Show the <b>help</b> text": "Afficher le texte d'<b>aide</b>",  # markup
            "Line one\nline two here": "Ligne un\nligne deux ici",  # a line break
            "Write the output to the given path now": "Écrire",  # lengths too different
        },
    )
    write_mo(
        tmp_path / "beta.mo",
        {
            "The size of the window": "Taille de fenêtre",  # repeat of alpha's: kept once
            "Remove the selected files from the list.": "Retirer de la liste les fichiers choisis.",
        },
    )
    return tmp_path
