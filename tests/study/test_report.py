"""The study report: Welch's t-test with Bonferroni correction, fANOVA, plots and summaries."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from lstmlab.study.report import build_report, markdown, write_report

DISTRIBUTIONS = {
    "variant": CategoricalDistribution(["peephole", "nfg", "cifg", "fgr"]),
    "hidden": IntDistribution(20, 200, log=True),
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "input_noise": FloatDistribution(0.0, 1.0),
}


def _study(per_variant: int = 12) -> optuna.Study:
    """nfg is clearly worse than peephole; cifg the same; fgr has only one trial."""
    rng = np.random.default_rng(0)
    study = optuna.create_study(study_name="synthetic")
    means = {"peephole": 0.10, "nfg": 0.30, "cifg": 0.10}
    for variant, mean in means.items():
        for _ in range(per_variant):
            lr = float(10 ** rng.uniform(-4, 0))
            params = {
                "variant": variant,
                "hidden": int(rng.integers(20, 200)),
                "lr": lr,
                "input_noise": float(rng.uniform()),
            }
            value = mean + 0.1 * abs(np.log10(lr) + 2) / 2 + float(rng.normal(0, 0.01))
            study.add_trial(
                optuna.trial.create_trial(params=params, distributions=DISTRIBUTIONS, value=value)
            )
    one = {"variant": "fgr", "hidden": 50, "lr": 0.01, "input_noise": 0.1}
    study.add_trial(optuna.trial.create_trial(params=one, distributions=DISTRIBUTIONS, value=0.1))
    return study


def test_verdicts_follow_the_t_tests():
    report = build_report(_study())
    rows = {r["variant"]: r for r in report.rows}
    assert rows["peephole"]["verdict"] == "baseline"
    assert rows["nfg"]["verdict"] == "significantly worse"
    assert rows["nfg"]["p_bonferroni"] < 0.05
    assert rows["cifg"]["verdict"] == "no significant difference"
    assert rows["fgr"]["verdict"] == "too few trials to test"
    # Bonferroni over the two testable variants: adjusted p = min(1, 2·p)
    assert rows["cifg"]["p_bonferroni"] == pytest.approx(min(1.0, 2 * rows["cifg"]["p_value"]))
    assert rows["nfg"]["greff_2015"] == "significantly worse"
    # the synthetic loss depends on lr and variant only: fANOVA must rank them first
    top_two = list(report.importances)[:2]
    assert set(top_two) == {"lr", "variant"}, report.importances


def test_top_fraction_keeps_each_variants_best_trials():
    report = build_report(_study(), top_fraction=0.25)
    assert len(report.by_variant["nfg"]) == 3  # ceil(0.25 · 12)
    assert report.by_variant["nfg"] == sorted(report.by_variant["nfg"])
    with pytest.raises(ValueError, match=r"top_fraction: expected a number in \(0, 1\], got 0"):
        build_report(_study(), top_fraction=0)


def test_written_files(tmp_path):
    report = build_report(_study())
    files = write_report(report, tmp_path)
    names = {f.name for f in files}
    assert names == {
        "variants.png",
        "variants.svg",
        "lr_hidden.png",
        "lr_hidden.svg",
        "report.md",
        "report.json",
    }
    assert (tmp_path / "variants.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "report.json").read_text())  # strict JSON: no NaN
    assert summary["variants"][0]["p_value"] is None
    assert summary["correction"] == "bonferroni" and summary["finished_trials"] == 37
    assert "| nfg | 12 |" in markdown(report)
