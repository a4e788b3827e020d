"""--model minlstm / mingru through train and compare (the one training loop)."""

import json

import pytest
from click.testing import CliRunner

from lstmlab.cli.main import cli


@pytest.mark.parametrize("kind", ["minlstm", "mingru"])
def test_train_min_model(tmp_path, kind):
    out = tmp_path / kind
    args = ["train", "--task", "adding", "--model", kind, "--lag", "6", "--hidden", "4",
            "--steps", "4", "--eval-every", "2", "--n-val", "16", "--n-test", "16", "--chrono",
            "--quiet", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "test mse" in result.output
    assert json.loads((out / "config.json").read_text())["model"]["kind"] == kind
