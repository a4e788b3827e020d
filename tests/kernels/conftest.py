"""What the kernel tests share: the dispatch rule a test runs under.

``rule`` runs a test twice: as on this machine ("cpu": CPU float32/float64 calls take the fused
C++ kernels, which must have built), and as on a CUDA machine ("cuda": ``kernels.select`` is told
the device is CUDA, so plain calls take torch's own op — it runs on CPU too — and every other call
the reference recurrence). It replaces the fixtures of the pure-PyTorch twins, which served
exactly the calls the CUDA rule now sends to torch's op or to the reference. Under "cuda",
``backend="fused"`` is read as "auto" (the twin used to serve it there). ``helpers`` has the
fused functions' signatures through the dispatch.
"""

from __future__ import annotations

import pytest

from lstmlab import kernels
from lstmlab.kernels import build


@pytest.fixture(params=["cpu", "cuda"])
def rule(request, monkeypatch):
    if request.param == "cpu":
        assert build.load(), f"the fused C++ kernels did not build: {build.failure()}"
    else:
        real = kernels.select

        def as_on_cuda(device, dtype, *, backend="auto", **kw):
            return real("cuda", dtype, backend="auto" if backend == "fused" else backend, **kw)

        monkeypatch.setattr(kernels, "select", as_on_cuda)
    return request.param
