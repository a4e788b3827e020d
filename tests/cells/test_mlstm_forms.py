"""The mLSTM's three forms (xLSTM §2.3 and its appendix) compute the same function, and that
function is the one of the unstabilised equations C̄_t = f C̄_{t−1} + i v kᵀ/√d, n̄_t = f n̄_{t−1}
+ i k/√d, h̃_t = C̄_t q / max(|n̄_tᵀ q|, 1) with i = exp(ĩ), f = σ(f̃)."""

from __future__ import annotations

import math

import pytest
import torch

from lstmlab.cells.mlstm import (
    MLSTMInputs,
    MLSTMState,
    mlstm_chunkwise,
    mlstm_parallel,
    mlstm_step,
)

B, NH, d = 2, 3, 4


def inputs(T: int, seed: int = 0, scale: float = 2.0, requires_grad: bool = False):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, NH, T, d, generator=g, dtype=torch.float64) for _ in range(3))
    i_tilde = scale * torch.randn(B, NH, T, generator=g, dtype=torch.float64)
    f_tilde = scale * torch.randn(B, NH, T, generator=g, dtype=torch.float64) + 1
    state = MLSTMState(
        torch.randn(B, NH, d, d, generator=g, dtype=torch.float64),
        torch.randn(B, NH, d, generator=g, dtype=torch.float64),
        torch.randn(B, NH, generator=g, dtype=torch.float64),
    )
    tensors = [q, k, v, i_tilde, f_tilde, *state]
    for t in tensors:
        t.requires_grad_(requires_grad)
    return tensors


def recurrent(q, k, v, i_tilde, f_tilde, state, eps=1e-6):
    hs = []
    for t in range(q.shape[2]):
        p = MLSTMInputs(q[:, :, t], k[:, :, t], v[:, :, t], i_tilde[:, :, t], f_tilde[:, :, t])
        h, state = mlstm_step(p, state, eps)
        hs.append(h)
    return torch.stack(hs, dim=2), state


FORMS = {
    "parallel": mlstm_parallel,
    "chunkwise-1": lambda *a: mlstm_chunkwise(*a, chunk_size=1),
    "chunkwise-7": lambda *a: mlstm_chunkwise(*a, chunk_size=7),  # 30 = 4·7 + 2: a short tail
    "chunkwise-64": lambda *a: mlstm_chunkwise(*a, chunk_size=64),  # one chunk longer than T
}


@pytest.mark.parametrize("form", FORMS)
def test_forms_equal_the_recurrence_outputs_and_final_state(form):
    q, k, v, i_tilde, f_tilde, C, n, m = inputs(30)
    state = MLSTMState(C, n, m)
    h_ref, s_ref = recurrent(q, k, v, i_tilde, f_tilde, state)
    h, s = FORMS[form](MLSTMInputs(q, k, v, i_tilde, f_tilde), state)
    torch.testing.assert_close(h, h_ref, rtol=1e-9, atol=1e-10)
    for a, b in zip(s, s_ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("form", ["parallel", "chunkwise-7"])
def test_forms_have_the_recurrence_gradients(form):
    tensors = inputs(16, seed=1, requires_grad=True)
    q, k, v, i_tilde, f_tilde, C, n, m = tensors
    weights = torch.randn(B, NH, 16, d, dtype=torch.float64)
    h_ref, s_ref = recurrent(q, k, v, i_tilde, f_tilde, MLSTMState(C, n, m))
    ref = torch.autograd.grad((h_ref * weights).sum() + s_ref.C.sum(), tensors)
    h, s = FORMS[form](MLSTMInputs(q, k, v, i_tilde, f_tilde), MLSTMState(C, n, m))
    got = torch.autograd.grad((h * weights).sum() + s.C.sum(), tensors)
    for a, b in zip(got, ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)


def test_recurrence_equals_the_unstabilised_equations():
    q, k, v, i_tilde, f_tilde, *_ = inputs(25, seed=2, scale=1.0)
    zero = MLSTMState(torch.zeros(B, NH, d, d).double(), torch.zeros(B, NH, d).double(),
                      torch.zeros(B, NH).double())  # fmt: skip
    h, _ = recurrent(q, k, v, i_tilde, f_tilde, zero, eps=0.0)
    C_bar, n_bar = zero.C, zero.n
    for t in range(25):
        i = torch.exp(i_tilde[:, :, t])[..., None]  # (B, NH, 1)
        f = torch.sigmoid(f_tilde[:, :, t])[..., None]
        k_t = k[:, :, t] / math.sqrt(d)
        C_bar = f[..., None] * C_bar + i[..., None] * v[:, :, t, :, None] * k_t[..., None, :]
        n_bar = f * n_bar + i * k_t
        q_t = q[:, :, t]
        bound = torch.clamp((n_bar * q_t).sum(-1).abs(), min=1.0)[..., None]
        h_bar = (C_bar @ q_t[..., None])[..., 0] / bound
        torch.testing.assert_close(h[:, :, t], h_bar, rtol=1e-10, atol=1e-12)


def test_chunkwise_stays_finite_on_a_long_sequence_with_large_input_gates():
    """ĩ up to ~±40 over 2,000 steps in float32: the stabilised forms stay finite and agree."""
    g = torch.Generator().manual_seed(3)
    T = 2000
    q, k, v = (torch.randn(1, 2, T, 8, generator=g) for _ in range(3))
    i_tilde, f_tilde = 20 * torch.randn(1, 2, T, generator=g), 3 * torch.randn(1, 2, T, generator=g)
    zero = MLSTMState(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 8), torch.zeros(1, 2))
    h, s = mlstm_chunkwise(MLSTMInputs(q, k, v, i_tilde, f_tilde), zero, chunk_size=64)
    h_ref, _ = recurrent(q[:, :, :300], k[:, :, :300], v[:, :, :300], i_tilde[:, :, :300],
                         f_tilde[:, :, :300], zero)  # fmt: skip
    assert torch.isfinite(h).all() and all(torch.isfinite(t).all() for t in s)
    torch.testing.assert_close(h[:, :, :300], h_ref, rtol=1e-3, atol=1e-4)
