"""``lstmlab app forecast train|evaluate|predict``: the forecasting application's commands."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
import torch
from rich.console import Console
from rich.table import Table
from safetensors.torch import load_file

from lstmlab.apps.cli import app_error, distributed_option, out_option, run_options
from lstmlab.apps.forecast.baselines import ets_forecasts, seasonal_naive
from lstmlab.apps.forecast.config import ForecastConfig
from lstmlab.apps.forecast.metrics import point_metrics
from lstmlab.apps.forecast.pipeline import Prepared, forecast, load_series, make_model, prepare
from lstmlab.apps.forecast.plot import plot_forecast
from lstmlab.apps.forecast.problem import ForecastProblem, evaluate_forecasts
from lstmlab.apps.forecast.series import Series, SeriesError
from lstmlab.apps.forecast.sources import read_csv
from lstmlab.apps.forecast.windows import ForecastData, Scaler, calendar_features
from lstmlab.apps.run import (
    AppFolderError,
    check_app_folder,
    init_app_folder,
    print_app_metrics,
    train_dir,
    trained_model_file,
    write_app_metrics,
)
from lstmlab.cli.dataclass_options import config_from_options, dataclass_options
from lstmlab.cli.distributed import distributed_session
from lstmlab.data import DataError
from lstmlab.training import fit
from lstmlab.training.atomic import write_csv_atomic, write_json_atomic
from lstmlab.training.distributed import from_rank0
from lstmlab.training.loop import RunFolderError
from lstmlab.training.result import RunResult

__all__ = ["group", "last_test_forecasts", "load_trained"]

APP = "forecast"
FITTED = "forecast.json"  # what predict needs besides the weights: normalisation, period, lags


@click.group(APP)
def group() -> None:
    """Multi-step forecasts with an 80% interval from an LSTM with covariates, against seasonal
    naive and ETS baselines (default data: half-hourly electricity demand of Victoria, 2014)."""


def _series_error(err: SeriesError) -> click.BadParameter:
    text = str(err)
    hint = text.split(":", 1)[0] if text.startswith("--") else None
    return click.BadParameter(text.split(": ", 1)[1] if hint else text, param_hint=hint)


def _prepare(cfg: ForecastConfig) -> Prepared:
    try:
        return prepare(cfg, load_series(cfg))
    except SeriesError as err:
        raise _series_error(err) from err
    except DataError as err:
        raise click.ClickException(str(err)) from err


@group.command("train")
@dataclass_options(ForecastConfig, exclude=("out_dir",))
@run_options
@distributed_option
def train_command(out: str, resume: bool, quiet: bool, distributed: bool, **options: Any) -> None:
    """Train the forecaster on the data's training part (the final period is held out)."""
    cfg = config_from_options(ForecastConfig, options)
    prep = _prepare(cfg)
    console = Console()
    with distributed_session(distributed) as ranks:

        def prepare_folder() -> None:  # rank 0 alone writes the run folder
            init_app_folder(out, APP, cfg.to_dict())
            write_json_atomic(Path(out) / FITTED, _fitted_state(prep))

        try:
            from_rank0(prepare_folder, ranks)
        except AppFolderError as err:
            raise app_error(err) from err
        run_cfg = replace(cfg, out_dir=str(train_dir(out)))
        label = f"forecast {cfg.variant} h{cfg.hidden} on {prep.series.value_name}"
        try:
            result = fit(
                ForecastProblem(prep, run_cfg),
                lambda: make_model(run_cfg, prep.data),
                run_cfg,
                resume=resume,
                progress=not quiet,
                console=console,
                label=label,
                distributed=distributed,
            )
        except RunFolderError as err:
            raise app_error(err, "--resume") from err
    if not ranks.main:
        return
    m = result.metrics
    console.print(
        f"test ({cfg.origins} origins): MASE {m['MASE']:.3f}, sMAPE {m['sMAPE']:.2f}%, "
        f"{cfg.interval:.0%} interval coverage {m['coverage']:.1%}; {result.steps} steps, "
        f"{result.wall_time:.0f} s, stopped by {result.stop_reason}. "
        f"Next: lstmlab app forecast evaluate --out {out}"
    )


