"""``lstmlab app speech train|evaluate|predict``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from lstmlab.apps.cli import app_error, distributed_option, out_option, run_options
from lstmlab.apps.run import (
    AppFolderError,
    check_app_folder,
    init_app_folder,
    train_dir,
    write_app_metrics,
)
from lstmlab.apps.speech.config import SpeechConfig
from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.cli.distributed import distributed_session
from lstmlab.data import cache_dir

__all__ = ["group"]


@click.group("speech")
def group() -> None:
    """Speech recognition: spoken digit strings (English, French) synthesised by espeak-ng,
    transcribed by a bidirectional LSTM with CTC; an isolated-word model tested on real voices."""


def _corpora(cfg, console: Console, progress: bool, words: bool):
    from lstmlab.apps.speech.corpus import load_corpus
    from lstmlab.apps.speech.synth import SynthesisError

    root = cache_dir() / "speech"
    try:
        digits = load_corpus(cfg.digits_corpus(), root, cfg.workers, console, progress)
        word_set = (
            load_corpus(cfg.words_corpus(), root, cfg.workers, console, progress) if words else None
        )
    except SynthesisError as err:
        raise click.ClickException(str(err)) from err
    return digits, word_set


PARTS = ("all", "model", "lstm_unidirectional", "rnn_unidirectional", "words")


@group.command()
@run_options
@click.option(
    "--part",
    type=click.Choice(PARTS),
    default="all",
    show_default=True,
    help="Train only this model of the run (run the others later, or at the same time in "
    "another process, with the same --out and options).",
)
@distributed_option
@dataclass_options(SpeechConfig, exclude=("out_dir",))
def train(out: str, resume: bool, quiet: bool, part: str, distributed: bool, **values) -> None:
    """Synthesise the corpora (once, cached) and train the model, the baselines and the
    isolated-word model, each with the one training loop."""
    from lstmlab.apps.speech.models import APP
    from lstmlab.training.distributed import from_rank0

    cfg = config_from_options(SpeechConfig, values)
    console = Console()
    with distributed_session(distributed) as ranks:
        want_words = cfg.words and part in ("all", "words")
        corpora = []

        def prepare() -> None:  # rank 0 writes the folder and fills the corpus cache first
            init_app_folder(out, APP, cfg.to_dict())
            corpora.append(_corpora(cfg, console, not quiet, want_words))

        try:
            from_rank0(prepare, ranks)
        except AppFolderError as err:
            raise app_error(err) from err
        if not ranks.main:  # the other ranks read what rank 0 synthesised (or make their own)
            corpora.append(_corpora(cfg, console, False, want_words))
        _train_runs(cfg, out, part, resume, quiet, distributed, ranks.main, console, *corpora[0])


def _train_runs(cfg, out, part, resume, quiet, distributed, main, console, digits, words) -> None:
    from lstmlab.apps.speech.corpus import WORDS
    from lstmlab.apps.speech.models import (
        baseline_cores,
        baseline_dir,
        make_ctc,
        make_words,
        words_dir,
    )
    from lstmlab.apps.speech.problem import CTCProblem, WordProblem
    from lstmlab.training import RunFolderError, fit

    runs = [("model", CTCProblem(digits, cfg.batch_size, cfg.seed), lambda: make_ctc(cfg.core()),
             train_dir(out))]  # fmt: skip
    if cfg.baselines:
        for name, core in baseline_cores(cfg).items():
            runs.append(
                (name, CTCProblem(digits, cfg.batch_size, cfg.seed),
                 lambda core=core: make_ctc(core), baseline_dir(out, name))
            )  # fmt: skip
    if words is not None:
        runs.append(
            ("words", WordProblem(words, WORDS, cfg.batch_size, cfg.seed),
             lambda: make_words(cfg.core()), words_dir(out))
        )  # fmt: skip
    for label, problem, make_model, run_dir in runs:
        if part not in ("all", label):
            continue
        try:
            result = fit(
                problem,
                make_model,
                replace(cfg, out_dir=str(run_dir)),
                resume=resume,
                progress=not quiet,
                console=console,
                label=f"speech {label}",
                distributed=distributed,
            )
        except RunFolderError as err:
            raise app_error(err) from err
        if not main:
            continue
        console.print(
            f"{label}: test {result.metric_name} {result.metrics['metric']:.4g} after "
            f"{result.steps} steps, {result.wall_time:.0f} s ({result.stop_reason})"
        )
    if main:
        console.print(f"next: lstmlab app speech evaluate --out {out}")


@group.command()
@out_option
def evaluate(out: str) -> None:
    """Test every model of the run on unseen speakers (greedy and beam search), the word model
    on real recordings; write DIR/metrics.json and the confusion matrix."""
    from lstmlab.apps.speech.evaluate import evaluate_run
    from lstmlab.apps.speech.models import APP
    from lstmlab.apps.speech.report import print_speech_metrics

    console = Console()
    try:
        cfg = SpeechConfig.from_dict(check_app_folder(out, APP))
        digits, words = _corpora(cfg, console, True, cfg.words)
        model, baselines, data = evaluate_run(Path(out), cfg, digits, words)
    except AppFolderError as err:
        raise app_error(err) from err
    metrics = write_app_metrics(out, model, baselines, data)
    print_speech_metrics(console, metrics)


@group.command()
@out_option
@click.option("--words", is_flag=True, help="Use the isolated-word model (one digit or letter).")
@click.argument("file", type=click.Path(dir_okay=False))
def predict(out: str, words: bool, file: str) -> None:
    """Transcribe FILE.wav (any sample rate, mono or stereo): digits by the CTC model with beam
    search, or one word (a digit or a letter) with --words."""
    import torch

    from lstmlab.apps.speech.audio import read_wav
    from lstmlab.apps.speech.corpus import WORDS
    from lstmlab.apps.speech.features import features
    from lstmlab.apps.speech.models import APP, load_model, make_ctc, make_words, words_dir
    from lstmlab.apps.speech.problem import classify, transcribe

    try:
        cfg = SpeechConfig.from_dict(check_app_folder(out, APP))
        if words and not cfg.words:
            raise AppFolderError(f"--words: expected a run with the word model, got {out!r}")
        model = (
            load_model(words_dir(out), make_words(cfg.core()))
            if words
            else load_model(train_dir(out), make_ctc(cfg.core()))
        )
    except AppFolderError as err:
        raise app_error(err, "--words" if str(err).startswith("--words") else "--out") from err
    try:
        x = features(read_wav(file))
    except ValueError as err:
        raise click.BadParameter(str(err).removeprefix("FILE: "), param_hint="FILE") from err
    if len(x) < 1:
        raise click.BadParameter("expected at least 30 ms of audio, got less", param_hint="FILE")
    if words:
        p = torch.softmax(classify(model, [x])[0], 0)
        top = torch.topk(p, 3)
        click.echo(WORDS[int(top.indices[0])])
        for k, v in zip(top.indices.tolist(), top.values.tolist(), strict=True):
            click.echo(f"  {WORDS[k]}: {v:.3f}", err=True)
    else:
        click.echo(transcribe(model, [x], cfg.beam)[0] or "(nothing recognised)")
