"""``lstmlab build``: compile the fused kernels ahead of time (otherwise the first call does)."""

from __future__ import annotations

import click

from lstmlab.kernels import build, cache


@click.command("build")
def build_command() -> None:
    """Compile and cache the fused C++ kernels now, or check that the cache is valid.

    The cache lives in $TORCH_EXTENSIONS_DIR (default ~/.cache/torch_extensions); a damaged
    library is rebuilt. Exit status 1 with the compiler's message when the build fails."""
    try:
        build.fused_disabled()
        library, built = build.build()
    except (cache.BuildError, cache.CacheError, ValueError) as e:
        raise click.ClickException(
            f"{e}\nWithout the kernels lstmlab uses the reference recurrence (same results, "
            "slower); set LSTMLAB_NO_FUSED=1 to do so without a warning."
        ) from e
    verb = "built" if built else "already built and verified"
    click.echo(f"fused kernels {verb}: {library}")
