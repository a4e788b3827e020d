"""Equality with the authors' xLSTM code (PyPI ``xlstm``, NX-AI), given the same weights.

sLSTM: their cell with the pure-torch ("vanilla") backend, the one that runs on CPU, fed the
same W·x + b and the same block-diagonal R. mLSTM: their three backends (parallel, recurrent
step, chunkwise) fed the same q, k, v, ĩ, f̃.
"""

from __future__ import annotations

import pytest
import torch

import lstmlab
from lstmlab.cells.mlstm import (
    MLSTMInputs,
    MLSTMState,
    mlstm_chunkwise,
    mlstm_parallel,
    mlstm_step,
)

xlstm = pytest.importorskip(
    "xlstm",
    reason="the authors' package is not installed: pip install --no-deps xlstm==2.0.6 "
    "(see pyproject's 'compare' extra)",
)
from xlstm.blocks.mlstm.backends import (  # noqa: E402
    chunkwise_simple,
    parallel_stabilized_simple,
    recurrent_step_stabilized_simple,
)
from xlstm.blocks.slstm.cell import sLSTMCell, sLSTMCellConfig  # noqa: E402


def official_slstm(layer: lstmlab.SLSTM, dtype: torch.dtype) -> sLSTMCell:
    """Their vanilla sLSTM cell holding ``layer``'s R and b."""
    H, NH = layer.hidden_size, layer.num_heads
    d = H // NH
    cfg = sLSTMCellConfig(hidden_size=H, num_heads=NH, backend="vanilla", dtype="float32")
    cell = sLSTMCell(cfg).to(dtype)
    with torch.no_grad():
        # Ours: weight_hh.view(4, NH, d, d)[gate, head, row, col]; theirs: (NH, 4·d, d).
        R = layer.weight_hh_l0.view(4, NH, d, d).permute(1, 0, 2, 3).reshape(NH, 4 * d, d)
        cell._recurrent_kernel_.copy_(R)
        cell._bias_.copy_(layer.bias_l0)  # both gate-major (i, f, z, o), head, unit
    return cell


#: The reference recurrence and the fused C++ kernel (backend="fused" fails if it is not built).
SLSTM_BACKENDS = ["reference", "fused"]


@pytest.mark.parametrize("backend", SLSTM_BACKENDS)
@pytest.mark.parametrize("heads", [1, 4])
@pytest.mark.parametrize("forget_bias", [None, -3.0])
def test_slstm_equals_official_vanilla(heads, forget_bias, backend):
    torch.manual_seed(0)
    B, T, I, H = 3, 25, 6, 16
    layer = lstmlab.SLSTM(
        I, H, num_heads=heads, batch_first=True, forget_bias=forget_bias, backend=backend
    )
    layer = layer.double()
    with torch.no_grad():  # a non-trivial recurrence (their default R is zero)
        layer.weight_hh_l0.normal_(0, 0.5)
        layer.bias_l0.normal_(0, 1)
    x = torch.randn(B, T, I, dtype=torch.float64)
    out, (h, c, n, m) = layer(x)
    cell = official_slstm(layer, torch.float64)
    Wx = x @ layer.weight_ih_l0.T  # (B, T, 4H), their "BSGNH" layout
    theirs, state = cell(Wx)  # (B, NH, T, d), (4, B, H)
    theirs = theirs.permute(0, 2, 1, 3).reshape(B, T, H)
    torch.testing.assert_close(out, theirs, rtol=1e-10, atol=1e-10)
    for ours, k in zip((h, c, n, m), range(4), strict=True):
        torch.testing.assert_close(ours[0], state[k], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend", SLSTM_BACKENDS)
def test_slstm_gradients_equal_official(backend):
    """Their vanilla backend differentiates through the stabiliser's max, ours holds m' constant
    (as their CUDA kernel): the gradients of anything computed from h are the same."""
    torch.manual_seed(1)
    B, T, I, H = 2, 12, 4, 8
    layer = lstmlab.SLSTM(I, H, num_heads=2, backend=backend).double()
    with torch.no_grad():
        layer.weight_hh_l0.normal_(0, 0.5)
    x = torch.randn(T, B, I, dtype=torch.float64)
    cell = official_slstm(layer, torch.float64)
    out, _ = layer(x)
    (out**2).sum().backward()
    Wx = (x @ layer.weight_ih_l0.detach().T).transpose(0, 1)  # (B, T, 4H)
    theirs, _ = cell(Wx)
    (theirs**2).sum().backward()
    NH, d = 2, 4
    dR = cell._recurrent_kernel_.grad.view(NH, 4, d, d).permute(1, 0, 2, 3).reshape(4 * H, d)
    torch.testing.assert_close(layer.weight_hh_l0.grad, dR, rtol=1e-8, atol=1e-10)
    torch.testing.assert_close(layer.bias_l0.grad, cell._bias_.grad, rtol=1e-8, atol=1e-10)


def _qkv(B=2, NH=3, T=40, d=8, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, NH, T, d, generator=g, dtype=dtype) for _ in range(3))
    i_tilde = 2 * torch.randn(B, NH, T, generator=g, dtype=dtype)
    f_tilde = 2 * torch.randn(B, NH, T, generator=g, dtype=dtype) + 2
    return q, k, v, i_tilde, f_tilde


