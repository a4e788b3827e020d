"""English–French sentence pairs from the gettext catalogs Debian packages install.

Each package installs ``/usr/share/locale/fr/LC_MESSAGES/DOMAIN.mo``; the standard library's
``gettext.GNUTranslations`` parses it into msgid (English) → msgstr (French). Messages are kept
when they read like a sentence: no format directives, markup or line breaks, 3–16 words starting
with a capital letter, and a translation of comparable length.
"""

from __future__ import annotations

import gettext
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from lstmlab.apps.translate.pairs import Pair, Split

__all__ = [
    "CATALOGS",
    "LOCALE_DIR",
    "MessageError",
    "read_catalog",
    "sentence_like",
    "message_split",
]

LOCALE_DIR = Path("/usr/share/locale/fr/LC_MESSAGES")

#: The default set: gettext domain → the Debian package that installs its French catalog
#: (``.ci/run`` installs them). Chosen for many short user-facing sentences.
CATALOGS: dict[str, str] = {
    "gtk20-properties": "libgtk2.0-common",
    "gtk20": "libgtk2.0-common",
    "glib20": "libglib2.0-data",
    "git": "git",
    "libc": "libc-l10n",
    "gnupg2": "gnupg-l10n",
    "coreutils": "coreutils",
    "tar": "tar",
    "wget": "wget",
    "apt": "apt",
    "libapt-pkg6.0": "libapt-pkg6.0",
    "procps-ng": "procps",
    "gnutls30": "libgnutls30",
}

_ENGLISH = re.compile(r"[A-Z][A-Za-z ,.'\-:;!?()]+")
_FRENCH = re.compile(r"[\w ,.'’\-:;!?()«»]+")
MIN_WORDS, MAX_WORDS = 3, 16


class MessageError(Exception):
    """A catalog is missing or unreadable."""


def read_catalog(path: Path) -> dict[str, str]:
    """msgid → msgstr of one .mo file (plural forms and the header left out)."""
    try:
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
    except FileNotFoundError as e:
        raise MessageError(f"catalog: expected a file {path}, got none") from e
    except OSError as e:  # gettext raises OSError for a file that is not a .mo catalog
        raise MessageError(f"catalog: expected a gettext .mo file at {path}, got: {e}") from e
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k and v}


def sentence_like(en: str, fr: str) -> bool:
    if not (_ENGLISH.fullmatch(en) and _FRENCH.fullmatch(fr)):
        return False
    n_en, n_fr = len(en.split()), len(fr.split())
    return MIN_WORDS <= n_en <= MAX_WORDS and 0.5 <= n_fr / n_en <= 2.5


def _bucket(text: str) -> float:
    """A stable number in [0, 1) from the text: the same message lands in the same split."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def message_split(
    domains: Sequence[str] = tuple(CATALOGS),
    locale_dir: Path = LOCALE_DIR,
    val_fraction: float = 0.05,
    test_fraction: float = 0.08,
) -> Split:
    """Sentence-like pairs of ``domains``, deduplicated on the English side, split by a hash of
    the English text (so a message and its repeats in other catalogs share a split)."""
    seen: dict[str, Pair] = {}
    counts: dict[str, dict[str, int]] = {}
    for domain in domains:
        catalog = read_catalog(locale_dir / f"{domain}.mo")
        kept = 0
        for en, fr in catalog.items():
            if sentence_like(en, fr) and en not in seen:
                seen[en] = Pair(en, fr, domain)
                kept += 1
        counts[domain] = {"messages": len(catalog), "kept": kept}
    train, val, test = [], [], []
    for en in sorted(seen):
        u = _bucket(en)
        (test if u < test_fraction else val if u < test_fraction + val_fraction else train).append(
            seen[en]
        )
    info = {
        "source": "gettext catalogs",
        "locale_dir": str(locale_dir),
        "catalogs": {d: {"package": CATALOGS.get(d), **counts[d]} for d in domains},
    }
    return Split(train=train, val=val, test=test, info=info)
