"""``python -m lstmlab`` (and ``torchrun ... -m lstmlab``): the ``lstmlab`` command."""

from lstmlab.cli.main import cli

if __name__ == "__main__":
    cli()
