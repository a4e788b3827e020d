"""The sLSTM step against its equations (Beck et al. 2024, xLSTM §2.2), written here without the
stabiliser: i = exp(ĩ), c̄_t = f c̄_{t−1} + i z, n̄_t = f n̄_{t−1} + i, h = o c̄ / n̄."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lstmlab.cells.slstm import SLSTMWeights, slstm_step

B, I, H = 3, 5, 8


def weights(heads: int, dtype=torch.float64, seed=0) -> SLSTMWeights:
    g = torch.Generator().manual_seed(seed)
    d = H // heads
    return SLSTMWeights(
        torch.randn(4 * H, I, generator=g, dtype=dtype) * 0.5,
        torch.randn(4 * H, d, generator=g, dtype=dtype) * 0.5,
        torch.randn(4 * H, generator=g, dtype=dtype),
    )


def block_diagonal_r(w: SLSTMWeights, heads: int) -> torch.Tensor:
    """The (4H, H) recurrent matrix with its per-head blocks on the diagonal, built by hand."""
    d = H // heads
    blocks = w.weight_hh.view(4, heads, d, d)
    return torch.cat([torch.block_diag(*blocks[g]) for g in range(4)])  # (4H, H)


@pytest.mark.parametrize("heads", [1, 2, 8])
@pytest.mark.parametrize("forget_gate", ["sigmoid", "exp"])
def test_step_equals_the_unstabilised_equations(heads, forget_gate):
    w = weights(heads)
    R = block_diagonal_r(w, heads)
    x = torch.randn(12, B, I, dtype=torch.float64)
    zeros = torch.zeros(B, H, dtype=torch.float64)
    h, c, n, m = zeros, zeros, zeros, zeros
    h_bar, c_bar, n_bar = zeros, zeros, zeros
    for t in range(12):
        y = slstm_step(w, x[t], h, c, n, m, forget_gate)
        h, c, n, m = y.h, y.c, y.n, y.m
        pre = x[t] @ w.weight_ih.T + h_bar @ R.T + w.bias
        i_t, f_t, z_t, o_t = pre.chunk(4, dim=-1)
        f = torch.sigmoid(f_t) if forget_gate == "sigmoid" else torch.exp(f_t)
        c_bar = f * c_bar + torch.exp(i_t) * torch.tanh(z_t)
        n_bar = f * n_bar + torch.exp(i_t)
        h_bar = torch.sigmoid(o_t) * c_bar / n_bar
        torch.testing.assert_close(h, h_bar, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(c * torch.exp(m), c_bar, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(n * torch.exp(m), n_bar, rtol=1e-10, atol=1e-12)


def test_stabiliser_keeps_float32_finite_where_the_plain_exponential_overflows():
    w = weights(2, torch.float32)
    w = w._replace(bias=w.bias.clone())
    w.bias[:H] = 120.0  # exp(120) > float32's max: the unstabilised gate would be inf
    x = torch.randn(20, B, I)
    s = [torch.zeros(B, H)] * 4
    s64 = [torch.zeros(B, H, dtype=torch.float64)] * 4
    w64 = SLSTMWeights(*(p.double() for p in w))
    for t in range(20):
        y = slstm_step(w, x[t], *s)
        y64 = slstm_step(w64, x[t].double(), *s64)
        s, s64 = [y.h, y.c, y.n, y.m], [y64.h, y64.c, y64.n, y64.m]
        assert torch.isfinite(y.h).all() and (y.i <= 1).all() and (y.f <= 1).all()
        torch.testing.assert_close(y.h.double(), y64.h, rtol=1e-4, atol=1e-5)


def test_empty_memory_starts_at_m_equal_to_the_input_gate():
    """n_{t−1} = 0: m_t = ĩ_t (the authors' rule), so i' = 1, n_t = 1 and h_t = σ(õ) tanh(z̃)."""
    w = weights(1)
    x = torch.randn(B, I, dtype=torch.float64)
    zeros = torch.zeros(B, H, dtype=torch.float64)
    y = slstm_step(w, x, zeros, zeros, zeros, zeros)
    pre = x @ w.weight_ih.T + w.bias
    i_t, _, z_t, o_t = pre.chunk(4, dim=-1)
    torch.testing.assert_close(y.m, i_t)
    torch.testing.assert_close(y.n, torch.ones_like(y.n))
    torch.testing.assert_close(y.h, torch.sigmoid(o_t) * torch.tanh(z_t))


def test_output_does_not_depend_on_the_stabiliser_units():
    """(c, n, m) and (c·e^{−δ}, n·e^{−δ}, m + δ) are the same memory: same h, same next state."""
    w = weights(4)
    x = torch.randn(B, I, dtype=torch.float64)
    h, c = torch.randn(B, H, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    n, m = torch.rand(B, H, dtype=torch.float64) + 0.5, torch.randn(B, H, dtype=torch.float64)
    delta = 3.7
    a = slstm_step(w, x, h, c, n, m)
    shrink = torch.exp(torch.tensor(-delta, dtype=torch.float64))
    b = slstm_step(w, x, h, c * shrink, n * shrink, m + delta)
    torch.testing.assert_close(a.h, b.h)
    torch.testing.assert_close(a.c * torch.exp(a.m), b.c * torch.exp(b.m))


def test_logsigmoid_is_the_log_of_the_forget_gate():
    """With forget_gate="sigmoid", f' = σ(f̃)·e^{m_{t−1} − m_t}: the gate is σ, not exp."""
    w = weights(1)
    x = torch.randn(B, I, dtype=torch.float64)
    h = torch.randn(B, H, dtype=torch.float64)
    c, n, m = torch.zeros_like(h), torch.ones_like(h), torch.zeros_like(h)
    y = slstm_step(w, x, h, c, n, m)
    pre = x @ w.weight_ih.T + h @ block_diagonal_r(w, 1).T + w.bias
    f_tilde = pre[:, H : 2 * H]
    torch.testing.assert_close(y.f, torch.exp(F.logsigmoid(f_tilde) + m - y.m))
