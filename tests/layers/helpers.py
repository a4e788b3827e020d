"""Shared by the layer tests: twin layers (lstmlab and torch.nn), the five ways to feed a batch,
and one forward + backward pass that returns everything worth comparing."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

import lstmlab

#: Every layer-level equality and gradient test runs on both; "auto" is the fused kernel once it
#: is built, and the reference loop until then.
BACKENDS = ("reference", "auto")

#: How a batch reaches the layer. "lengths" is lstmlab's padded batch with ``lengths=``; its
#: torch.nn twin is the same batch packed with enforce_sorted=False and padded back.
MODES = ("padded", "unbatched", "packed_sorted", "packed_unsorted", "lengths")

TOL = {
    torch.float32: {"rtol": 1e-4, "atol": 1e-5},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}

T, B, I, H = 4, 3, 3, 4  # steps, batch, input features, hidden features
LENGTHS = [T, 1, T - 1]  # uneven and unsorted; sorted, the same batch is SORTED_LENGTHS
SORTED_LENGTHS = sorted(LENGTHS, reverse=True)


def twins(kind: str, dtype=torch.float64, backend="reference", **kwargs):
    """A torch.nn layer and the lstmlab layer holding the same weights (via its state_dict)."""
    theirs = getattr(nn, kind)(I, H, dtype=dtype, **kwargs)
    ours = getattr(lstmlab, kind)(I, H, dtype=dtype, backend=backend, **kwargs)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def make_input(mode: str, batch_first: bool, dtype, seed: int = 0) -> Tensor:
    """A leaf input: (T, B, I), (B, T, I) with batch_first, or (T, I) unbatched."""
    g = torch.Generator().manual_seed(seed)
    shape = (T, I) if mode == "unbatched" else ((B, T, I) if batch_first else (T, B, I))
    return torch.randn(shape, generator=g, dtype=dtype).requires_grad_()


def make_hx(layer: nn.Module, mode: str, dtype, seed: int = 1) -> tuple[Tensor, ...]:
    """Random leaf initial states for ``layer`` (a torch.nn or lstmlab layer): (h0,) or (h0, c0)."""
    g = torch.Generator().manual_seed(seed)
    LD = layer.num_layers * (2 if layer.bidirectional else 1)
    batch = () if mode == "unbatched" else (B,)
    sizes = [layer.proj_size or layer.hidden_size]
    if isinstance(layer, nn.LSTM | lstmlab.LSTM):
        sizes.append(layer.hidden_size)
    return tuple(
        torch.randn((LD, *batch, n), generator=g, dtype=dtype).requires_grad_() for n in sizes
    )


def feed(layer: nn.Module, x: Tensor, mode: str, hx: tuple[Tensor, ...] | None, batch_first):
    """Run ``layer`` on ``x`` fed as ``mode``; returns (output as a tensor, states tuple).

    Packed outputs are padded back (zeros past each length) so every mode compares as a tensor;
    the PackedSequence metadata is checked to be torch's own.
    """
    state_in = None if hx is None else (hx if len(hx) > 1 else hx[0])
    if mode in ("padded", "unbatched"):
        y, s = layer(x, state_in)
    elif mode == "lengths" and isinstance(layer, lstmlab.LSTM | lstmlab.GRU | lstmlab.RNN):
        y, s = layer(x, state_in, lengths=LENGTHS)
    else:
        lengths = SORTED_LENGTHS if mode == "packed_sorted" else LENGTHS
        packed = pack_padded_sequence(
            x, lengths, batch_first=batch_first, enforce_sorted=mode == "packed_sorted"
        )
        y, s = layer(packed, state_in)
        assert isinstance(y, PackedSequence)
        assert torch.equal(y.batch_sizes, packed.batch_sizes)
        pairs = [(y.sorted_indices, packed.sorted_indices)]
        pairs.append((y.unsorted_indices, packed.unsorted_indices))
        for a, b in pairs:
            assert (a is None and b is None) or torch.equal(a, b)
        y, _ = pad_packed_sequence(y, batch_first=batch_first, total_length=T)
    return y, (s if isinstance(s, tuple) else (s,))


def probe(t: Tensor) -> Tensor:
    """A fixed random linear functional of ``t``, so that every gradient entry matters."""
    g = torch.Generator().manual_seed(t.numel())
    return (t * torch.randn(t.shape, generator=g, dtype=t.dtype)).sum()


def forward_backward(layer, x, mode, hx, batch_first) -> dict[str, Tensor]:
    """Output, final states and the gradients of a probe of them w.r.t. the input, the initial
    states and every parameter (by name)."""
    y, states = feed(layer, x, mode, hx, batch_first)
    loss = probe(y) + sum(probe(s) for s in states)
    names, params = zip(*layer.named_parameters(), strict=True)
    leaves = [x, *(hx or ()), *params]
    grads = torch.autograd.grad(loss, leaves)
    result = {"output": y, **{f"state{k}": s for k, s in enumerate(states)}}
    result |= {"grad_input": grads[0]}
    result |= {f"grad_hx{k}": g for k, g in enumerate(grads[1 : 1 + len(hx or ())])}
    result |= {f"grad_{n}": g for n, g in zip(names, grads[1 + len(hx or ()) :], strict=True)}
    return result


def assert_same(ours: dict[str, Tensor], theirs: dict[str, Tensor], dtype) -> None:
    assert ours.keys() == theirs.keys()
    for k in theirs:
        assert ours[k].shape == theirs[k].shape, k
        torch.testing.assert_close(ours[k], theirs[k], **TOL[dtype], msg=lambda m, k=k: f"{k}: {m}")
