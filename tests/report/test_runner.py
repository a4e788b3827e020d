"""The runner: parts cached by their config, failures kept beside the results, process state
restored, arguments checked."""

from __future__ import annotations

import json
import random
import warnings

import numpy as np
import pytest
import torch
from rich.console import Console

from lstmlab.checks import ArgumentError
from lstmlab.report.cache import cache_path, part_key
from lstmlab.report.part import Part
from lstmlab.report.run import build_plan, run_plan

QUIET = Console(stderr=True, quiet=True)


def run(out, level="ci", only=None, seed=0):
    return run_plan(build_plan(level, only), out, seed=seed, level=level, console=QUIET)


def test_a_rerun_reads_every_part_from_the_cache(tmp_path, fake_sections):
    counter = fake_sections({"a": [("one", 1.0, {"x": 1}), ("two", 2.0, {"x": 2})]})
    first = run(tmp_path)
    assert [p.cached for p in first.part_runs] == [False, False]
    assert counter.calls == {"one": 1, "two": 1}
    second = run(tmp_path)
    assert [p.cached for p in second.part_runs] == [True, True]
    assert counter.calls == {"one": 1, "two": 1}
    assert [p.data for p in second.part_runs] == [p.data for p in first.part_runs]
    meta = second.part_runs[0].meta
    assert meta["command"] == "lstmlab train --fake one" and meta["seed"] == 0
    assert meta["level"] == "ci" and meta["seconds"] >= 0 and meta["date"].endswith("+00:00")
    assert {"hostname", "cpu", "cores", "torch"} <= set(meta["machine"])


def test_the_key_follows_config_seed_and_version(tmp_path, fake_sections, monkeypatch):
    fake_sections({"a": [("one", 1.0, {"x": 1, "y": [1, 2]})]})
    base = part_key("a", "one", {"x": 1, "y": [1, 2]}, 0)
    assert base == part_key("a", "one", {"y": [1, 2], "x": 1}, 0)  # key order does not matter
    assert base != part_key("a", "one", {"x": 2, "y": [1, 2]}, 0)
    assert base != part_key("a", "one", {"x": 1, "y": [1, 2]}, 1)
    assert base != part_key("a", "other", {"x": 1, "y": [1, 2]}, 0)
    with monkeypatch.context() as m:
        m.setattr("lstmlab.report.cache.__version__", "99.0")
        assert base != part_key("a", "one", {"x": 1, "y": [1, 2]}, 0)
    run(tmp_path)
    assert cache_path(tmp_path, "a", "one", base).is_file()
    assert cache_path(tmp_path, "a", "one", base).name == f"one-{base[:12]}.json"


def test_another_seed_or_config_computes_again(tmp_path, fake_sections):
    counter = fake_sections({"a": [("one", 1.0, {"x": 1})]})
    run(tmp_path)
    run(tmp_path, seed=3)
    assert counter.calls == {"one": 2}
    fake_sections({"a": [("one", 1.0, {"x": 2})]})
    run(tmp_path)
    assert counter.calls == {"one": 3}
    run(tmp_path)
    assert counter.calls == {"one": 3}


def test_a_failing_part_is_reported_not_cached_and_the_others_run(tmp_path, fake_sections):
    counter = fake_sections({"a": [("bad", 1.0, {}), ("good", 2.0, {})], "b": [("more", 3.0, {})]})
    counter.fail.add("bad")
    report = run(tmp_path)
    bad, good, more = report.part_runs
    assert not bad.ok and "RuntimeError: bad broke on purpose" in bad.error
    assert good.ok and more.ok and good.data["value"] == 2.0
    assert report.failures == ["a/bad: RuntimeError: bad broke on purpose"]
    assert not list((tmp_path / "cache" / "a").glob("bad-*"))
    counter.fail.clear()
    again = run(tmp_path)
    assert [p.cached for p in again.part_runs] == [False, True, True]
    assert counter.calls == {"bad": 2, "good": 1, "more": 1} and not again.failures


