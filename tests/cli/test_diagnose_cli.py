"""lstmlab diagnose writes its data and figures."""

import csv
import json

from click.testing import CliRunner

from lstmlab.cli.main import cli

PNG = b"\x89PNG\r\n\x1a\n"


def test_diagnose_writes_json_csv_and_png(tmp_path):
    args = ["diagnose", "--task", "adding", "--models", "rnn,lstm,transformer", "--lag", "16",
            "--hidden", "8", "--train-steps", "4", "--eval-every", "2", "--probe-size", "8",
            "--n-val", "16", "--n-test", "16", "--quiet", "--out", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "factor/step" in result.output

    flow = json.loads((tmp_path / "gradient_flow.json").read_text())
    assert flow["lag"] == 16 and set(flow["models"]) == {"rnn", "lstm", "transformer"}
    assert set(flow["models"]["lstm"]) == {"init", "trained"}
    assert len(flow["models"]["lstm"]["init"]["c"]) == 16
    with open(tmp_path / "gradient_flow.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * 2 * 16
    with open(tmp_path / "decay.csv") as f:
        decay = list(csv.DictReader(f))
    states = {(r["model"], r["phase"], r["state"]) for r in decay}
    assert ("rnn", "init", "h") in states and ("lstm", "trained", "c") in states
    assert ("transformer", "init", "x") in states
    assert set(json.loads((tmp_path / "training.json").read_text())) == {
        "rnn", "lstm", "transformer"
    }  # fmt: skip
    for name in ("gradient_flow.png", "gates_lstm_init.png", "gates_rnn_trained.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG), name
    gates = json.loads((tmp_path / "gates_lstm_trained.json").read_text())
    assert set(gates) == {"f", "i", "g", "o", "c", "h"} and len(gates["f"]) == 16
    assert not (tmp_path / "gates_transformer_init.png").exists()
    assert not list(tmp_path.rglob("*.partial"))


def test_diagnose_at_initialisation_only(tmp_path):
    args = ["diagnose", "--models", "gru", "--lag", "8", "--hidden", "4", "--train-steps", "0",
            "--probe-size", "4", "--quiet", "--out", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    flow = json.loads((tmp_path / "gradient_flow.json").read_text())
    assert set(flow["models"]["gru"]) == {"init"}
    assert not (tmp_path / "runs").exists()
