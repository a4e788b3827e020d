"""The log-space parallel scan (Heinsen 2023) against the loop it replaces, and minGRU/minLSTM's
two modes — sequential (the cells step by step) and scan — equal in values and gradients."""

from __future__ import annotations

import pytest
import torch

from lstmlab import kernels
from lstmlab.kernels.scan import log_scan

dt = torch.float64
CELLS = {"min_gru": 2, "min_lstm": 3}  # cell → row blocks of W_ih


def test_log_scan_is_the_loop_for_any_sign_of_h0():
    gen = torch.Generator().manual_seed(0)
    T, B, H = 50, 3, 4
    log_a = -torch.rand(T, B, H, dtype=dt, generator=gen) * 3  # a in (e⁻³, 1]
    log_b = torch.randn(T, B, H, dtype=dt, generator=gen) * 4
    h0 = torch.randn(B, H, dtype=dt, generator=gen) * 5  # negative entries: Heinsen's log h0 fails
    h, loop = h0, []
    for t in range(T):
        h = torch.exp(log_a[t]) * h + torch.exp(log_b[t])
        loop.append(h)
    assert torch.allclose(log_scan(log_a, log_b, h0), torch.stack(loop), rtol=1e-12, atol=1e-12)


def _problem(cell: str, batch_sizes: list[int], seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    I, H = 3, 4
    N, B = sum(batch_sizes), batch_sizes[0]
    W = (torch.randn(CELLS[cell] * H, I, dtype=dt, generator=gen)).requires_grad_(True)
    b = torch.randn(CELLS[cell] * H, dtype=dt, generator=gen).requires_grad_(True)
    x = (torch.randn(N, I, dtype=dt, generator=gen) * 2).requires_grad_(True)
    h0 = torch.randn(B, H, dtype=dt, generator=gen).requires_grad_(True)
    return x, h0, (W, b)


LAYOUTS = {
    "full": [4] * 7,
    "packed": [4, 4, 3, 3, 2, 1, 1],
}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reverse", [False, True])
def test_scan_equals_sequential_values_gradients_and_gates(cell, layout, reverse):
    bs = LAYOUTS[layout]
    x, h0, w = _problem(cell, bs)
    leaves = [x, h0, *w]
    results = {}
    for backend in ("reference", "auto"):
        out, h, gates = kernels.min_sequence(
            cell, x, bs, h0, w, reverse=reverse, return_gates=True, backend=backend
        )
        loss = (out * torch.cos(torch.arange(out.numel(), dtype=dt)).view_as(out)).sum()
        loss = loss + (h**2).sum() + sum(v.sum() for v in gates.values())
        results[backend] = (out, h, gates, torch.autograd.grad(loss, leaves))
    (o1, h1, g1, d1), (o2, h2, g2, d2) = results["reference"], results["auto"]
    assert torch.allclose(o1, o2, rtol=1e-10, atol=1e-12)
    assert torch.allclose(h1, h2, rtol=1e-10, atol=1e-12)
    assert g1.keys() == g2.keys()
    for k in g1:
        assert torch.allclose(g1[k], g2[k], rtol=1e-10, atol=1e-12), k
    for a, b in zip(d1, d2, strict=True):
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("cell", CELLS)
def test_scan_gradcheck(cell):
    bs = [3, 3, 2, 1]
    x, h0, w = _problem(cell, bs, seed=1)

    def f(x, h0, W, b):
        for reverse in (False, True):
            out, h, _ = kernels.min_sequence(cell, x, bs, h0, (W, b), reverse=reverse)
            yield out
            yield h

    assert torch.autograd.gradcheck(lambda *a: tuple(f(*a)), (x, h0, *w))


@pytest.mark.parametrize("cell", CELLS)
def test_packed_final_state_is_each_sequence_run_alone(cell):
    bs = [3, 3, 2, 2, 1]
    x, h0, w = _problem(cell, bs, seed=2)
    lengths = [sum(1 for n in bs if n > b) for b in range(bs[0])]  # [5, 4, 2]
    offsets = [sum(bs[:t]) for t in range(len(bs))]
    for reverse in (False, True):
        _, h, _ = kernels.min_sequence(cell, x, bs, h0, w, reverse=reverse)
        for b, L in enumerate(lengths):
            rows = torch.stack([x[offsets[t] + b] for t in range(L)])  # (L, I)
            _, alone, _ = kernels.min_sequence(
                cell, rows, [1] * L, h0[b : b + 1], w, reverse=reverse
            )
            assert torch.allclose(h[b], alone[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_scan_stays_close_to_float64_at_t_1000(cell):
    """The scan's cumulative sums grow with T, and float32 loses digits to them: bound it."""
    T, B = 1000, 2
    x, h0, w = _problem(cell, [B] * T, seed=3)
    ref, _, _ = kernels.min_sequence(cell, x, [B] * T, h0, w, backend="reference")
    w32 = tuple(p.detach().float() for p in w)
    out, _, _ = kernels.min_sequence(cell, x.detach().float(), [B] * T, h0.detach().float(), w32)
    err = ((out.double() - ref).abs() / ref.abs().clamp_min(1e-2)).max().item()
    assert err < 1e-3, err


def test_bad_batch_sizes_are_refused():
    x, h0, w = _problem("min_gru", [4] * 3)
    with pytest.raises(ValueError, match="batch_sizes: expected"):
        kernels.min_sequence("min_gru", x, [4, 4, 5], h0, w)
