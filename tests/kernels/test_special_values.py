"""Special values behave exactly as in torch.nn, on every kernel: NaN, ±inf, ±1e30 and subnormals
in the inputs, the initial states, the weights and the incoming gradients give the same outputs,
final states and gradients, with NaN (and ±inf) in the same places.

Three oracles, from the strongest:
- torch.nn.LSTM/GRU/RNN on the same weights, through lstmlab's layers with ``backend="fused"``
  and ``"reference"`` (float32 torch.nn.LSTM runs oneDNN's kernel, float64 torch's own cell);
- for what torch.nn does not have (peephole and Greff variants, projection, FGR, Cho's GRU), the
  reference recurrence (the cells' equations in torch ops, autograd through the loop), against
  the fused C++ kernels and, through the dispatch as on a CUDA machine, torch's op for the plain
  calls, on packed uneven batches, both directions;
- torch.sigmoid/tanh themselves for the kernels' polynomial activations: exactly 0, 1, ±1 where
  torch saturates, NaN where torch gives NaN.

Where the equations' products meet 0·inf or inf − inf, the result depends on how the backward is
factored; the kernels follow torch's factorisation (see csrc/activations.h and gru.cpp). One
thing no implementation can match: when a float32 sum of *finite* terms overflows (products of two
1e30s), whether it ends as ±inf or NaN depends on the summation order of the GEMM. So ±1e30 is
tested alone in a case, and the random cases with several special values draw it only in float64.

The default run covers each kind × dtype × backend × place with NaN and ±inf against torch.nn
(and against the reference); ``pytest -m slow`` adds every variant × place ×
value, random cases with several special values at once, the multi-threaded LSTM, packed inputs
against torch.nn with every value, and rebuilds of the kernels for other instruction sets
(AVX2 without the AVX-512 code, and SSE2 only).
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

import lstmlab
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import VARIANTS
from lstmlab.kernels import build, reference, team
from lstmlab.kernels.reference import Call

from .helpers import gru_kernel, lstm_kernel, rnn_kernel

DTYPES = (torch.float32, torch.float64)
#: Relative to the largest finite entry of each compared tensor (the polynomial activations of
#: float32 and oneDNN's differ by a few ulp; gradients are sums over rows and steps).
TOL = {torch.float32: 1e-4, torch.float64: 1e-9}
NAN, INF = math.nan, math.inf


def special_values(dtype: torch.dtype) -> dict[str, float]:
    """The values each place is tried with; "subnormal" is a quarter of the smallest normal."""
    return {
        "nan": NAN,
        "+inf": INF,
        "-inf": -INF,
        "+1e30": 1e30,
        "-1e30": -1e30,
        "subnormal": torch.finfo(dtype).tiny / 4,
    }


def assert_same(got: dict[str, Tensor], want: dict[str, Tensor], dtype, what: str) -> None:
    """Equal NaN and ±inf positions; finite entries within TOL of the tensor's largest one."""
    assert got.keys() == want.keys(), what
    for name, w in want.items():
        g = got[name]
        if w is None or g is None:
            assert g is None and w is None, f"{what}, {name}: one side has no gradient"
            continue
        finite = w[torch.isfinite(w)]
        scale = max(1.0, finite.abs().max().item()) if finite.numel() else 1.0
        torch.testing.assert_close(
            g,
            w,
            rtol=TOL[dtype],
            atol=TOL[dtype] * scale,
            equal_nan=True,
            msg=lambda m, name=name: f"{what}, {name}: {m}",
        )


def _poke(t: Tensor, index: tuple[int, ...], value: float) -> Tensor:
    t = t.detach().clone()
    t[index] = value
    return t


# -------------------------------------------------------------------------------------------------
# Layers against torch.nn.

T, B, I, H = 5, 19, 3, 21  # B = 16 + 3 and H = 16 + 5: full SIMD vectors and remainders
KINDS = {
    "LSTM": ("LSTM", {}),
    "GRU": ("GRU", {}),
    "RNN_tanh": ("RNN", {"nonlinearity": "tanh"}),
    "RNN_relu": ("RNN", {"nonlinearity": "relu"}),
}
#: Where the special value goes: (tensor, index). "grad" is dL/d output, "bias" b_ih.
PLACES = {
    "x": ("x", (1, 2, 1)),
    "h0": ("h0", (0, 7, 3)),
    "c0": ("c0", (0, 7, 3)),
    "weight_ih": ("weight_ih_l0", (5, 1)),
    "weight_hh": ("weight_hh_l0", (5, 9)),
    "bias": ("bias_ih_l0", (5,)),
    "grad": ("grad", (2, 4, 17)),
}


