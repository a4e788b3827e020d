"""An application's run folder: which application it belongs to, its training run, its metrics.

    DIR/app.json        {"app": NAME, "config": {...}}: written first, checked by every verb
    DIR/train/          the training loop's run folder (config, checkpoints, model, result)
    DIR/metrics.json    ``evaluate``: {"model": {...}, "baselines": {name: {...}}, "data": {...}}
    DIR/*.png, *.csv    what ``predict`` draws and writes

Every file is written atomically (``lstmlab.training.atomic``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lstmlab.training.atomic import write_json_atomic
from lstmlab.training.loop import MODEL_FILE

__all__ = [
    "AppFolderError",
    "APP_FILE",
    "METRICS_FILE",
    "init_app_folder",
    "check_app_folder",
    "train_dir",
    "trained_model_file",
    "write_app_metrics",
    "read_app_metrics",
    "print_app_metrics",
]

APP_FILE = "app.json"
METRICS_FILE = "metrics.json"


class AppFolderError(ValueError):
    """``out`` is not a run folder of the application that was asked for."""


def train_dir(out: str | Path) -> Path:
    """Where ``fit`` keeps the training run of the application run ``out``."""
    return Path(out) / "train"


def _read_app_file(out: Path) -> dict[str, Any] | None:
    path = out / APP_FILE
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        return {"app": str(stored["app"]), "config": dict(stored["config"])}
    except (ValueError, KeyError, TypeError) as err:
        raise AppFolderError(
            f"out: expected {path} to hold an application's name and config, got a damaged file "
            f"({err}); remove the folder or choose another --out"
        ) from err


def init_app_folder(out: str | Path, app: str, config: dict[str, Any]) -> Path:
    """Create (or re-enter) the run folder of application ``app``; refuse another app's folder
    or a folder with other content."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise AppFolderError(f"out: expected a folder, got the file {str(out)!r}")
    stored = _read_app_file(out) if out.is_dir() else None
    if stored is None and out.is_dir() and any(out.iterdir()):
        raise AppFolderError(
            f"out: expected an empty folder or a run folder of the {app!r} application, got "
            f"{str(out)!r} which holds other files"
        )
    if stored is not None and stored["app"] != app:
        raise AppFolderError(
            f"out: expected a run folder of the {app!r} application, got one of the "
            f"{stored['app']!r} application ({str(out)!r})"
        )
    write_json_atomic(out / APP_FILE, {"app": app, "config": config})
    return out


def check_app_folder(out: str | Path, app: str) -> dict[str, Any]:
    """The stored config of the ``app`` run in ``out``, or an AppFolderError saying why not."""
    out = Path(out)
    stored = _read_app_file(out) if out.is_dir() else None
    if stored is None:
        raise AppFolderError(
            f"out: expected a run folder of the {app!r} application, got {str(out)!r} which holds "
            f"none; train one with `lstmlab app {app} train --out {out}`"
        )
    if stored["app"] != app:
        raise AppFolderError(
            f"out: expected a run folder of the {app!r} application, got one of the "
            f"{stored['app']!r} application ({str(out)!r})"
        )
    return stored["config"]


def trained_model_file(out: str | Path, app: str) -> Path:
    """The tested weights of the finished training run in ``out``."""
    check_app_folder(out, app)
    path = train_dir(out) / MODEL_FILE
    if not path.is_file():
        raise AppFolderError(
            f"out: expected a finished training run in {str(out)!r}, got none (no {path.name}); "
            f"finish it with `lstmlab app {app} train --out {out} --resume`"
        )
    return path


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN or infinity: such values are stored as null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def write_app_metrics(
    out: str | Path,
    model: dict[str, Any],
    baselines: dict[str, dict[str, Any]],
    data: dict[str, Any],
) -> dict[str, Any]:
    """Write ``out/metrics.json`` = {"model", "baselines", "data"} and return it."""
    metrics = {
        "model": _finite(model),
        "baselines": {name: _finite(m) for name, m in baselines.items()},
        "data": data,
    }
    write_json_atomic(Path(out) / METRICS_FILE, metrics)
    return metrics


def read_app_metrics(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / METRICS_FILE).read_text())


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def print_app_metrics(console: Console, metrics: dict[str, Any], title: str = "") -> None:
    """The model and each baseline as rows, the metrics as columns; then the data summary."""
    rows = {"lstmlab model": metrics["model"], **metrics["baselines"]}
    names: list[str] = []
    for values in rows.values():
        names += [k for k in values if k not in names]
    table = Table(title=title or "test metrics")
    table.add_column("model")
    for name in names:
        table.add_column(name, justify="right")
    for label, values in rows.items():
        table.add_row(label, *(_fmt(values.get(n)) for n in names))
    console.print(table)
    data = metrics.get("data") or {}
    if data:
        summary = ", ".join(f"{k}: {_fmt(v)}" for k, v in data.items() if not isinstance(v, dict))
        console.print(f"data: {summary}")
