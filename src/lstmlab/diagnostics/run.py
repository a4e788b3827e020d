"""``lstmlab diagnose``: gradient flow and gate traces per model, at initialisation and after
training through the one training loop, written as JSON, CSV and PNG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from lstmlab.diagnostics.gates import gate_traces
from lstmlab.diagnostics.gradient_flow import GradientFlow, fit_decay, gradient_flow
from lstmlab.diagnostics.plots import gates_png, gradient_flow_png
from lstmlab.models import build_model
from lstmlab.tasks import make_task
from lstmlab.training import RunResult, TrainConfig, load_trained, train
from lstmlab.training.atomic import write_bytes_atomic, write_csv_atomic, write_json_atomic
from lstmlab.training.seeding import seed_everything

__all__ = ["Diagnosis", "diagnose", "PROBE_SEED"]

#: Seed of the probe batch the gradients are averaged over (apart from every training seed,
#: which ``batch_seed`` hashes, and the validation/test seeds, which the tasks mix).
PROBE_SEED = 20_240_601


@dataclass
class Diagnosis:
    """flows[kind][phase], decay[kind][phase][state], training results per kind; phase is
    "init" or "trained"."""

    flows: dict[str, dict[str, GradientFlow]] = field(default_factory=dict)
    decay: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    results: dict[str, RunResult] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def diagnose(
    base: TrainConfig,
    kinds: Sequence[str],
    out: str | Path,
    *,
    train_steps: int = 0,
    probe_size: int = 64,
    progress: bool = True,
    console: Console | None = None,
) -> Diagnosis:
    """For each model kind: gradient flow and gate traces at initialisation, then (with
    ``train_steps`` > 0) after training ``base`` with that kind for ``train_steps`` steps
    (run folder ``out/runs/<kind>``, resumable), then the same again."""
    out = Path(out)
    task = make_task(base.task, base.lag)
    probe = task.generate(probe_size, seed=PROBE_SEED)
    report = Diagnosis()
    for kind in kinds:
        cfg = replace(
            base,
            model=replace(base.model, kind=kind),
            steps=max(train_steps, 1),
            out_dir=str(out / "runs" / kind),
        )
        seed_everything(cfg.seed)  # the same initial weights as the training run
        models = {"init": build_model(cfg.model, task)}
        if train_steps > 0:
            report.results[kind] = train(cfg, resume=True, progress=progress, console=console)
            models["trained"] = load_trained(cfg.out_dir, build_model(cfg.model, task))
        report.flows[kind], report.decay[kind] = {}, {}
        for phase, model in models.items():
            flow = gradient_flow(model, task, probe.x, probe.y)
            report.flows[kind][phase] = flow
            report.decay[kind][phase] = {
                name: fit_decay(flow.distance, norm)
                for name in ("h", "c", "x")
                if (norm := getattr(flow, name))
            }
            traces = gate_traces(model, probe.x[0])
            if traces:
                report.files += _write_gates(out, kind, phase, traces, probe.x[0], task.lag)
    report.files += _write_flows(out, base, report, probe_size)
    return report


def _write_flows(out: Path, base: TrainConfig, report: Diagnosis, probe_size: int) -> list[Path]:
    title = f"{base.task}, lag {base.lag}: gradient of the last-step loss"
    models: dict[str, Any] = {
        kind: {phase: flow.to_dict() for phase, flow in phases.items()}
        for kind, phases in report.flows.items()
    }
    flow_rows = [
        {
            "model": kind,
            "phase": phase,
            "distance": d,
            "grad_x": flow.x[d],
            "grad_h": flow.h[d] if flow.h else "",
            "grad_c": flow.c[d] if flow.c else "",
        }
        for kind, phases in report.flows.items()
        for phase, flow in phases.items()
        for d in flow.distance
    ]
    decay_rows = [
        {"model": kind, "phase": phase, "state": name, **fit}
        for kind, phases in report.decay.items()
        for phase, fits in phases.items()
        for name, fit in fits.items()
    ]
    meta = {"task": base.task, "lag": base.lag, "probe_size": probe_size, "probe_seed": PROBE_SEED}
    files = {
        "gradient_flow.json": {**meta, "models": models},
        "decay.json": {
            **meta,
            "fit": "log norm = a + b·distance over distance >= 1",
            "rows": decay_rows,
        },
        "training.json": {kind: r.summary() for kind, r in report.results.items()},
    }
    for name, obj in files.items():
        write_json_atomic(out / name, obj)
    write_csv_atomic(out / "gradient_flow.csv", flow_rows, list(flow_rows[0]))
    decay_cols = ["model", "phase", "state", "slope", "factor_per_step", "half_life", "points"]
    write_csv_atomic(out / "decay.csv", decay_rows, decay_cols)
    write_bytes_atomic(out / "gradient_flow.png", gradient_flow_png(report.flows, title))
    names = [*files, "gradient_flow.csv", "decay.csv", "gradient_flow.png"]
    return [out / n for n in names]


def _write_gates(out: Path, kind: str, phase: str, traces, x, lag: int) -> list[Path]:
    stem = out / f"gates_{kind}_{phase}"
    T = x.shape[0]
    rows = [
        {
            "step": t,
            **{f"x{j}": float(x[t, j]) for j in range(x.shape[1])},
            **{f"{k}_mean": float(g[t].mean()) for k, g in traces.items()},
        }
        for t in range(T)
    ]
    write_json_atomic(stem.with_suffix(".json"), {k: g.tolist() for k, g in traces.items()})
    write_csv_atomic(stem.with_suffix(".csv"), rows, list(rows[0]))
    title = f"{kind} ({phase}), lag {lag}: gates on one probe sequence"
    write_bytes_atomic(stem.with_suffix(".png"), gates_png(traces, x, title))
    return [stem.with_suffix(s) for s in (".json", ".csv", ".png")]