def _layer_case(kind: str, dtype, layout: str = "padded", seed: int = 0):
    """A torch.nn layer and the tensors of one call: x (T, B, I), hx, and dL/d outputs."""
    name, kwargs = KINDS[kind]
    torch.manual_seed(seed)
    theirs = getattr(nn, name)(I, H, dtype=dtype, **kwargs)
    g = torch.Generator().manual_seed(seed)
    tensors = {
        "x": torch.randn(T, B, I, generator=g, dtype=dtype),
        "h0": torch.randn(1, B, H, generator=g, dtype=dtype),
        "grad": torch.randn(T, B, H, generator=g, dtype=dtype),
        "grad_h": torch.randn(1, B, H, generator=g, dtype=dtype),
    }
    if name == "LSTM":
        tensors |= {
            "c0": torch.randn(1, B, H, generator=g, dtype=dtype),
            "grad_c": torch.randn(1, B, H, generator=g, dtype=dtype),
        }
    lengths = torch.randint(1, T + 1, (B,), generator=g) if layout == "packed" else None
    return theirs, tensors, lengths


def _run_layer(layer: nn.Module, state: dict, tensors: dict, lengths) -> dict[str, Tensor]:
    """Outputs, final states and the gradients of every input and parameter."""
    layer.load_state_dict(state)
    x = tensors["x"].clone().requires_grad_()
    hx = [tensors[k].clone().requires_grad_() for k in ("h0", "c0") if k in tensors]
    inp = x if lengths is None else pack_padded_sequence(x, lengths, enforce_sorted=False)
    out, states = layer(inp, tuple(hx) if len(hx) == 2 else hx[0])
    states = states if isinstance(states, tuple) else (states,)
    if lengths is not None:
        out = out.data  # same packed order on both sides
    grads_out = (
        [tensors["grad"]] if lengths is None else [tensors["grad"].flatten(0, 1)[: len(out)]]
    )
    grads_out += [tensors[k] for k in ("grad_h", "grad_c") if k in tensors]
    leaves = [x, *hx, *layer.parameters()]
    grads = torch.autograd.grad((out, *states), leaves, grads_out)
    names = ["x", *("h0", "c0")[: len(hx)], *(n for n, _ in layer.named_parameters())]
    return {"out": out, **{f"state {k}": s for k, s in enumerate(states)}} | {
        f"d{n}": d for n, d in zip(names, grads, strict=True)
    }


def _compare_layers(kind, dtype, backend, place, value, layout="padded", seed=0):
    if kind == "RNN_relu" and dtype == torch.float32 and abs(value) == 1e30:
        return  # relu does not bound h: 1e30·1e30 overflows finite float32 sums (docstring)
    theirs, tensors, lengths = _layer_case(kind, dtype, layout, seed)
    state = theirs.state_dict()
    key, index = PLACES[place]
    if key in state:
        state[key] = _poke(state[key], index, value)
    else:
        tensors[key] = _poke(tensors[key], index, value)
    name, kwargs = KINDS[kind]
    ours = getattr(lstmlab, name)(I, H, dtype=dtype, backend=backend, **kwargs)
    want = _run_layer(theirs, state, tensors, lengths)
    got = _run_layer(ours, state, tensors, lengths)
    assert_same(got, want, dtype, f"{kind} {backend} {dtype} {layout}: {value} in {place}")


def _layer_params():
    for kind in KINDS:
        for place in PLACES:
            if place == "c0" and kind != "LSTM":
                continue
            yield kind, place


@pytest.fixture(params=["fused", "reference"])
def backend(request):
    if request.param == "fused":
        assert build.load(), f"the fused kernels did not build: {build.failure()}"
    return request.param


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(("kind", "place"), list(_layer_params()))
def test_layer_matches_torch_nn(kind, place, dtype, backend):
    """Among them the cases of issue 10: NaN in x on the AVX-512 float32 LSTM (was finite), ±inf
    in x on LSTM and GRU (was NaN), NaN through relu (torch's derivative there is 1, not 0).
    ±1e30 and subnormals: in the slow run, with the packed layout."""
    for value in (NAN, INF, -INF):
        _compare_layers(kind, dtype, backend, place, value)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(("kind", "place"), list(_layer_params()))
