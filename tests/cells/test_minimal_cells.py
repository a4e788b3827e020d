"""minGRU and minLSTM steps (Feng et al. 2024) against their equations written out by hand, and
the log-space coefficients the scan uses against the steps."""

from __future__ import annotations

import pytest
import torch

from lstmlab.cells.minimal import (
    g,
    log_g,
    min_gru_log_coefficients,
    min_gru_step,
    min_lstm_log_coefficients,
    min_lstm_step,
)

B, I, H = 3, 4, 5
dt = torch.float64


def _draw(rows: int, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(rows * H, I, dtype=dt, generator=gen)
    b = torch.randn(rows * H, dtype=dt, generator=gen)
    x = torch.randn(B, I, dtype=dt, generator=gen) * 2
    h = torch.randn(B, H, dtype=dt, generator=gen)
    return W, b, x, h


def test_g_is_positive_continuous_and_log_g_is_its_log():
    x = torch.linspace(-60, 60, 2401, dtype=dt).requires_grad_(True)
    assert (g(x) > 0).all()
    assert g(torch.zeros(1, dtype=dt)).item() == 0.5
    assert torch.allclose(g(torch.tensor([-1e-9, 1e-9], dtype=dt)), torch.full((2,), 0.5, dtype=dt))
    assert torch.equal(g(torch.tensor([2.0], dtype=dt)), torch.tensor([2.5], dtype=dt))
    lg = log_g(x)
    (grad_lg,) = torch.autograd.grad(lg.sum(), x)
    assert torch.isfinite(lg).all() and torch.isfinite(grad_lg).all()
    y = x.detach().clone().requires_grad_(True)
    (grad_log_of_g,) = torch.autograd.grad(torch.log(g(y)).sum(), y)
    # torch.sigmoid in float64 is good to ~1e-10 relative (2e-9 in log σ at x = −20)
    assert torch.allclose(lg, torch.log(g(x)), atol=1e-8, rtol=1e-9)
    assert torch.allclose(grad_lg, grad_log_of_g, atol=1e-8, rtol=1e-9)


def test_min_gru_step_is_its_equations():
    W, b, x, h = _draw(2)
    W_z, W_h = W[:H], W[H:]
    b_z, b_h = b[:H], b[H:]
    z = torch.sigmoid(x @ W_z.T + b_z)
    k = x @ W_h.T + b_h
    h_tilde = torch.where(k >= 0, k + 0.5, torch.sigmoid(k))
    y = min_gru_step(W, b, x, h)
    assert torch.allclose(y.z, z) and torch.allclose(y.h_tilde, h_tilde)
    assert torch.allclose(y.h, (1 - z) * h + z * h_tilde, atol=1e-14)


def test_min_lstm_step_is_its_equations():
    W, b, x, h = _draw(3)
    f = torch.sigmoid(x @ W[:H].T + b[:H])
    i = torch.sigmoid(x @ W[H : 2 * H].T + b[H : 2 * H])
    k = x @ W[2 * H :].T + b[2 * H :]
    h_tilde = torch.where(k >= 0, k + 0.5, torch.sigmoid(k))
    y = min_lstm_step(W, b, x, h)
    assert torch.allclose(y.f, f / (f + i)) and torch.allclose(y.i, i / (f + i))
    assert torch.allclose(y.f + y.i, torch.ones_like(f), atol=1e-15)  # the normalised gates
    assert torch.allclose(y.h, f / (f + i) * h + i / (f + i) * h_tilde, atol=1e-14)


def test_no_bias():
    W, _, x, h = _draw(2)
    assert torch.allclose(min_gru_step(W, None, x, h).h, min_gru_step(W, 0 * W[:, 0], x, h).h)


@pytest.mark.parametrize(
    "step, coefficients",
    [(min_gru_step, min_gru_log_coefficients), (min_lstm_step, min_lstm_log_coefficients)],
)
def test_log_coefficients_give_the_step(step, coefficients):
    rows = 2 if step is min_gru_step else 3
    for seed in range(3):
        W, b, x, h = _draw(rows, seed)
        x = x * 10  # deep into both branches of g and into the sigmoids' tails
        log_a, log_b = coefficients(W, b, x)
        assert (log_a <= 0).all()  # 0 < a ≤ 1: the state never grows
        assert torch.allclose(torch.exp(log_a) * h + torch.exp(log_b), step(W, b, x, h).h)
