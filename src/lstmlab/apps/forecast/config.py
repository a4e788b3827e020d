"""One forecasting run: the data, the forecast, the model and the loop, with their defaults.

The defaults train on elecdemand within 9 minutes (``max_seconds``) on one thread: on a shared
2-core machine the fused kernel's 2-thread team was 10× slower than 1 thread (barrier waits
behind other jobs), and on an idle one a single thread loses little at this size.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.cells.options import resolve_variant
from lstmlab.checks import ArgumentError, check_int
from lstmlab.fields import config_field, field_defaults
from lstmlab.training.config import LoopConfig

__all__ = ["ForecastConfig"]


@dataclass(frozen=True)
@field_defaults(  # the loop's knobs, with this application's defaults
    steps=4000,
    max_seconds=540.0,
    batch_size=64,
    lr=1e-3,
    weight_decay=1e-4,  # AdamW: one year of data overfits quickly (validation loss)
    eval_every=100,
    patience=10,
    threads=1,
)
class ForecastConfig(LoopConfig):
    """A forecasting run (the loop's knobs: ``LoopConfig``, with defaults for this app)."""

    data: str = config_field(
        "elecdemand", "Packaged data set: elecdemand, statsmodels:sunspots|elec_equip|co2."
    )
    csv: str | None = config_field(None, "Your CSV instead of --data.")
    time_column: str = config_field("time", "The CSV's timestamp column.")
    value_column: str = config_field("value", "The CSV's column to forecast.")
    covariates: str = config_field(
        "", "The CSV's covariate columns, comma-separated (observed, past only)."
    )
    use_covariates: bool = config_field(
        True, "Feed the covariates to the model (off: the target only)."
    )
    horizon: int = config_field(48, "Steps forecast at once (48 = one day).")
    window: int = config_field(336, "History steps the LSTM reads (336 = 1 week).")
    period: int | None = config_field(
        None, "Seasonal period in steps (MASE scale, seasonal naive); none = inferred."
    )
    origins: int = config_field(28, "Rolling forecast origins in each of validation and test.")
    origin_every: int | None = config_field(None, "Steps between origins; none = the horizon.")
    interval: float = config_field(
        0.8, "Prediction interval's nominal coverage (quantile outputs)."
    )
    variant: str = config_field("vanilla", "lstmlab LSTM variant.")
    hidden: int = config_field(64, "LSTM hidden size.")
    layers: int = config_field(1, "LSTM layers.")
    dropout: float = config_field(0.0, "Dropout between LSTM layers.")
    mlp: int = config_field(64, "Width of the per-step output network.")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("horizon", "window", "origins", "hidden", "layers", "mlp"):
            check_int(name, getattr(self, name), 1)
        for name in ("period", "origin_every"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), 1)
        if not 0 < self.interval < 1:
            raise ArgumentError(
                f"interval: expected a number in (0, 1), got {self.interval}", "interval"
            )
        if not 0 <= self.dropout < 1:
            raise ArgumentError(
                f"dropout: expected a number in [0, 1), got {self.dropout}", "dropout"
            )
        resolve_variant(self.variant)  # raises "variant: expected one of ..., got ..."
        if self.csv is None and self.covariates:
            raise ArgumentError(
                f"covariates: expected none with --data {self.data} (its covariates are built "
                f"in), got {self.covariates!r}; use it with --csv",
                "covariates",
            )

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.covariates.split(",") if c.strip())

    @property
    def levels(self) -> tuple[float, float, float]:
        """The quantile levels: the interval's ends and the median."""
        tail = (1 - self.interval) / 2
        return (round(tail, 6), 0.5, round(1 - tail, 6))

    @property
    def step_between_origins(self) -> int:
        return self.origin_every if self.origin_every is not None else self.horizon