def test_packed_layer_matches_torch_nn(kind, place, dtype, backend):
    """The same through torch.nn's packed-sequence path (uneven lengths, unsorted), with every
    special value."""
    for value in special_values(dtype).values():
        _compare_layers(kind, dtype, backend, place, value, layout="packed", seed=1)


# -------------------------------------------------------------------------------------------------
# Kernels against the reference recurrence: every LSTM variant, Cho's GRU, packed, reversed.

BATCH_SIZES = [19, 19, 17, 4, 1]  # lengths 5, 4, 3, 3, 2 and 14 of 2 or 3: rows leave and join
N = sum(BATCH_SIZES)
LSTM_CASES = {  # name → (variant, proj_size)
    **{v: (v, 0) for v in VARIANTS},
    "vanilla+proj": ("vanilla", 7),
    "peephole+proj": ("peephole", 7),
}
#: LSTM places: a tensor name (x, h0, c0, grad_out, or an LSTMWeights field) and an index.
LSTM_PLACES = {
    "x": ("x", (20, 1)),
    "h0": ("h0", (18, 2)),
    "c0": ("c0", (18, 3)),
    "weight_hh": ("weight_hh", (3, 2)),
    "bias": ("bias_ih", (12,)),
    "weight_peep": ("weight_peep", (0, 3)),
    "weight_gr": ("weight_gr", (2, 5)),
    "weight_hr": ("weight_hr", (1, 4)),
    "grad": ("grad_out", (30, 2)),
}


def _lstm_tensors(case: str, dtype, seed: int = 0) -> tuple:
    variant, P = LSTM_CASES[case]
    opts = VARIANTS[variant]
    g = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=1.0):
        return (torch.randn(shape, generator=g, dtype=torch.float64) * scale).to(dtype)

    w = {k: rand(*s, scale=0.5) for k, s in lstm_shapes(opts, I, H, P, True).items()}
    t = {"x": rand(N, I), "h0": rand(B, P or H), "c0": rand(B, H)}
    t |= {"grad_out": rand(N, P or H), "grad_h": rand(B, P or H), "grad_c": rand(B, H)}
    return opts, w, t


def _run_lstm(fn, opts, w: dict, t: dict, reverse: bool) -> dict[str, Tensor]:
    leaves = {k: v.clone().requires_grad_() for k, v in {**t, **w}.items() if "grad" not in k}
    weights = LSTMWeights(**{k: leaves[k] for k in w})
    state = (leaves["h0"], leaves["c0"])
    out, h, c, _ = fn(Call(leaves["x"], BATCH_SIZES, state, weights, reverse), opts)
    grads = torch.autograd.grad(
        (out, h, c), list(leaves.values()), [t[k] for k in ("grad_out", "grad_h", "grad_c")]
    )
    return {"out": out, "h_n": h, "c_n": c} | {
        f"d{k}": d for k, d in zip(leaves, grads, strict=True)
    }


def _compare_lstm(case, dtype, place, value, reverse, seed=0):
    opts, w, t = _lstm_tensors(case, dtype, seed)
    key, index = LSTM_PLACES[place]
    where = w if key in w else t
    if key not in where:
        return False  # the variant has no such tensor
    where[key] = _poke(where[key], index, value)
    want = _run_lstm(reference.lstm_reference, opts, w, t, reverse)
    got = _run_lstm(lstm_kernel, opts, w, t, reverse)
    assert_same(got, want, dtype, f"{case} {dtype} reverse={reverse}: {value} in {place}")
    return True


#: The default run: every variant with NaN and ±inf in the places where absent gates, absent
#: peepholes and FGR's zero initial state used to turn 0·inf into NaN.
QUICK_LSTM = [("c0", INF), ("c0", -INF), ("x", NAN), ("x", INF), ("weight_peep", INF),
              ("weight_gr", NAN), ("grad", -INF)]  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", list(LSTM_CASES))
def test_lstm_variant_matches_reference(case, dtype, rule):
    for k, (place, value) in enumerate(QUICK_LSTM):
        _compare_lstm(case, dtype, place, value, reverse=bool(k % 2))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", list(LSTM_CASES))
def test_lstm_variant_matches_reference_everywhere(case, dtype, rule):
    for place in LSTM_PLACES:
        for value in special_values(dtype).values():
            for reverse in (False, True):
                _compare_lstm(case, dtype, place, value, reverse)


