"""benchmarks/overhead.py: each call split at the ops it makes, and the ops put back after."""

import pytest
import torch
import torch.nn.modules.rnn as torch_rnn
from benchmark_scripts import load

import lstmlab
from lstmlab.kernels import build, torch_op


@pytest.mark.parametrize("batch", [4, 32])  # torch's op (rule 2), then lstmlab's fused kernel
def test_in_place_splits_each_call_at_its_ops_and_restores_them(batch):
    if not build.available():
        pytest.fail(f"the fused kernels did not build: {build.failure()}")
    overhead = load("overhead")
    vf, op, fused = torch_rnn._VF, torch_op.OPS["LSTM"], torch.ops.lstmlab.lstm_forward
    modules = {"torch.nn": torch.nn.LSTM(8, 16, 2), "lstmlab": lstmlab.LSTM(8, 16, 2)}
    parts = overhead.in_place(modules, torch.randn(5, batch, 8), rounds=3)
    for before, ops, between, after in parts.values():
        assert before > 0 and ops > 0 and after > 0 and between >= 0
    # lstmlab's fused kernel makes one op call per layer, with Python between them.
    assert (parts["lstmlab"][2] > 0) == (batch >= 32)
    assert parts["torch.nn"][2] == 0
    assert torch_rnn._VF is vf and torch_op.OPS["LSTM"] is op
    assert torch.ops.lstmlab.lstm_forward is fused
