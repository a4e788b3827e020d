"""benchmarks/hugepages.py: the kernels' buffers with and without huge pages, in one process."""

import os

from benchmark_scripts import load


def test_both_settings_are_timed_and_the_variable_is_restored(monkeypatch):
    monkeypatch.setenv("LSTMLAB_HUGEPAGES", "0")
    script = load("hugepages")
    times = script.run((4, 5, 3, 6), 2, kinds=("LSTM",))
    assert os.environ["LSTMLAB_HUGEPAGES"] == "0"
    contenders = ("torch.nn", "4 KB", "huge")
    assert set(times) == {("LSTM", m, c) for m in ("train", "infer") for c in contenders}
    assert all(len(v) == 2 and all(wall > 0 for wall, _ in v) for v in times.values())
    rows = script.table(times).splitlines()
    assert len(rows) == 4 and rows[2].startswith("| LSTM | train |")
