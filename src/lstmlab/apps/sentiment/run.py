"""A sentiment run folder: what ``train`` leaves beside the training run, and how the other
verbs rebuild the model and the data from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safetensors.torch import load_file

from lstmlab.apps.run import check_app_folder, trained_model_file
from lstmlab.apps.sentiment.config import SentimentConfig
from lstmlab.apps.sentiment.corpus import CORPORA, Corpus, load_corpus
from lstmlab.apps.sentiment.encode import encode_texts
from lstmlab.apps.sentiment.model import SentimentLSTM
from lstmlab.apps.sentiment.problem import SentimentProblem
from lstmlab.apps.sentiment.split import split_corpus
from lstmlab.apps.sentiment.vocab import Vocabulary
from lstmlab.data import get_source
from lstmlab.training.atomic import write_json_atomic

__all__ = [
    "APP",
    "VOCAB_FILE",
    "make_model",
    "make_problem",
    "training",
    "load_run",
    "load_splits",
    "data_summary",
    "save_vocab",
    "load_vocab",
]

APP = "sentiment"
VOCAB_FILE = "vocab.json"


def load_splits(cfg: SentimentConfig) -> tuple[Corpus, dict[str, Corpus]]:
    corpus = load_corpus(cfg.corpus)
    return corpus, split_corpus(
        corpus, seed=cfg.seed, val_fraction=cfg.val_fraction, test_fraction=cfg.test_fraction
    )


def make_model(cfg: SentimentConfig, vocab_size: int) -> SentimentLSTM:
    return SentimentLSTM(
        vocab_size,
        cfg.embed,
        cfg.hidden,
        cfg.layers,
        variant=cfg.variant,
        pooling=cfg.pooling,
        dropout=cfg.dropout,
    )


def make_problem(
    cfg: SentimentConfig, vocab: Vocabulary, splits: dict[str, Corpus]
) -> SentimentProblem:
    encoded = {
        name: (encode_texts(vocab, part.texts, cfg.max_len), part.labels)
        for name, part in splits.items()
    }
    return SentimentProblem(
        encoded, batch_size=cfg.batch_size, seed=cfg.seed, eval_batch_size=cfg.eval_batch_size
    )


def training(cfg: SentimentConfig) -> tuple[SentimentProblem, Callable[[], SentimentLSTM]]:
    """What ``lstmlab.training.fit`` needs to train on ``cfg``: the problem over the encoded
    splits and the model factory (used by the variant study)."""
    _, splits = load_splits(cfg)
    vocab = Vocabulary.build(splits["train"].texts, cfg.min_count)
    return make_problem(cfg, vocab, splits), lambda: make_model(cfg, len(vocab))


def save_vocab(out: Path, vocab: Vocabulary) -> None:
    write_json_atomic(out / VOCAB_FILE, vocab.tokens)


def load_vocab(out: Path) -> Vocabulary:
    return Vocabulary(json.loads((out / VOCAB_FILE).read_text()))


def load_run(out: str | Path) -> tuple[SentimentConfig, Vocabulary, SentimentLSTM]:
    """The config, vocabulary and trained model (in eval mode) of the finished run in ``out``;
    an AppFolderError if ``out`` is not a finished sentiment run."""
    out = Path(out)
    stored = check_app_folder(out, APP)
    weights = trained_model_file(out, APP)
    cfg = SentimentConfig.from_dict(stored)
    vocab = load_vocab(out)
    model = make_model(cfg, len(vocab))
    model.load_state_dict(load_file(weights))
    return cfg, vocab, model.eval()


def data_summary(
    cfg: SentimentConfig, corpus: Corpus, splits: dict[str, Corpus], vocab: Vocabulary
) -> dict[str, Any]:
    source = get_source(CORPORA[cfg.corpus].source)
    return {
        "corpus": cfg.corpus,
        "source": f"{source.package}=={source.version} ({source.filename})",
        "license": source.license,
        "sentences": len(corpus),
        "classes": corpus.counts(),
        "dropped": corpus.dropped,
        "split": {name: len(part) for name, part in splits.items()},
        "seed": cfg.seed,
        "val_fraction": cfg.val_fraction,
        "test_fraction": cfg.test_fraction,
        "vocabulary": len(vocab),
        "min_count": cfg.min_count,
        "rules": {
            "split": "stratified by label, sklearn train_test_split twice",
            "tokenizer": "lower-case; words (inner apostrophes kept) and single punctuation marks",
        },
        "config": {k: v for k, v in asdict(cfg).items() if k != "out_dir"},
    }