GR_CASES = {  # name → (reference, fused, rows per unit, extra argument)
    "gru_after": (reference.gru_reference, gru_kernel, 3, True),
    "gru_before": (reference.gru_reference, gru_kernel, 3, False),
    "rnn_tanh": (reference.rnn_reference, rnn_kernel, 1, "tanh"),
    "rnn_relu": (reference.rnn_reference, rnn_kernel, 1, "relu"),
}
GR_PLACES = {
    "x": ("x", (20, 1)),
    "h0": ("h0", (18, 2)),
    "weight_ih": (0, (3, 2)),
    "weight_hh": (1, (3, 2)),
    "bias_hh": (3, (5,)),
    "grad": ("grad_out", (30, 2)),
}


def _compare_gr(case, dtype, place, value, reverse, seed=0):
    if case == "rnn_relu" and dtype == torch.float32 and abs(value) == 1e30:
        return  # relu does not bound h: 1e30·1e30 overflows finite float32 sums (docstring)
    ref_fn, fused_fn, rows, arg = GR_CASES[case]
    g = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=1.0):
        return (torch.randn(shape, generator=g, dtype=torch.float64) * scale).to(dtype)

    w = [rand(rows * H, I, scale=0.5), rand(rows * H, H, scale=0.5)]
    w += [rand(rows * H, scale=0.5), rand(rows * H, scale=0.5)]
    t = {"x": rand(N, I), "h0": rand(B, H), "grad_out": rand(N, H), "grad_h": rand(B, H)}
    key, index = GR_PLACES[place]
    if isinstance(key, int):
        w[key] = _poke(w[key], index, value)
    else:
        t[key] = _poke(t[key], index, value)

    def run(fn):
        x, h0, *ws = (v.clone().requires_grad_() for v in (t["x"], t["h0"], *w))
        out, h, _ = fn(Call(x, BATCH_SIZES, (h0,), ws, reverse), arg)
        grads = torch.autograd.grad((out, h), [x, h0, *ws], [t["grad_out"], t["grad_h"]])
        return {"out": out, "h_n": h} | {f"d{k}": d for k, d in enumerate(grads)}

    assert_same(run(fused_fn), run(ref_fn), dtype, f"{case} {dtype} {reverse}: {value} in {place}")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", list(GR_CASES))
def test_gru_rnn_match_reference(case, dtype, rule):
    """Packed, reversed and Cho's GRU (not in torch.nn): each place with NaN and ±inf."""
    for k, place in enumerate(GR_PLACES):
        for value in (NAN, INF, -INF):
            _compare_gr(case, dtype, place, value, reverse=bool(k % 2))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", list(GR_CASES))
def test_gru_rnn_match_reference_everywhere(case, dtype, rule):
    for place in GR_PLACES:
        for value in special_values(dtype).values():
            for reverse in (False, True):
                _compare_gr(case, dtype, place, value, reverse)


# -------------------------------------------------------------------------------------------------
# The activations themselves, on every lane of the vector loops.

#: Around every place where exp, σ and tanh change regime: polynomial/exp switch of tanh (0.625),
#: float32 tanh → ±1 (~9), σ → 1 (~17), e^x overflow (88.72) and underflow (−103.97), infinities.
#: 51 values: 3 vectors of 16 floats and a tail of 3.
ACT_POINTS = [1e-40, 1e-30, 0.3, 0.6249, 0.6251, 1.0, 5.0, 8.9, 9.1, 16.0, 17.5, 30.0, 80.0,
              87.0, 88.0, 88.6, 88.8, 89.5, 100.0, 103.0, 104.5, 200.0, 1e30, INF]  # fmt: skip
ACT_VALUES = [0.0, -0.0, NAN, *ACT_POINTS, *(-v for v in ACT_POINTS)]


