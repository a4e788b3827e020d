"""LSTMLAB_HUGEPAGES=1 (read at each call) advises the kernels' large buffers as huge pages
(csrc/tensors.h): it may change the time, never a number."""

import pytest
import torch

import lstmlab
from lstmlab.kernels import build


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_the_advice_changes_no_number(kind, monkeypatch):
    if not build.available():
        pytest.fail(f"the fused kernels did not build: {build.failure()}")
    torch.manual_seed(0)
    layer = getattr(lstmlab, kind)(16, 128, backend="fused")
    x = torch.randn(200, 64, 16, requires_grad=True)  # buffers of 6.5-26 MB: several 2 MB pages
    results = []
    for value in ("0", "1"):
        monkeypatch.setenv("LSTMLAB_HUGEPAGES", value)
        out, _ = layer(x)
        grads = torch.autograd.grad(out.square().sum(), [x, *layer.parameters()])
        results.append([out, *grads])
    assert all(torch.equal(a, b) for a, b in zip(*results, strict=True))
