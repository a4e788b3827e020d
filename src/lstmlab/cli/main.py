"""The ``lstmlab`` command: the lab (``train``, ``compare``, ``diagnose``, ``demo``), the
applications (``app``), their data (``data``), the variant study (``study``), the kernels'
ahead-of-time build (``build``) and the report of it all (``reproduce``)."""

from __future__ import annotations

import click

from lstmlab.apps.cli import app_group
from lstmlab.cli.build import build_command
from lstmlab.cli.compare import compare_command
from lstmlab.cli.data import data_group
from lstmlab.cli.demo import demo_command
from lstmlab.cli.diagnose import diagnose_command
from lstmlab.cli.reproduce import reproduce_command
from lstmlab.cli.study import study_group
from lstmlab.cli.train import train_command
from lstmlab.kernels.build import fused_disabled


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """lstmlab: the LSTM family from its formulas, and a lab of long time lags."""
    try:  # a typo in the environment fails here, once, not as a traceback mid-run
        fused_disabled()
    except ValueError as err:
        raise click.UsageError(str(err)) from err


cli.add_command(train_command)
cli.add_command(compare_command)
cli.add_command(diagnose_command)
cli.add_command(demo_command)
cli.add_command(app_group)
cli.add_command(data_group)
cli.add_command(study_group)
cli.add_command(build_command)
cli.add_command(reproduce_command)


if __name__ == "__main__":
    cli()
