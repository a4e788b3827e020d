"""The application end to end on a tiny user corpus: train, evaluate, predict, bad input."""

import json

import pytest
from click.testing import CliRunner
from text_fixtures import write_user_corpus

from lstmlab.cli.main import cli

TINY = [
    "--hidden", "32", "--embedding", "16", "--bptt", "16", "--context", "32", "--batch-size", "8",
    "--steps", "150", "--eval-every", "50", "--lr", "0.01", "--transformer-layers", "1",
    "--val-chars", "2000", "--eval-rows", "4", "--eval-warmup", "16",
    "--ngram-min-order", "2", "--ngram-max-order", "5", "--max-seconds", "none", "--quiet",
]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("text")
    write_user_corpus(base / "corpus")
    out = base / "run"
    runner = CliRunner()
    args = ["app", "text", "train", "--out", str(out), "--corpus", str(base / "corpus"), *TINY]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    evaluated = runner.invoke(cli, ["app", "text", "evaluate", "--out", str(out)])
    assert evaluated.exit_code == 0, evaluated.output
    return out, result.output + evaluated.output


def test_tiny_model_learns_and_metrics_json_has_every_baseline(run):
    out, output = run
    metrics = json.loads((out / "metrics.json").read_text())
    model, baselines, data = metrics["model"], metrics["baselines"], metrics["data"]
    assert set(baselines) >= {"transformer", "unigram"}
    assert any(name.startswith("kneser_ney_") for name in baselines)
    assert model["test_bpc"] < baselines["unigram"]["test_bpc"] - 0.5  # it learned structure
    ngram = next(v for k, v in baselines.items() if k.startswith("kneser_ney_"))
    assert ngram["test_bpc"] < baselines["unigram"]["test_bpc"]
    assert data["works"] == {"train": ["work0", "work1"], "val": ["work2"], "test": ["work3"]}
    assert abs(baselines["transformer"]["params"] - model["params"]) / model["params"] < 0.1
    assert "bits per character" in output


def test_predict_streams_a_reproducible_sample(run):
    out, _ = run
    runner = CliRunner()
    args = ["app", "text", "predict", "--out", str(out), "--prompt", "To be", "--length", "60"]
    first = runner.invoke(cli, [*args, "--seed", "3", "--top-k", "5"])
    again = runner.invoke(cli, [*args, "--seed", "3", "--top-k", "5"])
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    assert first.output.startswith("To be") and len(first.output.rstrip("\n")) == 65
    nucleus = runner.invoke(cli, [*args, "--top-p", "0.9", "--model", "transformer"])
    assert nucleus.exit_code == 0, nucleus.output


def test_bad_input_is_named(run, tmp_path):
    out, _ = run
    runner = CliRunner()
    unseen = runner.invoke(cli, ["app", "text", "predict", "--out", str(out), "--prompt", "Zoë"])
    assert unseen.exit_code == 2
    assert "--prompt" in unseen.output and "'Z'" in unseen.output and "'ë'" in unseen.output
    empty = runner.invoke(cli, ["app", "text", "predict", "--out", str(out), "--prompt", ""])
    assert empty.exit_code == 2 and "expected at least one character" in empty.output
    hot = ["app", "text", "predict", "--out", str(out), "--prompt", "To", "--temperature", "0"]
    bad_t = runner.invoke(cli, hot)
    assert bad_t.exit_code == 2 and "--temperature" in bad_t.output
    other = tmp_path / "other"
    other.mkdir()
    (other / "app.json").write_text(json.dumps({"app": "forecast", "config": {}}))
    wrong = runner.invoke(cli, ["app", "text", "predict", "--out", str(other), "--prompt", "To"])
    assert wrong.exit_code == 2 and "one of the 'forecast' application" in wrong.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.txt").write_bytes(b"caf\xe9\n")
    train = [
        "app",
        "text",
        "train",
        "--out",
        str(tmp_path / "r"),
        "--corpus",
        str(tmp_path / "bad"),
    ]
    latin = runner.invoke(cli, train)
    assert latin.exit_code == 2 and "expected UTF-8 text, got byte 0xe9" in latin.output
    assert not (tmp_path / "r").exists()  # nothing written for bad input
    variant = runner.invoke(cli, [*train, "--variant", "lstmm"])
    assert variant.exit_code == 2 and "--variant" in variant.output