def _zero_state(q):
    B, NH, _, d = q.shape
    z = q.new_zeros
    return MLSTMState(z(B, NH, d, d), z(B, NH, d), z(B, NH))


def test_mlstm_step_equals_official_recurrent_step():
    q, k, v, i_tilde, f_tilde = _qkv()
    B, NH, T, d = q.shape
    state, C, n, m = _zero_state(q), *(q.new_zeros(s) for s in [(B, NH, d, d), (B, NH, d, 1)]), None
    m = q.new_zeros(B, NH, 1, 1)
    for t in range(T):
        p = MLSTMInputs(q[:, :, t], k[:, :, t], v[:, :, t], i_tilde[:, :, t], f_tilde[:, :, t])
        ours, state = mlstm_step(p, state)
        theirs, (C, n, m) = recurrent_step_stabilized_simple(
            C, n, m, q[:, :, t : t + 1].clone(), k[:, :, t : t + 1].clone(),
            v[:, :, t : t + 1].clone(), i_tilde[:, :, t, None, None], f_tilde[:, :, t, None, None],
        )  # fmt: skip
        torch.testing.assert_close(ours, theirs[:, :, 0], rtol=1e-10, atol=1e-10)
    # Their C is k vᵀ (row = key); ours is v kᵀ (row = value, C q reads it).
    torch.testing.assert_close(state.C, C.transpose(-1, -2), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(state.m, m[..., 0, 0], rtol=1e-12, atol=1e-12)


def test_mlstm_parallel_equals_official_parallel():
    """Their parallel form stabilises row t by the largest write weight only; ours (like their
    recurrent step) also counts the decayed initial memory, log D_t0 = F_t + m_0. With an initial
    state whose m_0 is far below every write (and C_0 = n_0 = 0), the two are the same function."""
    q, k, v, i_tilde, f_tilde = _qkv(T=64)
    empty = _zero_state(q)._replace(m=torch.full_like(i_tilde[..., 0], -1e4))
    ours, _ = mlstm_parallel(MLSTMInputs(q, k, v, i_tilde, f_tilde), empty)
    theirs = parallel_stabilized_simple(q, k, v, i_tilde[..., None], f_tilde[..., None])
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)


def test_mlstm_chunkwise_equals_official_chunkwise():
    """Their chunkwise form starts from m_0 = 0, as ours does by default."""
    q, k, v, i_tilde, f_tilde = _qkv(T=64)
    p = MLSTMInputs(q, k, v, i_tilde, f_tilde)
    ours, (C, n, m) = mlstm_chunkwise(p, _zero_state(q), chunk_size=16)
    theirs, (C_, n_, m_) = chunkwise_simple(
        q, k, v, i_tilde, f_tilde, chunk_size=16, return_last_state=True
    )
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
    # Their chunkwise state keeps k unscaled (they scale q by 1/√d instead): C, n are √d ours.
    root_d = q.shape[-1] ** 0.5
    torch.testing.assert_close(C, C_.transpose(-1, -2) / root_d, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(n, n_ / root_d, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(m, m_[..., 0, 0], rtol=1e-10, atol=1e-10)
