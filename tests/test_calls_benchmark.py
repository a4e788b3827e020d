"""benchmarks/calls.py: the Python calls around the kernels, a count that load does not move."""

import pytest
import torch
from benchmark_scripts import load

import lstmlab
from lstmlab.kernels import build


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("train", [False, True])
def test_layers_stay_within_a_few_times_torch_nn_python_calls(kind, train):
    """A full batch on the fused kernel (B = 32) makes at most 5× torch.nn's Python calls: 2.4–3.6×
    today; 8–12× when every autograd Function call bound its arguments to forward's signature
    (kernels/function.py) and the LSTM built its schedule's T objects for every backward."""
    if not build.available():
        pytest.fail(f"the fused kernels did not build: {build.failure()}")
    calls = load("calls").calls_per_call
    x = torch.randn(20, 32, 8, requires_grad=True)
    theirs, ours = getattr(torch.nn, kind)(8, 16), getattr(lstmlab, kind)(8, 16)
    n_theirs, n_ours = (calls(m, x, train, 3) for m in (theirs, ours))
    assert 0 < n_ours <= 5 * n_theirs, (n_ours, n_theirs)