def _assert_activation(got: Tensor, x: Tensor, fn, what: str) -> None:
    want = fn(x)
    torch.testing.assert_close(got, want, rtol=2e-6, atol=1e-37, equal_nan=True, msg=what)
    # Where torch's result is exactly 0, 1 or ±1 (or NaN) away from the rounding boundaries
    # (|x| ≥ 20), ours is too: these are the values that decide 0·inf downstream.
    saturated = (want == 0) | (want.abs() == 1) | want.isnan()
    exact = saturated & ((x.abs() >= 20) | x.isnan())
    assert exact.sum() > 0
    torch.testing.assert_close(got[exact], want[exact], rtol=0, atol=0, equal_nan=True, msg=what)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_lstm_activations_saturate_as_torch(dtype, rule):
    """One LSTM step with one input, W_ih = 1 (4, 1), W_hh = 0, h0 = c0 = 0 reads z = x in every
    gate: i, f, o = σ(x) and g = tanh(x) must equal torch.sigmoid/tanh. The fused LSTM vectorises
    along the batch, so the values are laid out along it (full vectors and a tail)."""
    x = torch.tensor(ACT_VALUES, dtype=dtype)[:, None]  # (B, 1): no 0·inf in W_ih·x
    B = x.shape[0]
    w = LSTMWeights(torch.ones(4, 1, dtype=dtype), torch.zeros(4, 1, dtype=dtype))
    zeros = torch.zeros(B, 1, dtype=dtype)
    call = Call(x, [B], (zeros, zeros), w, return_gates=True)
    out, _, _, gates = lstm_kernel(call, VARIANTS["vanilla"])
    for k in "ifo":
        _assert_activation(gates[k], x, torch.sigmoid, f"LSTM gate {k}")
    _assert_activation(gates["g"], x, torch.tanh, "LSTM g")
    c = torch.sigmoid(x) * torch.tanh(x)
    torch.testing.assert_close(gates["c"], c, rtol=4e-6, atol=1e-37, equal_nan=True)
    want = torch.sigmoid(x) * torch.tanh(c)
    torch.testing.assert_close(out, want, rtol=4e-6, atol=1e-37, equal_nan=True)


def test_lstm_float32_tanh_accuracy_and_where_it_reaches_one():
    """The fused LSTM's float32 tanh (its g gate, along the batch as the vector loops run) on a
    grid of [−10, 10] in steps of 5e-4: within 4e-7 of float64 tanh (relative), and exactly ±1
    only where float32 tanh rounds to ±1 (|x| ≳ 9.011): a tanh of exactly 1 below that would make
    1 − tanh² = 0 and turn an infinite gradient into NaN where torch.nn's stays infinite. The band
    around the rounding point itself, |x| in [9.0, 9.02], is left out of the second check."""
    assert build.load(), f"the fused kernels did not build: {build.failure()}"
    x = torch.linspace(-10, 10, 40001)[:, None]  # (B, 1), float32
    B = x.shape[0]
    w = LSTMWeights(torch.ones(4, 1), torch.zeros(4, 1))
    zeros = torch.zeros(B, 1)
    call = Call(x, [B], (zeros, zeros), w, return_gates=True)
    g = lstm_kernel(call, VARIANTS["vanilla"])[3]["g"].squeeze(1)
    want = torch.tanh(x.squeeze(1).double())
    err = (g.double() - want).abs() / want.abs().clamp_min(1e-30)
    assert err.max().item() <= 4e-7
    a = x.squeeze(1).abs()
    assert (g.abs() < 1)[a < 9.0].all()
    assert (g.abs() == 1)[a > 9.02].all()


@pytest.mark.slow
def test_lstm_float32_tanh_over_every_float_up_to_7_5():
    """The fused LSTM's float32 tanh on every float in [0, 7.5] (its g gate; tanh is odd, and
    below 7.5 the AVX-512 kernel's rational approximation serves): within 5.9 ulp and a relative
    error of 3.8e-7 of float64 tanh, the bounds csrc/activations.h states."""
    assert build.load(), f"the fused kernels did not build: {build.failure()}"
    last = int(torch.tensor(7.5).view(torch.int32))
    worst_ulp = worst_rel = 0.0
    step = 1 << 22
    for lo in range(0, last + 1, step):
        bits = torch.arange(lo, min(lo + step, last + 1), dtype=torch.int32)
        x = bits.view(torch.float32)[:, None]
        B = x.shape[0]
        w = LSTMWeights(torch.ones(4, 1), torch.zeros(4, 1))
        zeros = torch.zeros(B, 1)
        g = lstm_kernel(Call(x, [B], (zeros, zeros), w, return_gates=True), VARIANTS["vanilla"])
        got = g[3]["g"].squeeze(1).double()
        want = torch.tanh(x.squeeze(1).double())
        near = want.float().abs()
        ulp = (torch.nextafter(near, torch.tensor(math.inf)) - near).double()
        worst_ulp = max(worst_ulp, ((got - want).abs() / ulp).max().item())
        worst_rel = max(worst_rel, ((got - want).abs() / want.abs().clamp_min(1e-300)).max().item())
    assert worst_ulp <= 5.9 and worst_rel <= 3.8e-7, (worst_ulp, worst_rel)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_gru_rnn_activations_saturate_as_torch(dtype, rule):
    """The GRU and RNN vectorise along the units: the values go along H, through b_ih (x = 0,
    W = 0, h0 = 0): r = z = σ(v), n = tanh(v); the RNN's h = tanh(v)."""
    v = torch.tensor(ACT_VALUES, dtype=dtype)
    H_ = v.numel()
    x, h0 = torch.zeros(3, 1, dtype=dtype), torch.zeros(3, H_, dtype=dtype)
    want = v.expand(3, H_)

    def w(rows):
        return [torch.zeros(rows * H_, 1, dtype=dtype), torch.zeros(rows * H_, H_, dtype=dtype)]

    _, _, gates = gru_kernel(Call(x, [3], (h0,), [*w(3), v.repeat(3), None], return_gates=True))
    _assert_activation(gates["r"], want, torch.sigmoid, "GRU r")
    _assert_activation(gates["z"], want, torch.sigmoid, "GRU z")
    _assert_activation(gates["n"], want, torch.tanh, "GRU n")
    out, _, _ = rnn_kernel(Call(x, [3], (h0,), [*w(1), v, None]), "tanh")
    _assert_activation(out, want, torch.tanh, "RNN tanh")


