"""A progress bar for training runs (rich), silent when disabled."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["TrainProgress"]


class TrainProgress:
    """``with TrainProgress(total, "lstm lag 100") as bar: bar.update(step, "loss 0.12")``."""

    def __init__(
        self, total: int, description: str, enabled: bool = True, console: Console | None = None
    ) -> None:
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
            console=console,
            transient=False,
        )
        self._total, self._description = total, description
        self._task = None

    def __enter__(self) -> TrainProgress:
        if self.enabled:
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=self._total, info="")
        return self

    def update(self, step: int, info: str | None = None) -> None:
        if self._task is None:
            return
        if info is None:
            self._progress.update(self._task, completed=step)
        else:
            self._progress.update(self._task, completed=step, info=info)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self._progress.stop()