def test_an_interrupted_run_resumes_with_the_first_missing_part(tmp_path, fake_sections):
    counter = fake_sections({"a": [("one", 1.0, {}), ("two", 2.0, {}), ("three", 3.0, {})]})
    counter.interrupt.add("two")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path)
    assert counter.calls == {"one": 1, "two": 1}
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert [p.name.split("-")[0] for p in leftovers] == ["one"]  # no half-written file
    counter.interrupt.clear()
    report = run(tmp_path)
    assert [p.cached for p in report.part_runs] == [True, False, False]
    assert counter.calls == {"one": 1, "two": 2, "three": 1}


def test_a_damaged_cache_file_is_computed_again(tmp_path, fake_sections):
    counter = fake_sections({"a": [("one", 1.0, {})]})
    run(tmp_path)
    (path,) = (tmp_path / "cache" / "a").glob("one-*.json")
    path.write_text(path.read_text()[:20])  # truncated, as by a disk that filled up
    report = run(tmp_path)
    assert counter.calls == {"one": 2} and not report.part_runs[0].cached
    assert json.loads(path.read_text())["data"]["value"] == 1.0


def test_a_missing_section_module_fails_that_section_only(tmp_path, fake_sections):
    counter = fake_sections({"a": [("one", 1.0, {})]}, missing=["later"])
    report = run(tmp_path)
    assert counter.calls == {"one": 1}
    (failure,) = report.failures
    assert failure.startswith("later: ModuleNotFoundError")


def test_a_config_that_is_not_json_fails_its_part(tmp_path, fake_sections):
    fake_sections({"a": [("one", 1.0, {"f": object()}), ("two", 2.0, {})]})
    report = run(tmp_path)
    assert [p.ok for p in report.part_runs] == [False, True]
    assert "TypeError" in report.part_runs[0].error


def test_a_part_leaves_the_process_state_as_it_found_it(tmp_path, monkeypatch):
    def compute(ctx):
        torch.set_num_threads(1 if torch.get_num_threads() != 1 else 2)
        torch.set_default_dtype(torch.float64)
        warnings.simplefilter("ignore")
        torch.rand(3), random.random(), np.random.rand()
        return {"torch": float(torch.rand(1)), "python": random.random()}

    part = Part("s", "p", {}, compute, lambda d, lang: [], "cmd")
    from lstmlab.report import run as run_module

    plan = [run_module.SectionPlan("s", module=None, parts=[part])]
    threads, dtype, filters = (
        torch.get_num_threads(),
        torch.get_default_dtype(),
        list(warnings.filters),
    )
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    expected = (torch.rand(1), random.random(), np.random.rand())
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    first = run_plan(plan, tmp_path / "one", seed=5, level="ci", console=QUIET)
    after = (torch.rand(1), random.random(), np.random.rand())
    assert torch.equal(after[0], expected[0]) and after[1:] == expected[1:]
    assert torch.get_num_threads() == threads and torch.get_default_dtype() == dtype
    assert list(warnings.filters) == filters
    # The part's RNGs are seeded with the seed: the same numbers in another run.
    second = run_plan(plan, tmp_path / "two", seed=5, level="ci", console=QUIET)
    assert first.part_runs[0].data == second.part_runs[0].data


def test_only_names_registered_sections(fake_sections):
    fake_sections({"a": [("one", 1.0, {})], "b": [("two", 2.0, {})]})
    assert [s.id for s in build_plan("ci", ["b"])] == ["b"]
    assert [s.id for s in build_plan("ci", ["b", "a"])] == ["a", "b"]  # the notes' order
    with pytest.raises(
        ArgumentError, match=r"only: expected section names among \['a', 'b'\], got \['c'\]"
    ):
        build_plan("ci", ["c"])
    with pytest.raises(ArgumentError, match="level: expected one of"):
        build_plan("fast")
