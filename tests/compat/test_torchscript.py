"""TorchScript is refused with a clear error, never wrong numbers. Before, tracing an LSTM
under no_grad and calling it with another shape returned garbage (up to 1e29), traced GRU/RNN
hit an internal assert and script failed with a compiler traceback."""

from __future__ import annotations

import pytest
import torch

import lstmlab

KINDS = ("LSTM", "GRU", "RNN")


@pytest.mark.parametrize("backend", ["fused", "reference"])
@pytest.mark.parametrize("kind", KINDS)
def test_trace_is_refused(kind, backend):
    layer = getattr(lstmlab, kind)(3, 4, backend=backend).eval()
    with torch.no_grad(), pytest.raises(RuntimeError, match=rf"torch.jit.trace: lstmlab.{kind}"):
        torch.jit.trace(layer, torch.randn(5, 2, 3))


def test_the_issue_repro_is_refused():
    lstm = lstmlab.LSTM(3, 4).eval()
    with pytest.raises(RuntimeError, match="expected torch.compile.*or lstm.to_torch()"):
        tr = torch.jit.trace(lstm, torch.randn(5, 2, 3))
        tr(torch.randn(7, 3, 3))


@pytest.mark.parametrize("kind", KINDS)
def test_script_is_refused_also_inside_a_model(kind):
    layer = getattr(lstmlab, kind)(3, 4)
    for target in (layer, torch.nn.Sequential(torch.nn.Identity(), layer)):
        with pytest.raises(RuntimeError, match=rf"torch.jit.script: lstmlab.{kind} does not"):
            torch.jit.script(target)
