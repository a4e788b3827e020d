"""float64 gradcheck of every cell and variant through the public layers: the analytic gradients
(autograd through the reference loop, or the fused kernel's backward) equal finite differences
w.r.t. the input, the initial states and every parameter."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab

DTYPE = torch.float64
T, B, I, H = 3, 2, 2, 3
LENGTHS = [2, 3]  # unsorted, uneven: the packed case exercises sorting and partial batches


def check_layer(layer: torch.nn.Module, *, packed: bool = False, fast_mode: bool = True) -> None:
    """gradcheck of ``(input, *hx, *parameters) -> (output, *final states)``."""
    g = torch.Generator().manual_seed(0)
    LD = layer.num_layers * (2 if layer.bidirectional else 1)
    sizes = [layer.proj_size or H] + ([H] if isinstance(layer, lstmlab.LSTM) else [])
    x = torch.randn(T, B, I, generator=g, dtype=DTYPE)
    hx = [torch.randn(LD, B, n, generator=g, dtype=DTYPE) for n in sizes]
    names, params = zip(*layer.named_parameters(), strict=True)
    n_hx = len(hx)

    def fn(x, *rest):
        state = tuple(rest[:n_hx]) if n_hx > 1 else rest[0]
        weights = dict(zip(names, rest[n_hx:], strict=True))
        inp = pack_padded_sequence(x, LENGTHS, enforce_sorted=False) if packed else x
        y, s = functional_call(layer, weights, (inp, state))
        y = y.data if packed else y
        return (y, *(s if isinstance(s, tuple) else (s,)))

    inputs = [t.detach().clone().requires_grad_() for t in (x, *hx, *params)]
    assert torch.autograd.gradcheck(fn, inputs, fast_mode=fast_mode)


LSTM_CONFIGS = {
    "plain": {},
    "proj_bi_2layers": {"proj_size": 2, "bidirectional": True, "num_layers": 2},
    "packed": {"packed": True},
}


@pytest.mark.parametrize("config", LSTM_CONFIGS)
@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_lstm_gradcheck(variant, config, backend):
    options = dict(LSTM_CONFIGS[config])
    packed = options.pop("packed", False)
    layer = lstmlab.LSTM(I, H, variant=variant, dtype=DTYPE, backend=backend, **options)
    check_layer(layer, packed=packed)


@pytest.mark.parametrize("variant", ["vanilla", "fgr"])
def test_lstm_gradcheck_full_jacobian(variant, backend):
    """Every entry of the Jacobian, not one random projection (small, so it stays fast)."""
    layer = lstmlab.LSTM(I, H, variant=variant, dtype=DTYPE, backend=backend, bidirectional=True)
    check_layer(layer, packed=True, fast_mode=False)


@pytest.mark.parametrize("config", LSTM_CONFIGS)
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradcheck(reset_after, config, backend):
    options = {k: v for k, v in LSTM_CONFIGS[config].items() if k not in ("packed", "proj_size")}
    layer = lstmlab.GRU(I, H, reset_after=reset_after, dtype=DTYPE, backend=backend, **options)
    check_layer(layer, packed=config == "packed")


@pytest.mark.parametrize("config", LSTM_CONFIGS)
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gradcheck(nonlinearity, config, backend):
    options = {k: v for k, v in LSTM_CONFIGS[config].items() if k not in ("packed", "proj_size")}
    layer = lstmlab.RNN(I, H, nonlinearity=nonlinearity, dtype=DTYPE, backend=backend, **options)
    check_layer(layer, packed=config == "packed")


def test_gradcheck_without_bias(backend):
    layer = lstmlab.LSTM(I, H, bias=False, variant="peephole", dtype=DTYPE, backend=backend)
    check_layer(layer)
