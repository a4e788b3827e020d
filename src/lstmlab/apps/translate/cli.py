"""``lstmlab app translate train|evaluate|predict``: a thin map onto train_app, evaluate_app,
translate."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from lstmlab.apps.cli import app_error, distributed_option, out_option, run_options
from lstmlab.apps.run import AppFolderError, print_app_metrics, write_app_metrics
from lstmlab.apps.translate.config import TranslateConfig
from lstmlab.apps.translate.evaluation import evaluate_app, load_models
from lstmlab.apps.translate.messages import MessageError
from lstmlab.apps.translate.plot import save_attention_png
from lstmlab.apps.translate.predict import attention_png, translate
from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.cli.distributed import distributed_session
from lstmlab.training import RunFolderError

__all__ = ["group"]

beam_option = click.option(
    "--beam", type=click.IntRange(min=1), default=5, show_default=True,
    help="Beam width K of beam search (1 = greedy).",
)  # fmt: skip


@click.group("translate")
def group() -> None:
    """English → French: LSTM encoder-decoder with attention (Bahdanau 2015), its baselines."""


@group.command("train")
@run_options
@click.option(
    "--baselines/--no-baselines", default=True, show_default=True,
    help="Also train the no-attention model and the Transformer at the same wall-clock budget.",
)  # fmt: skip
@distributed_option
@dataclass_options(TranslateConfig, exclude=("out_dir",))
def train_command(
    out: str, resume: bool, quiet: bool, baselines: bool, distributed: bool, **values
) -> None:
    """Train a translation model (and its baselines) into --out."""
    from lstmlab.apps.translate.train import train_app

    cfg = config_from_options(TranslateConfig, values)
    console = Console()
    with distributed_session(distributed) as ranks:
        try:
            results = train_app(
                cfg, out, baselines=baselines, resume=resume, progress=not quiet,
                console=console, distributed=distributed,
            )  # fmt: skip
        except (AppFolderError, RunFolderError) as err:
            raise app_error(err) from err
        except MessageError as err:
            raise app_error(err, "--catalogs") from err
    if not ranks.main:
        return
    for name, r in results.items():
        console.print(
            f"{name}: val exact match {r.val_metrics.get('metric', float('nan')):.1f}%, "
            f"held-out exact match {r.metrics['metric']:.1f}% after {r.steps} steps, "
            f"{r.wall_time:.0f} s, {r.params} parameters"
        )


@group.command("evaluate")
@out_option
@beam_option
def evaluate_command(out: str, beam: int) -> None:
    """Score every model of --out on the held-out split; write --out/metrics.json."""
    try:
        scores, data = evaluate_app(out, beam)
    except AppFolderError as err:
        raise app_error(err) from err
    shown = ("exact_match", "chrf", "bleu", f"beam{beam}_exact_match", f"beam{beam}_bleu",
             "val_exact_match", "params", "steps", "train_seconds")  # fmt: skip
    headline = {n: {k: s[k] for k in shown if k in s} for n, s in scores.items()}
    metrics = write_app_metrics(out, scores.pop("model"), scores, data)
    console = Console()
    print_app_metrics(
        console, {"model": headline.pop("model"), "baselines": headline, "data": data}
    )
    rows = {"lstmlab model": metrics["model"], **metrics["baselines"]}
    for kind in rows["lstmlab model"]["groups"]:
        table = Table(title=f"exact match (%) by {kind}")
        table.add_column(kind)
        for name in rows:
            table.add_column(name, justify="right")
        for g, v in rows["lstmlab model"]["groups"][kind].items():
            cells = [_percent(r["groups"][kind].get(g)) for r in rows.values()]
            table.add_row(f"{g} ({int(v['n'])})", *cells)
        console.print(table)


def _percent(entry: dict | None) -> str:
    return "—" if entry is None else f"{entry['exact_match']:.1f}"


@group.command("predict")
@out_option
@beam_option
@click.argument("sentence")
def predict_command(out: str, beam: int, sentence: str) -> None:
    """Translate SENTENCE with the model of --out; write its attention map as a PNG there."""
    try:
        cfg, vocabs, models = load_models(out)
    except AppFolderError as err:
        raise app_error(err) from err
    model, _ = models["model"]
    try:
        result = translate(model, vocabs, sentence, beam)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="SENTENCE") from err
    click.echo(result.text)
    if result.attention is not None:
        path = attention_png(out, sentence)
        target = [*result.target, "</s>"]
        save_attention_png(path, result.attention[: len(target)], result.source, target)
        click.echo(f"attention map: {path}")