def _fitted_state(prep: Prepared) -> dict[str, Any]:
    s = prep.series
    return {
        "scaler": prep.data.scaler.state(),
        "period": prep.period,
        "lags": list(prep.lags),
        "freq": s.freq,
        "value_column": s.value_name,
        "covariates": list(s.covariate_names),
        "mase_scale": prep.scale,
    }


def load_trained(out: str) -> tuple[ForecastConfig, Prepared, torch.nn.Module]:
    """The config, the prepared data and the tested model of the run folder ``out``."""
    cfg, path = _load_run(out)
    prep = _prepare(cfg)
    return cfg, prep, _load_model(cfg, prep.data, path)


def _load_run(out: str) -> tuple[ForecastConfig, Path]:
    try:
        cfg = ForecastConfig.from_dict(check_app_folder(out, APP))
        return cfg, trained_model_file(out, APP)
    except AppFolderError as err:
        raise app_error(err) from err


def _load_model(cfg: ForecastConfig, data: ForecastData, path: Path) -> torch.nn.Module:
    model = make_model(cfg, data)
    model.load_state_dict(load_file(path))
    return model.eval()


@group.command("evaluate")
@out_option
def evaluate_command(out: str) -> None:
    """Test the trained model and the baselines at the same rolling origins; write metrics.json."""
    cfg, path = _load_run(out)
    prep = _prepare(cfg)
    model = _load_model(cfg, prep.data, path)
    origins, H, y = prep.layout.test_origins, cfg.horizon, prep.series.values
    start = time.perf_counter()
    scores = evaluate_forecasts(model, prep, origins, cfg.levels)
    trained = RunResult.load(train_dir(out))
    model_metrics = {
        "MASE": scores["MASE"],
        "sMAPE": scores["sMAPE"],
        f"coverage {cfg.interval:.0%}": scores["coverage"],
        "seconds": trained.wall_time + time.perf_counter() - start,
        "params": trained.params,
    }
    target = y[origins[:, None] + np.arange(H)]
    baselines: dict[str, dict[str, Any]] = {}
    for lag in prep.lags:
        start = time.perf_counter()
        guess = seasonal_naive(y, origins, H, lag)
        baselines[f"seasonal naive ({_cycle_name(prep, lag)})"] = {
            **point_metrics(target, guess, prep.scale),
            "seconds": time.perf_counter() - start,
        }
    start = time.perf_counter()
    guess = ets_forecasts(y, origins, H, prep.lags[-1])
    baselines[f"ETS (Holt-Winters, period {prep.lags[-1]})"] = {
        **point_metrics(target, guess, prep.scale),
        "seconds": time.perf_counter() - start,
    }
    data = {**prep.summary(), "variant": cfg.variant, "train_stop": trained.stop_reason}
    metrics = write_app_metrics(out, model_metrics, baselines, data)
    console = Console()
    print_app_metrics(console, metrics, title=f"forecast: test, {cfg.origins} rolling origins")
    picture = _plot_test(out, cfg, prep, model)
    console.print(f"wrote {picture}")


def _plot_test(out: str, cfg: ForecastConfig, prep: Prepared, model: torch.nn.Module) -> Path:
    """test_forecast.png: the last test forecasts against what happened."""
    t = last_test_forecasts(cfg, prep, model)
    path = Path(out) / "test_forecast.png"
    plot_forecast(
        path, t["history_time"], t["history"], t["time"], t["quantiles"], actual=t["actual"],
        value_name=prep.series.value_name, interval=cfg.interval,
        title=f"{prep.series.value_name}: the last {t['forecasts']} test forecasts "
        f"({cfg.horizon} steps each, from origins {prep.layout.every} steps apart) "
        "against the actual values",
    )  # fmt: skip
    return path


def last_test_forecasts(
    cfg: ForecastConfig, prep: Prepared, model: torch.nn.Module
) -> dict[str, Any]:
    """The last test forecasts and what happened: with origins one horizon apart the last (up
    to) 7 forecasts tile the end of the series; else the last one. Times as pandas indexes,
    values as arrays: ``quantiles`` (k·H, Q), ``actual`` (k·H,), two horizons of history."""
    lo, s = prep.layout, prep.series
    k = min(lo.origins, 7) if lo.every == lo.horizon else 1
    origins = lo.test_origins[-k:]
    q = forecast(model, prep.data, origins).reshape(-1, len(cfg.levels))  # (k·H, Q)
    start = int(origins[0])
    steps = start + np.arange(len(q))
    before = slice(max(0, start - 2 * cfg.horizon), start)
    return {
        "forecasts": k,
        "history_time": s.time[before],
        "history": s.values[before],
        "time": s.time[steps],
        "quantiles": q,
        "actual": s.values[steps],
    }


