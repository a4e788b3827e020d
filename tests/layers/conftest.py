"""Fixtures of the layer tests."""

from __future__ import annotations

import pytest

from lstmlab.kernels import build

from .helpers import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each backend a layer can run on. Until the fused kernels build, "auto" *is* the reference
    loop, so running it again would prove nothing: it is skipped with a note instead."""
    if request.param == "auto" and not build.load():
        pytest.skip("backend='auto' runs the reference loop until the fused kernels are built")
    return request.param
