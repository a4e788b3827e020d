"""The application end to end: a tiny model learns through ``fit``; the CLI trains, evaluates,
predicts and refuses bad input with a clear message."""

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from lstmlab.apps.run import init_app_folder
from lstmlab.apps.translate import group
from lstmlab.apps.translate.batches import Vocabs
from lstmlab.apps.translate.pairs import Pair, Split
from lstmlab.apps.translate.problem import TranslateProblem
from lstmlab.apps.translate.recurrent import RecurrentSeq2Seq
from lstmlab.training import LoopConfig, fit

EN = ["one", "two", "three", "four", "five", "six"]
FR = ["un", "deux", "trois", "quatre", "cinq", "six"]


def word_pairs(n: int, seed: int) -> list[Pair]:
    """Word-for-word sentences of 1–4 words: the decoder must attend to the right source word."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        idx = [rng.randrange(len(EN)) for _ in range(rng.randint(1, 4))]
        out.append(Pair(" ".join(EN[i] for i in idx), " ".join(FR[i] for i in idx), "w"))
    return out


def test_a_tiny_attention_model_learns_through_fit():
    split = Split(word_pairs(400, 0), word_pairs(60, 1), word_pairs(60, 2))
    vocabs = Vocabs.build(split.train)
    problem = TranslateProblem(split, vocabs, batch_size=32, seed=0, eval_batch_size=100)
    cfg = LoopConfig(steps=300, lr=1e-2, eval_every=100, patience=None, threads=1)
    result = fit(
        problem,
        lambda: RecurrentSeq2Seq(len(vocabs.src), len(vocabs.tgt), 16, 32, attention="bahdanau"),
        cfg,
        progress=False,
    )
    first = result.history[0]["val"]
    assert result.metrics["metric"] >= 90.0, result.history  # exact match (%) on the test split
    assert result.metrics["loss"] < first["loss"] / 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A run folder trained for a few steps on numbers up to 1000, with both baselines."""
    root = tmp_path_factory.mktemp("translate")
    out = root / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LSTMLAB_DATA", str(root / "data"))
        args = ["train", "--out", str(out), "--max-number", "1000", "--n-val", "50"]
        args += ["--steps", "6", "--eval-every", "3", "--hidden", "32", "--embedding", "16"]
        args += ["--eval-batch-size", "200", "--quiet"]
        result = CliRunner().invoke(group, args)
        assert result.exit_code == 0, result.output
        result = CliRunner().invoke(group, ["evaluate", "--out", str(out), "--beam", "2"])
        assert result.exit_code == 0, result.output
    return out


def test_train_and_evaluate_write_every_model_and_the_data(trained: Path):
    for run in ("train", "baselines/no-attention", "baselines/transformer"):
        assert (trained / run / "model.safetensors").is_file(), run
    metrics = json.loads((trained / "metrics.json").read_text())
    assert set(metrics["baselines"]) == {"no attention", "transformer"}
    model = metrics["model"]
    for key in ("exact_match", "chrf", "bleu", "beam2_exact_match", "params", "train_seconds"):
        assert key in model
    assert set(model["groups"]["held-out group"]) == {"700-799", "x71", "x81", "x91"}
    assert model["groups"]["last two digits"]["70-79"]["n"] == 18  # 770s and 171, …, 971
    assert metrics["data"]["test pairs"] == 124 and metrics["data"]["num2words"]
    assert "beam2_exact_match" not in metrics["baselines"]["transformer"]  # main model only
    for name in ("no attention", "transformer"):  # the same parameter count, roughly
        assert abs(metrics["baselines"][name]["params"] / model["params"] - 1) < 0.2, name


def test_predict_prints_a_translation_and_draws_attention(trained: Path):
    result = CliRunner().invoke(
        group, ["predict", "--out", str(trained), "four hundred and ninety-one"]
    )
    assert result.exit_code == 0, result.output
    png = trained / "attention-four-hundred-and-ninety-one.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in result.output


@pytest.mark.parametrize(
    "sentence, message",
    [
        ("", "expected English words, got ''"),
        ("  ,  ", "expected English words"),
        ("four hundred and zorglub-one", "unknown word 'zorglub'"),
        ("bonjour le monde", "unknown words 'bonjour', 'le', 'monde'"),
    ],
)
def test_predict_names_what_is_wrong_with_the_sentence(trained: Path, sentence, message):
    result = CliRunner().invoke(group, ["predict", "--out", str(trained), sentence])
    assert result.exit_code == 2
    assert "SENTENCE" in result.output and message in " ".join(result.output.split())


def test_predict_refuses_a_folder_of_another_app_or_none(tmp_path: Path):
    init_app_folder(tmp_path / "text", "text", {})
    result = CliRunner().invoke(group, ["predict", "--out", str(tmp_path / "text"), "one"])
    assert result.exit_code == 2
    assert "expected a run folder of the 'translate' application, got one of the 'text'" in (
        " ".join(result.output.split())
    )
    result = CliRunner().invoke(group, ["evaluate", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "lstmlab app translate train" in result.output


def test_train_rejects_bad_options(tmp_path: Path):
    out = str(tmp_path / "r")
    result = CliRunner().invoke(group, ["train", "--out", out, "--variant", "lstn"])
    assert result.exit_code == 2 and "variant: expected one of rnn, gru, lstm" in result.output
    result = CliRunner().invoke(group, ["train", "--out", out, "--max-number", "10"])
    assert result.exit_code == 2 and "max_number: expected an int >= 1000, got 10" in (
        " ".join(result.output.split())
    )
