"""lstmlab.bench: the timing core of benchmarks/speed.py and of the report's performance
section (tiny sizes: these check what is timed and returned, never how fast)."""

import math
import os
import subprocess
import sys
import time

import pytest
import torch

from lstmlab import bench


def test_make_builds_each_contender_from_seed_0_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    a, b = bench.make("lstmlab.LSTM", 3, 5), bench.make("lstmlab.LSTM", 3, 5)
    assert torch.equal(torch.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert isinstance(bench.make("torch.GRU", 3, 5), torch.nn.GRU)
    assert bench.make("lstmlab.LSTM[cifg]", 3, 5).variant == "cifg"


@pytest.mark.parametrize("packed", [False, True])
def test_torch_vs_lstmlab_times_every_pair_and_gives_finite_positive_ratios(packed):
    results = bench.torch_vs_lstmlab((3, 6, 2, 4), ["LSTM", "GRU"], repeats=2, packed=packed)
    assert len(results) == 2 * 2 * 2  # layers × libraries × modes
    assert all(len(r.times_ms) == 2 and r.median_ms > 0 and r.gflop > 0 for r in results)
    rows = bench.pairs(results)
    assert {(r["layer"], r["mode"]) for r in rows} == {
        (k, m) for k in ("LSTM", "GRU") for m in ("train", "infer")
    }
    for r in rows:
        assert r["group"] == ("packed" if packed else "torch")
        assert math.isfinite(r["ratio"]) and r["ratio"] > 0
        assert r["ratio"] == pytest.approx(r["torch_ms"] / r["lstmlab_ms"])


def test_packed_lengths_are_uniform_in_1_to_t_and_deterministic():
    lengths = bench.packed_lengths(200, 7)
    assert min(lengths) >= 1 and max(lengths) <= 7 and len(set(lengths)) == 7
    assert lengths == bench.packed_lengths(200, 7)


def test_packed_train_call_reaches_the_input_gradient():
    model = bench.make("lstmlab.LSTM", 2, 3)
    x = torch.randn(5, 4, 2)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, [5, 3, 2, 1], enforce_sorted=False)
    leaf = packed.data.requires_grad_()
    bench.runner(model, packed, "train", leaf=leaf)()
    assert leaf.grad is not None and leaf.grad.abs().sum() > 0


def test_num_threads_restores_the_thread_count():
    before = torch.get_num_threads()
    with bench.num_threads(1) as n:
        assert n == torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_load_average_and_matmul_rate_are_positive_numbers():
    load = bench.load_average()
    assert len(load) == 3 and all(x >= 0 for x in load)
    assert bench.matmul_gflops(n=64, repeats=2) > 0


def test_stacked_contenders_have_the_same_weights_and_count_every_layers_work():
    ours, theirs = bench.make("lstmlab.LSTM", 3, 5, 2), bench.make("torch.LSTM", 3, 5, 2)
    assert ours.num_layers == theirs.num_layers == 2
    for name, p in theirs.named_parameters():
        assert torch.equal(getattr(ours, name), p), name
    one = bench.torch_vs_lstmlab((2, 4, 3, 5), ["GRU"], repeats=1, modes=("infer",))
    two = bench.torch_vs_lstmlab(
        (2, 4, 3, 5), ["GRU"], repeats=1, modes=("infer",), num_layers=2, group="wlm"
    )
    assert {r.group for r in two} == {"wlm"}
    extra = bench.forward_gflop("GRU", 2, 4, 5, 5)
    assert two[0].gflop == pytest.approx(one[0].gflop + extra)


def test_interleave_runs_repeats_rounds_then_more_until_min_seconds():
    def results():
        return [bench.Result((1, 1, 1, 1), n, "infer", "g", gflop=1.0) for n in ("a", "b")]

    calls = [lambda: time.sleep(0.001), lambda: None]
    exact = bench.interleave(results(), calls, repeats=3)
    assert [len(r.times_ms) for r in exact] == [3, 3]
    longer = bench.interleave(results(), calls, repeats=2, min_seconds=0.1)
    n = len(longer[0].times_ms)
    assert len(longer[1].times_ms) == n  # whole rounds: every contender alike
    assert 2 < n <= bench.MAX_ROUNDS  # 1 ms rounds: many more than 2 fit in 0.1 s
    capped = bench.interleave(results(), [lambda: None] * 2, repeats=1, min_seconds=60.0)
    assert len(capped[0].times_ms) == bench.MAX_ROUNDS


def test_isa_env_makes_a_process_compute_with_avx2_on_both_sides():
    """bench.isa_env("avx2") (speed.py --isa avx2): ATen's vectorised ops and oneDNN's kernels
    (torch.nn's fused LSTM) run their AVX2 code in a process started with it, and lstmlab builds
    for x86-64-v3; a name it does not know is refused."""
    if torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        pytest.skip("this CPU has no AVX2")
    code = (
        "import torch; from lstmlab.kernels import build\n"
        "print(torch.backends.cpu.get_cpu_capability(), build.march())\n"
        "torch.nn.LSTM(4, 4)(torch.randn(3, 2, 4))\n"
    )
    env = {**os.environ, **bench.isa_env("avx2"), "ONEDNN_VERBOSE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "AVX2 x86-64-v3" in out.splitlines()
    assert "isa:Intel AVX2\n" in out
    assert bench.isa_env("native") == {}
    with pytest.raises(ValueError, match="isa: expected one of"):
        bench.isa_env("avx1024")
