import pytest
import torch

from lstmlab.apps.text.streams import TrainStreams, context_windows, recurrent_rows


@pytest.mark.parametrize("M", [2, 3, 17, 200, 1001])
def test_every_target_is_scored_once_after_its_own_input(M):
    ids = torch.arange(M)
    for rows in (recurrent_rows(ids, 4, warmup=5), context_windows(ids, 16)):
        targets = rows.y[rows.scored]
        assert sorted(targets.tolist()) == list(range(1, M))
        assert torch.equal(rows.x[rows.scored] + 1, targets)


def test_recurrent_rows_warm_up_on_the_text_before_them():
    rows = recurrent_rows(torch.arange(101), 4, warmup=10)
    first_scored = rows.scored.int().argmax(dim=1)
    assert first_scored.tolist() == [0, 10, 10, 10]  # rows after the first read 10 unscored
    assert rows.x[1, 0].item() == 25 - 10


def test_train_streams_continue_where_the_last_chunk_ended():
    ids = torch.arange(4 * 50)
    streams = TrainStreams(ids, batch_size=4, bptt=7)
    b0, b1 = streams.batch(0), streams.batch(1)
    assert b0.reset and not b1.reset
    assert torch.equal(b1.x[:, 0], b0.x[:, -1] + 1)  # stream r goes on in row r
    assert torch.equal(b0.y, b0.x + 1)
    assert streams.batch(streams.chunks).reset  # a new pass starts from a zero state
    assert torch.equal(streams.batch(streams.chunks).x, b0.x)
    with pytest.raises(
        ValueError, match=r"training text: expected at least 4 streams × 8 = 32 characters"
    ):
        TrainStreams(torch.arange(10), batch_size=4, bptt=7)
