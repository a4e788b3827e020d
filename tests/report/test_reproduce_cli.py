"""``lstmlab reproduce``: its arguments, checked with clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lstmlab.cli.main import cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "nope"], "'nope' is not one of 'problem', 'idea', 'formulas'"),
        (["--level", "fast"], "'fast' is not one of 'ci', 'quick', 'full'"),
        (["--lang", "de"], "'de' is not one of 'en', 'fr'"),
        (["--full", "--level", "ci"], "--full: means --level full, but --level ci was given"),
        (["--seed", "-1"], "-1 is not in the range 0<=x<=4294967295"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["reproduce", "--out", str(tmp_path / "r"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "r").exists()


def test_one_section_writes_the_page_and_exits_zero(tmp_path):
    out = tmp_path / "r"
    args = ["reproduce", "--level", "ci", "--only", "formulas", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "report.json").is_file()
    assert f"wrote {out}/index.html" in result.output
    again = CliRunner().invoke(cli, [*args, "--lang", "fr"])
    assert again.exit_code == 0 and "Les formules" in (out / "index.html").read_text()
