"""``lstmlab app text train|evaluate|predict``: a thin map onto train_app, evaluate_app and
generate."""

from __future__ import annotations

import click
from rich.console import Console

from lstmlab.apps.cli import app_error, distributed_option, out_option, run_options
from lstmlab.apps.run import AppFolderError, print_app_metrics, write_app_metrics
from lstmlab.apps.text.config import TextConfig
from lstmlab.apps.text.corpus import CorpusError
from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.data import DataError
from lstmlab.training import RunFolderError

__all__ = ["group"]


@click.group("text")
def group() -> None:
    """Character-level text generation: an LSTM vs a Kneser–Ney n-gram and a Transformer."""


@group.command("train")
@run_options
@distributed_option
@dataclass_options(TextConfig, exclude=("out_dir",))
def train_command(out: str, resume: bool, quiet: bool, distributed: bool, **values) -> None:
    """Train the character model and the same-budget Transformer into --out."""
    from lstmlab.apps.text.train import train_app

    if distributed:  # refused before any rank reads or writes anything
        raise click.BadParameter(
            "expected an application whose training batches can be split between processes, "
            "got `text`, which trains by truncated BPTT over streams (the state is carried from "
            "one batch to the next); train it in one process, without --distributed",
            param_hint="--distributed",
        )
    cfg = config_from_options(TextConfig, values)
    console = Console()
    try:
        results = train_app(cfg, out, resume=resume, progress=not quiet, console=console)
    except (AppFolderError, RunFolderError) as err:
        raise app_error(err) from err
    except CorpusError as err:
        field = str(err).split(":", 1)[0]
        hint = {"val_works": "--val-works", "test_works": "--test-works"}.get(field, "--corpus")
        raise app_error(err, hint) from err
    except DataError as err:
        raise click.ClickException(str(err)) from err
    for name, r in results.items():
        console.print(
            f"{name}: held-out test {r.metrics['bpc']:.3f} bits/char after {r.steps} steps, "
            f"{r.wall_time:.0f} s, {r.params} parameters ({r.stop_reason})"
        )


@group.command("evaluate")
@out_option
def evaluate_command(out: str) -> None:
    """Score every model of --out and the n-gram baselines on the held-out works."""
    from lstmlab.apps.text.evaluation import evaluate_app

    try:
        model, baselines, data = evaluate_app(out)
    except AppFolderError as err:
        raise app_error(err) from err
    metrics = write_app_metrics(out, model, baselines, data)
    shown = ("test_bpc", "val_bpc", "train_sample_bpc", "params", "steps", "train_seconds")
    print_app_metrics(
        Console(),
        {
            "model": {k: metrics["model"][k] for k in shown if k in metrics["model"]},
            "baselines": {
                n: {k: m[k] for k in shown if k in m} for n, m in metrics["baselines"].items()
            },
            "data": {k: v for k, v in data.items() if k != "works"},
        },
        title="bits per character on held-out works (lower is better)",
    )


@group.command("predict")
@out_option
@click.option("--prompt", required=True, help="The text to continue.")
@click.option("--length", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--temperature", type=float, default=0.8, show_default=True)
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="Keep the k likeliest.")
@click.option("--top-p", type=float, default=None, help="Nucleus: keep the mass p.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--model", "which", type=click.Choice(["model", "transformer"]), default="model",
    show_default=True, help="Sample from the recurrent model or the Transformer baseline.",
)  # fmt: skip
def predict_command(
    out: str,
    prompt: str,
    length: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    seed: int,
    which: str,
) -> None:
    """Continue --prompt with a sample of --length characters, streamed to the terminal."""
    from lstmlab.apps.text.evaluation import load_run
    from lstmlab.apps.text.sample import check_sampling, generate

    try:
        check_sampling(temperature, top_k, top_p)
    except ValueError as err:
        name = str(err).split(":", 1)[0]
        raise click.BadParameter(str(err), param_hint="--" + name.replace("_", "-")) from err
    try:
        cfg, vocab, models = load_run(out)
    except AppFolderError as err:
        raise app_error(err) from err
    if which not in models:
        raise click.BadParameter(f"expected a run with a {which}, got none", param_hint="--model")
    if not prompt:
        raise click.BadParameter("expected at least one character, got ''", param_hint="--prompt")
    try:
        ids = vocab.encode(prompt, "prompt")
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--prompt") from err
    click.echo(prompt, nl=False)
    sample = generate(
        models[which], ids, length, temperature=temperature, top_k=top_k, top_p=top_p,
        seed=seed, context=cfg.context,
    )  # fmt: skip
    for k in sample:
        click.echo(vocab.chars[k], nl=False)
    click.echo()
