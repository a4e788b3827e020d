"""Hand-built PackedSequences that break the packed layout are refused, on every backend and
every layer, with one message naming ``batch_sizes`` (``kernels.check_batch_sizes``). Before,
the reference path returned rows that were not in the data (sum(batch_sizes) > rows), accepted a
zero, and failed on increasing sizes with an unrelated shape error."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence

import lstmlab
from lstmlab import kernels
from lstmlab.cells.lstm import LSTMWeights, lstm_shapes
from lstmlab.cells.options import LSTMOptions

KINDS = ("LSTM", "GRU", "RNN")
BACKENDS = ("reference", "fused")
ROWS = 6
#: batch_sizes → the end of the message, for 6 rows of data.
BAD = {
    "sum above the rows": ([3, 2, 2], r"\(it sums to 7\)"),
    "sum below the rows": ([3, 2], r"\(it sums to 5\)"),
    "a zero": ([3, 0, 3], r"\(entry 1 is 0\)"),
    "a zero at the end": ([3, 3, 0], r"\(entry 2 is 0\)"),
    "increasing": ([2, 3, 1], r"\(it increases from 2 to 3 at entry 1\)"),
    "negative": ([4, 3, -1], r"\(entry 2 is -1\)"),
}
PREFIX = r"batch_sizes: expected a non-increasing list of positive ints .* got \["


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_bad_batch_sizes_through_the_layer(kind, backend, case):
    sizes, problem = BAD[case]
    layer = getattr(lstmlab, kind)(2, 3, backend=backend)
    seq = PackedSequence(torch.randn(ROWS, 2), torch.tensor(sizes))
    with pytest.raises(ValueError, match=PREFIX + ".*" + problem):
        layer(seq)


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_batch_sizes_through_the_kernels(backend, case):
    """The dispatch functions check too: they are the one door to every kernel."""
    sizes, problem = BAD[case]
    B, H = sizes[0], 3
    x, h0 = torch.randn(ROWS, 2), torch.zeros(max(B, 1), H)
    w = [torch.randn(H, 2), torch.randn(H, H), None, None]
    w3 = [torch.randn(3 * H, 2), torch.randn(3 * H, H), None, None]
    opts = LSTMOptions()
    lw = LSTMWeights(**{k: torch.randn(s) for k, s in lstm_shapes(opts, 2, H, 0, False).items()})
    calls = [
        lambda: kernels.rnn_sequence(x, sizes, h0, w, backend=backend),
        lambda: kernels.gru_sequence(x, sizes, h0, w3, backend=backend),
        lambda: kernels.lstm_sequence(x, sizes, h0, h0, lw, opts, backend=backend),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=PREFIX + ".*" + problem):
            call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_sizes_that_are_not_a_1d_int64_cpu_tensor(backend):
    layer = lstmlab.LSTM(2, 3, backend=backend)
    data = torch.randn(ROWS, 2)
    for bad, got in [
        (torch.tensor([3.0, 3.0]), "dtype torch.float32"),
        (torch.tensor([[3, 3]]), r"shape \(1, 2\)"),
        (torch.tensor([], dtype=torch.int64), r"shape \(0,\)"),
    ]:
        with pytest.raises(ValueError, match=r"batch_sizes: expected a non-empty 1-D CPU int64.*"):
            layer(PackedSequence(data, bad))
        with pytest.raises(ValueError, match=got):
            layer(PackedSequence(data, bad))


def test_indices_of_the_wrong_length():
    layer = lstmlab.GRU(2, 3)
    seq = PackedSequence(torch.randn(ROWS, 2), torch.tensor([3, 3]), torch.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"sorted_indices: expected an int64 tensor of shape"):
        layer(seq)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_hand_built_sequence_still_runs(kind, backend):
    """The check refuses only what is broken: a hand-built valid layout equals torch.nn."""
    torch.manual_seed(0)
    ours = getattr(lstmlab, kind)(2, 3, backend=backend, dtype=torch.float64)
    seq = PackedSequence(torch.randn(ROWS, 2, dtype=torch.float64), torch.tensor([3, 2, 1]))
    got, want = ours(seq)[0].data, ours.to_torch()(seq)[0].data
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
