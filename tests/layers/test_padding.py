"""Padded steps never change a sequence's result: a padded batch run with ``lengths=`` (or packed)
gives, for each sequence, what that sequence gives alone — in both directions, for all layers."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import lstmlab

DTYPE = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-12}
T, I, H = 6, 2, 3
LENGTHS = [4, 6, 1, 3]
B = len(LENGTHS)

CASES = [
    ("LSTM", {}),
    ("LSTM", {"proj_size": 2}),
    ("LSTM", {"variant": "peephole"}),
    ("LSTM", {"variant": "cifg"}),
    ("LSTM", {"variant": "fgr"}),
    ("LSTM", {"variant": "nfg"}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
]


def padded_batch(batch_first: bool, seed: int = 0) -> torch.Tensor:
    """A batch whose padding is large garbage, so a padded step that leaked would show."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(T, B, I, generator=g, dtype=DTYPE)
    for b, n in enumerate(LENGTHS):
        x[n:, b] = 100 * torch.randn(T - n, I, generator=g, dtype=DTYPE)
    return x.transpose(0, 1) if batch_first else x


def initial_state(layer, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    LD = layer.num_layers * (2 if layer.bidirectional else 1)
    h0 = torch.randn(LD, B, layer.proj_size or H, generator=g, dtype=DTYPE)
    if isinstance(layer, lstmlab.LSTM):
        return h0, torch.randn(LD, B, H, generator=g, dtype=DTYPE)
    return h0


def states(s):
    return s if isinstance(s, tuple) else (s,)


def select(hx, b):
    """Initial state(s) of sequence b alone, (L·D, 1, ·)."""
    return tuple(s[:, b : b + 1] for s in hx) if isinstance(hx, tuple) else hx[:, b : b + 1]


@pytest.mark.parametrize("batch_first", [False, True], ids=["tb", "bt"])
@pytest.mark.parametrize(("kind", "options"), CASES, ids=lambda v: str(v))
def test_padded_batch_equals_each_sequence_alone(kind, options, batch_first, backend):
    torch.manual_seed(0)
    layer = getattr(lstmlab, kind)(
        I,
        H,
        num_layers=2,
        bidirectional=True,
        batch_first=batch_first,
        dtype=DTYPE,
        backend=backend,
        **options,
    )
    x = padded_batch(batch_first)
    hx = initial_state(layer)
    y, s = layer(x, hx, lengths=LENGTHS)
    packed = pack_padded_sequence(x, LENGTHS, batch_first=batch_first, enforce_sorted=False)
    y_packed, s_packed = layer(packed, hx)
    y_packed, _ = pad_packed_sequence(y_packed, batch_first=batch_first, total_length=T)
    torch.testing.assert_close(y_packed, y, **TOL)
    for a, b in zip(states(s_packed), states(s), strict=True):
        torch.testing.assert_close(a, b, **TOL)

    for b, n in enumerate(LENGTHS):
        x_b = x[b : b + 1, :n] if batch_first else x[:n, b : b + 1]  # the sequence, unpadded
        y_b, s_b = layer(x_b, select(hx, b))
        mine = y[b : b + 1] if batch_first else y[:, b : b + 1]
        real, past = (mine[:, :n], mine[:, n:]) if batch_first else (mine[:n], mine[n:])
        torch.testing.assert_close(real, y_b, **TOL)
        assert torch.equal(past, torch.zeros_like(past))
        for final, alone in zip(states(s), states(s_b), strict=True):
            torch.testing.assert_close(final[:, b : b + 1], alone, **TOL)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_padding_garbage_does_not_reach_gradients(kind, backend):
    """The padded entries of the input get zero gradient; the real ones do not."""
    layer = getattr(lstmlab, kind)(I, H, bidirectional=True, dtype=DTYPE, backend=backend)
    x = padded_batch(False).requires_grad_()
    y, s = layer(x, lengths=LENGTHS)
    (y.sum() + sum(t.sum() for t in states(s))).backward()
    for b, n in enumerate(LENGTHS):
        assert torch.equal(x.grad[n:, b], torch.zeros_like(x.grad[n:, b]))
        assert (x.grad[:n, b].abs().sum(-1) > 0).all()


def test_lengths_as_a_tensor_and_full_lengths(backend):
    layer = lstmlab.LSTM(I, H, dtype=DTYPE, backend=backend)
    x = padded_batch(False)
    by_list = layer(x, lengths=LENGTHS)
    by_tensor = layer(x, lengths=torch.tensor(LENGTHS))
    torch.testing.assert_close(by_tensor[0], by_list[0], rtol=0, atol=0)
    full = layer(x, lengths=[T] * B)  # no padding at all = the plain call
    plain = layer(x)
    torch.testing.assert_close(full[0], plain[0], **TOL)
    torch.testing.assert_close(full[1][0], plain[1][0], **TOL)