# -------------------------------------------------------------------------------------------------
# Slow: random cases with several special values, the threaded LSTM, other instruction sets.


def _random_poke(tensors: list[Tensor], rng: random.Random, dtype) -> None:
    values = [NAN, INF, -INF, torch.finfo(dtype).tiny / 4]
    if dtype == torch.float64:  # float32: see the module docstring (overflowing finite sums)
        values += [1e30, -1e30]
    for _ in range(rng.randint(2, 4)):
        t = rng.choice(tensors)
        t.view(-1)[rng.randrange(t.numel())] = rng.choice(values)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_random_several_special_values(dtype, rule):
    rng = random.Random(10)
    for trial in range(60):
        case = rng.choice(list(LSTM_CASES))
        opts, w, t = _lstm_tensors(case, dtype, seed=trial)
        _random_poke([*w.values(), *t.values()], rng, dtype)
        reverse = rng.random() < 0.5
        want = _run_lstm(reference.lstm_reference, opts, w, t, reverse)
        got = _run_lstm(lstm_kernel, opts, w, t, reverse)
        assert_same(got, want, dtype, f"trial {trial}: {case}, reverse={reverse}")


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_threaded_lstm(dtype, monkeypatch):
    """H = 48 over two threads (chunks of 32 and 16 units), every variant, several places."""
    assert build.load(), f"the fused kernels did not build: {build.failure()}"
    monkeypatch.setattr(team, "PARALLEL_MIN_MACS", 0)
    monkeypatch.setitem(globals(), "H", 48)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for case in LSTM_CASES:
            for place, value in QUICK_LSTM:
                _compare_lstm(case, dtype, place, value, reverse=False)
    finally:
        torch.set_num_threads(threads)


def _has_cpu_flag(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


#: What each -march runs: x86-64-v3 has its own LSTM code (simd.h's 8-lane vectors), so the fused
#: LSTM's tests too. The SSE2 build runs the scalar loops the default build runs for float64;
#: its float32 LSTM lands 8% beyond test_fused_lstm.py's fixed 3e-6 tolerance in one case
#: (threaded_chunks, nog: 3.2e-6), as torch's own float32 ops do for 1 in 80 seeds of that case.
OTHER_MARCH_FILES = {"x86-64-v3": ("test_special_values.py", "test_fused_lstm.py"),
                     "x86-64": ("test_special_values.py",)}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("march", list(OTHER_MARCH_FILES))
def test_other_instruction_sets(march):
    """The default tests of OTHER_MARCH_FILES against kernels built for another -march:
    x86-64-v3 (AVX2: the LSTM's float passes on simd.h's 8-lane vectors) and x86-64 (SSE2 only:
    the scalar loops, vectorised by the compiler)."""
    if os.uname().machine != "x86_64" or (march == "x86-64-v3" and not _has_cpu_flag("avx2")):
        pytest.skip(f"-march={march} does not run on this CPU")
    env = {**os.environ, "LSTMLAB_MARCH": march}
    check = (
        f"from lstmlab.kernels import build; assert '-march={march}' in build.extension().cflags"
    )
    subprocess.run([sys.executable, "-c", check], env=env, check=True)
    files = [str(Path(__file__).with_name(f)) for f in OTHER_MARCH_FILES[march]]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow",
         *files],
        env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
