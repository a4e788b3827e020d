"""Equality with lucidrains' ``mingru-pytorch`` (PyPI, the community implementation the issue
names) given the same weights: its minGRU/minLSTM have no bias and rows (h̃, gates) in one Linear.

Its initial state differs in one convention: minGRU takes log(prev_hidden) (a positive state),
minLSTM takes log g(prev_hidden) (the state is g(prev_hidden)); ours is the state itself, any
sign. Its single-step call (seq_len 1) is its sequential mode, checked too."""

from __future__ import annotations

import pytest
import torch

import lstmlab

mingru = pytest.importorskip("minGRU_pytorch.minGRU")
minlstm = pytest.importorskip("minGRU_pytorch.minLSTM")
dt = torch.float64


def _ours(cls, ref_weight: torch.Tensor, order: list[int]) -> torch.nn.Module:
    D = ref_weight.shape[1]
    m = cls(D, D, bias=False, batch_first=True, dtype=dt)
    blocks = ref_weight.chunk(len(order))
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.cat([blocks[k] for k in order]))
    return m


def test_min_gru_equals_mingru_pytorch():
    torch.manual_seed(0)
    ref = mingru.minGRU(6).double()
    ours = _ours(lstmlab.MinGRU, ref.to_hidden_and_gate.weight, [1, 0])  # theirs: h̃, z
    x = torch.randn(3, 40, 6, dtype=dt)
    assert torch.allclose(ours(x)[0], ref(x), rtol=1e-12, atol=1e-12)
    h0 = torch.rand(3, 1, 6, dtype=dt) + 0.1
    out, h_n = ref(x, h0, return_next_prev_hidden=True)
    mine, mine_n = ours(x, h0.transpose(0, 1))
    assert torch.allclose(mine, out, rtol=1e-12, atol=1e-12)
    assert torch.allclose(mine_n, h_n.transpose(0, 1), rtol=1e-12, atol=1e-12)
    assert torch.allclose(ours(x[:, :1], h0.transpose(0, 1))[0], ref(x[:, :1], h0))


def test_min_lstm_equals_mingru_pytorch():
    torch.manual_seed(0)
    ref = minlstm.minLSTM(6).double()
    ours = _ours(lstmlab.MinLSTM, ref.to_hidden_and_f_i_gate.weight, [1, 2, 0])  # theirs: h̃, f, i
    x = torch.randn(3, 40, 6, dtype=dt)
    assert torch.allclose(ours(x)[0], ref(x), rtol=1e-12, atol=1e-12)
    p = torch.randn(3, 1, 6, dtype=dt)  # their prev_hidden; the state it stands for is g(p)
    h0 = mingru.g(p).transpose(0, 1)
    assert torch.allclose(ours(x, h0)[0], ref(x, p), rtol=1e-12, atol=1e-12)
    assert torch.allclose(ours(x[:, :1], p.transpose(0, 1))[0], ref(x[:, :1], p))
