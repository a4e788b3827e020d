"""``--distributed`` on the command line: the flag, and the session that turns a launch without
torchrun into a usage error on that flag."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from lstmlab.training.distributed import SINGLE, DistributedError, Ranks, join, leave

__all__ = ["DISTRIBUTED_HELP", "distributed_session"]

DISTRIBUTED_HELP = (
    "One rank of a data-parallel run: `torchrun --nproc_per_node N -m lstmlab ... "
    "--distributed`. Each rank trains on its share of every batch (--batch-size is the global "
    "batch, a multiple of N); rank 0 alone writes --out."
)


@contextlib.contextmanager
def distributed_session(distributed: bool) -> Iterator[Ranks]:
    """The process group of a command's whole life (``--distributed``), so that its ``fit``
    calls and the writes before them share it; a launch without torchrun is a usage error on
    ``--distributed``. Without the flag: ``SINGLE``, nothing to join."""
    try:
        ranks = join() if distributed else SINGLE
    except DistributedError as err:
        raise click.BadParameter(str(err), param_hint="--distributed") from err
    try:
        yield ranks
    finally:
        leave(ranks)
