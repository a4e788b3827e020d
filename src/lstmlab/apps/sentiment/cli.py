"""``lstmlab app sentiment train|evaluate|predict``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from lstmlab.apps.cli import app_error, distributed_option, out_option, run_options
from lstmlab.apps.run import AppFolderError, init_app_folder, print_app_metrics, train_dir
from lstmlab.apps.sentiment.config import SentimentConfig
from lstmlab.apps.sentiment.evaluate import evaluate_run
from lstmlab.apps.sentiment.plot import trace_png, trace_text
from lstmlab.apps.sentiment.run import (
    APP,
    VOCAB_FILE,
    load_run,
    load_splits,
    load_vocab,
    make_model,
    make_problem,
    save_vocab,
)
from lstmlab.apps.sentiment.trace import trace_sentence
from lstmlab.apps.sentiment.vocab import Vocabulary
from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.cli.distributed import distributed_session
from lstmlab.data import DataError
from lstmlab.training import RunFolderError, fit
from lstmlab.training.atomic import write_bytes_atomic
from lstmlab.training.distributed import from_rank0

__all__ = ["group"]

TRACE_FILE = "trace.png"


@click.group(APP)
def group() -> None:
    """Sentiment of a sentence: embedding, bidirectional LSTM, pooling, classifier."""


@group.command()
@run_options
@distributed_option
@dataclass_options(SentimentConfig, exclude=("out_dir",))
def train(out: str, resume: bool, quiet: bool, distributed: bool, **options) -> None:
    """Train on the corpus' training split; the validation split picks the weights."""
    cfg = config_from_options(SentimentConfig, options, out_dir=str(train_dir(out)))
    console = Console()

    def prepare_folder(vocab: Vocabulary) -> None:  # rank 0 alone writes the run folder
        folder = init_app_folder(out, APP, cfg.to_dict())
        if (folder / VOCAB_FILE).is_file() and load_vocab(folder).tokens != vocab.tokens:
            raise AppFolderError(
                f"out: expected the vocabulary of this config's training split in {out!r}, got "
                "another one; use a new --out"
            )
        save_vocab(folder, vocab)

    with distributed_session(distributed) as ranks:
        try:
            _, splits = load_splits(cfg)
            vocab = Vocabulary.build(splits["train"].texts, cfg.min_count)
            from_rank0(lambda: prepare_folder(vocab), ranks)
            result = fit(
                make_problem(cfg, vocab, splits),
                lambda: make_model(cfg, len(vocab)),
                cfg,
                resume=resume,
                progress=not quiet,
                console=console,
                label=f"sentiment {cfg.corpus} {cfg.variant} seed {cfg.seed}",
                distributed=distributed,
            )
        except (AppFolderError, RunFolderError) as err:
            raise app_error(err) from err
        except DataError as err:
            raise click.ClickException(str(err)) from err
    if not ranks.main:
        return
    m = result.metrics
    console.print(
        f"test accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f} "
        f"({result.steps} steps, {result.wall_time:.0f} s, stopped by {result.stop_reason}); "
        f"baselines: `lstmlab app sentiment evaluate --out {out}`"
    )


@group.command()
@out_option
def evaluate(out: str) -> None:
    """Model and baselines (majority class, TF-IDF + logistic regression) on the test split."""
    try:
        metrics = evaluate_run(out)
    except AppFolderError as err:
        raise app_error(err) from err
    except DataError as err:
        raise click.ClickException(str(err)) from err
    print_app_metrics(
        Console(), metrics, title=f"sentiment, test split of {metrics['data']['corpus']}"
    )


@group.command()
@out_option
@click.argument("sentence")
def predict(out: str, sentence: str) -> None:
    """Label and probability of SENTENCE, and its word-by-word trace (also OUT/trace.png)."""
    try:
        cfg, vocab, model = load_run(out)
    except AppFolderError as err:
        raise app_error(err) from err
    try:
        trace = trace_sentence(model, vocab, sentence, cfg.max_len)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="SENTENCE") from err
    console = Console()
    console.print(f"[bold]{trace.label}[/bold] (probability {trace.probability:.3f})")
    console.print("p(positive) after each word:")
    console.print(trace_text(trace))
    png = Path(out) / TRACE_FILE
    write_bytes_atomic(png, trace_png(trace))
    console.print(f"trace: {png}")
