"""Property tests over shapes and options: every variant returns torch.nn's shapes for the options
they share, and the vanilla layer returns torch.nn's numbers."""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import lstmlab

DTYPE = torch.float64
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def configs(draw, kinds=("LSTM", "GRU", "RNN")):
    kind = draw(st.sampled_from(kinds))
    H = draw(st.integers(1, 4))
    c = {
        "kind": kind,
        "T": draw(st.integers(1, 4)),
        "B": draw(st.integers(1, 3)),
        "I": draw(st.integers(1, 3)),
        "H": H,
        "num_layers": draw(st.integers(1, 2)),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bias": draw(st.booleans()),
        "unbatched": draw(st.booleans()),
        "proj_size": draw(st.integers(0, H - 1)) if kind == "LSTM" else 0,
        "variant": draw(st.sampled_from(list(lstmlab.VARIANTS))) if kind == "LSTM" else None,
    }
    return c


def build(c, backend, variant=None):
    shared = {k: c[k] for k in ("num_layers", "bidirectional", "batch_first", "bias")}
    if c["proj_size"]:
        shared["proj_size"] = c["proj_size"]
    theirs = getattr(nn, c["kind"])(c["I"], c["H"], dtype=DTYPE, **shared)
    extra = {"variant": variant} if variant else {}
    ours = getattr(lstmlab, c["kind"])(
        c["I"], c["H"], dtype=DTYPE, backend=backend, **shared, **extra
    )
    return theirs, ours


def make_input(c):
    if c["unbatched"]:
        return torch.randn(c["T"], c["I"], dtype=DTYPE)
    shape = (c["B"], c["T"], c["I"]) if c["batch_first"] else (c["T"], c["B"], c["I"])
    return torch.randn(shape, dtype=DTYPE)


def as_tuple(s):
    return s if isinstance(s, tuple) else (s,)


@SETTINGS
@given(c=configs())
def test_shapes_match_torch_for_every_variant(c, backend):
    theirs, ours = build(c, backend, c["variant"])
    x = make_input(c)
    y_t, s_t = theirs(x)
    y, s = ours(x)
    assert y.shape == y_t.shape
    assert [t.shape for t in as_tuple(s)] == [t.shape for t in as_tuple(s_t)]
    assert y.dtype == DTYPE and all(t.dtype == DTYPE for t in as_tuple(s))
    y, s, gates = ours(x, return_gates=True)  # and the read-out does not change the result
    torch.testing.assert_close(y, ours(x)[0], rtol=0, atol=0)
    LD = c["num_layers"] * (2 if c["bidirectional"] else 1)
    lead = () if LD == 1 else (LD,)
    if c["unbatched"]:
        steps = (c["T"],)
    else:
        steps = (c["B"], c["T"]) if c["batch_first"] else (c["T"], c["B"])
    for k, v in gates.items():
        size = (c["proj_size"] or c["H"]) if k == "h" else c["H"]
        assert v.shape == (*lead, *steps, size), k


@SETTINGS
@given(c=configs(), lengths_seed=st.integers(0, 2**16))
def test_vanilla_equals_torch(c, lengths_seed, backend):
    theirs, ours = build(c, backend)
    ours.load_state_dict(theirs.state_dict())
    x = make_input(c)
    y_t, s_t = theirs(x)
    y, s = ours(x)
    torch.testing.assert_close(y, y_t, rtol=1e-10, atol=1e-12)
    for a, b in zip(as_tuple(s), as_tuple(s_t), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    if c["unbatched"]:
        return
    # the same batch with random lengths: lengths= equals torch.nn on the packed batch
    g = torch.Generator().manual_seed(lengths_seed)
    lengths = torch.randint(1, c["T"] + 1, (c["B"],), generator=g)
    packed = nn.utils.rnn.pack_padded_sequence(
        x, lengths, batch_first=c["batch_first"], enforce_sorted=False
    )
    y_t, s_t = theirs(packed)
    y_t, _ = nn.utils.rnn.pad_packed_sequence(
        y_t, batch_first=c["batch_first"], total_length=c["T"]
    )
    y, s = ours(x, lengths=lengths)
    torch.testing.assert_close(y, y_t, rtol=1e-10, atol=1e-12)
    for a, b in zip(as_tuple(s), as_tuple(s_t), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
