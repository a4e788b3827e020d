import pytest

from lstmlab.models import ModelConfig
from lstmlab.training import TrainConfig


@pytest.fixture
def tiny():
    """A run of a few seconds at most: adding problem, lag 10, a small LSTM."""

    def make(out_dir=None, **kw) -> TrainConfig:
        model = kw.pop("model", ModelConfig(kind="lstm", hidden=8))
        fields = dict(
            task="adding",
            lag=10,
            model=model,
            steps=40,
            batch_size=16,
            lr=1e-2,
            eval_every=10,
            patience=None,
            n_val=64,
            n_test=64,
            eval_batch_size=64,
        )
        fields.update(kw)
        return TrainConfig(out_dir=None if out_dir is None else str(out_dir), **fields)

    return make
