"""Bad input on the command line: a click usage error (exit 2) that names the option."""

import pytest
from click.testing import CliRunner

from lstmlab.cli.main import cli


@pytest.mark.parametrize(
    ("args", "option", "detail"),
    [
        (["train", "--task", "sorting"], "--task", "'sorting' is not one of"),
        (["train", "--model", "elman"], "--model", "'elman' is not one of"),
        (["train", "--lag", "0"], "--lag", "0 is not in the range x>=1"),
        (["train", "--lag", "-3"], "--lag", "x>=1"),
        (["train", "--lag", "1"], "--lag", "lag: expected an integer >= 2"),  # the task's own check
        (["train", "--hidden", "0"], "--hidden", "hidden: expected an int >= 1, got 0"),
        (["train", "--lr", "-1"], "--lr", "lr: expected a number > 0, got -1.0"),
        (["train", "--dropout", "2"], "--dropout", "dropout: expected a float in [0, 1)"),
        (["train", "--forget-bias", "big"], "--forget-bias", "expected a number or 'none'"),
        (["train", "--model", "gru", "--chrono"], "--chrono", "chrono: expected an LSTM kind"),
        (["train", "--model", "gru", "--variant", "cifg"], "--variant", "expected --model lstm"),
        (["compare", "--models", "rnn,elman", "--out", "x"], "--models", "got 'elman'"),
        (["compare", "--lags", "10,0", "--out", "x"], "--lags", "expected integers >= 1, got 0"),
        (["compare", "--lags", "10,ten", "--out", "x"], "--lags", "comma-separated integers"),
        (["compare", "--seeds", "0", "--out", "x"], "--seeds", "x>=1"),
        (["diagnose", "--models", "lstm,foo", "--out", "x"], "--models", "got 'foo'"),
        (["diagnose", "--train-steps", "-1", "--out", "x"], "--train-steps", "x>=0"),
    ],
)
def test_bad_option_is_a_usage_error_naming_it(args, option, detail, tmp_path):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert option in result.output, result.output
    assert detail in " ".join(result.output.split()), result.output


def test_existing_run_asks_for_resume(tmp_path):
    args = [
        "train",
        "--lag",
        "4",
        "--hidden",
        "4",
        "--steps",
        "2",
        "--eval-every",
        "1",
        "--n-val",
        "8",
        "--n-test",
        "8",
        "--quiet",
        "--out",
        str(tmp_path / "r"),
    ]
    runner = CliRunner()
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    again = runner.invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 2 and "--out" in again.output and "--resume" in again.output
    changed = runner.invoke(cli, [*args, "--resume", "--lr", "0.5"], catch_exceptions=False)
    assert changed.exit_code == 2 and "lr: expected 0.01 (stored), got 0.5" in changed.output


def test_help_lists_the_commands():
    out = CliRunner().invoke(cli, ["--help"]).output
    for command in ("train", "compare", "diagnose", "demo"):
        assert command in out