def _cycle_name(prep: Prepared, lag: int) -> str:
    if lag == prep.lags[0] and len(prep.lags) == 2:
        return f"daily, {lag} steps"
    if len(prep.lags) == 2:
        return f"weekly, {lag} steps"
    return f"period {lag}"


@group.command("predict")
@out_option
@click.option(
    "--csv",
    type=click.Path(dir_okay=False),
    default=None,
    help="History to forecast from (default: the run's own data); the horizon after its last row.",
)
@click.option("--time-column", default=None, help="Default: the run's.")
@click.option("--value-column", default=None, help="Default: the run's.")
def predict_command(
    out: str, csv: str | None, time_column: str | None, value_column: str | None
) -> None:
    """Forecast the next horizon after the last row; print it, write forecast.csv and .png."""
    cfg, path = _load_run(out)
    fitted = json.loads((Path(out) / FITTED).read_text())
    series = _history(cfg, fitted, csv, time_column, value_column)
    scaler = Scaler.from_state(fitted["scaler"])
    lags = tuple(fitted["lags"])
    data = ForecastData(series, cfg.window, cfg.horizon, lags, scaler)
    model = _load_model(cfg, data, path)
    future = pd.date_range(series.time[-1], periods=cfg.horizon + 1, freq=series.freq)[1:]
    calendar = torch.as_tensor(calendar_features(future), dtype=torch.float32)[None]
    q = forecast(model, data, np.array([len(series)]), future_calendar=calendar)[0]  # (H, Q)
    lo_name, hi_name = (f"q{cfg.levels[0]:g}", f"q{cfg.levels[2]:g}")
    rows = [
        {"time": str(t), "median": f"{m:.6g}", lo_name: f"{lo:.6g}", hi_name: f"{hi:.6g}"}
        for t, (lo, m, hi) in zip(future, q, strict=True)
    ]
    write_csv_atomic(Path(out) / "forecast.csv", rows, ["time", "median", lo_name, hi_name])
    keep = min(len(series), max(cfg.window, 3 * cfg.horizon))
    plot_forecast(
        Path(out) / "forecast.png",
        series.time[-keep:],
        series.values[-keep:],
        future,
        q,
        value_name=series.value_name,
        interval=cfg.interval,
        title=f"{series.value_name}: the next {cfg.horizon} steps after {series.time[-1]}",
    )
    table = Table(title=f"forecast of {series.value_name} ({cfg.interval:.0%} interval)")
    for column in ("time", "median", lo_name, hi_name):
        table.add_column(column, justify="left" if column == "time" else "right")
    for row in rows:
        table.add_row(*row.values())
    console = Console()
    console.print(table)
    console.print(f"wrote {Path(out) / 'forecast.csv'} and {Path(out) / 'forecast.png'}")


def _history(
    cfg: ForecastConfig,
    fitted: dict[str, Any],
    csv: str | None,
    time_column: str | None,
    value_column: str | None,
) -> Series:
    """The series to forecast from, checked against what the model was trained on."""
    try:
        if csv is None:
            series = load_series(cfg)
        else:
            series = read_csv(
                csv,
                time_column=time_column or cfg.time_column,
                value_column=value_column or fitted["value_column"],
                covariates=tuple(fitted["covariates"]),
            )
    except SeriesError as err:
        raise _series_error(err) from err
    except DataError as err:
        raise click.ClickException(str(err)) from err
    if series.freq != fitted["freq"]:
        raise click.BadParameter(
            f"expected a series with the time step of the training data ({fitted['freq']}), "
            f"got {series.freq}",
            param_hint="--csv",
        )
    need = max(cfg.window, *fitted["lags"])
    if len(series) < need:
        raise click.BadParameter(
            f"expected at least {need} rows (the model reads {cfg.window} steps of history and "
            f"the values {max(fitted['lags'])} steps back), got {len(series)}",
            param_hint="--csv",
        )
    return series
