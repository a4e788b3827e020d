"""Timing lstmlab's layers against torch.nn's on this machine: the core of ``benchmarks/speed.py``
and of the performance section of ``lstmlab reproduce``.

A *contender* is named "torch.LSTM", "lstmlab.LSTM", "lstmlab.LSTM[peephole]" (a variant),
"reference.LSTM[fgr]" (``backend="reference"``: the cell's equations step by step, autograd
through the loop), "fused.LSTM" (``backend="fused"``: lstmlab's own C++ kernel, also where
``kernels.select`` would hand the call to torch's op), "torch.GRU", ... Each runs
forward+backward ("train": ``output.sum()`` backward, the input requiring grad) or forward alone
under ``no_grad`` ("infer"). The contenders
of a group are timed round-robin (one run of each in turn, after two warm-up runs each), so a
slow patch of the machine hits all of them alike; ``Result.median_ms`` is the median.

The packed case (``packed=True``) gives every contender the same ``PackedSequence`` of B
sequences with lengths uniform in [1, T]: torch.nn's packed path steps through autograd once per
time step (PyTorch issue #149194), lstmlab's runs the whole schedule in one fused call.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

import lstmlab
from lstmlab.cells.options import VARIANTS

__all__ = [
    "Result",
    "Size",
    "MODES",
    "SIZES",
    "QUICK",
    "PACKED_SIZES",
    "WLM_SIZES",
    "WLM_LAYERS",
    "GATES",
    "forward_gflop",
    "make",
    "runner",
    "packed_lengths",
    "time_round_robin",
    "interleave",
    "torch_vs_lstmlab",
    "pairs",
    "matmul_gflops",
    "load_average",
    "num_threads",
    "ISA_ENV",
    "isa_env",
    "fmt_size",
    "markdown_table",
]

#: (B, T, I, H): batch, sequence length, input size, hidden size.
Size = tuple[int, int, int, int]
MODES = ("train", "infer")
#: The sizes of ``benchmarks/speed.py`` (small, medium, large) and of its ``--quick``.
SIZES: list[Size] = [(32, 100, 64, 64), (64, 100, 128, 256), (128, 200, 256, 512)]
QUICK: list[Size] = [(32, 100, 64, 64)]
#: Packed input, lengths uniform in [1, T]: where torch.nn's per-step packed path costs most.
PACKED_SIZES: list[Size] = [(32, 100, 64, 128), (32, 1000, 64, 64)]
#: PyTorch's ``word_language_model`` example as its users run it: 2 stacked layers, embedding
#: and hidden size 200, BPTT length 35, batch 10 (its eval batch) and 20 (its training batch).
WLM_SIZES: list[Size] = [(10, 35, 200, 200), (20, 35, 200, 200)]
WLM_LAYERS = 2
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


@dataclass
class Result:
    """The timed runs of one contender in one mode at one size."""

    size: tuple[int, int, int, int]
    name: str
    mode: str  # "train" or "infer"
    group: str
    times_ms: list[float] = field(default_factory=list)
    gflop: float = 0.0  # per call

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def gflops(self) -> float:
        return self.gflop / (self.median_ms / 1e3)


def forward_gflop(kind: str, B: int, T: float, I: int, H: int, variant: str = "vanilla") -> float:
    """GEMM work of one forward call (2·M·N·K): 2·T·B·(I + H)·G·H for G gates (+ FGR's
    2·T·B·(S·H)² for its S sigmoid gates). T may be a mean length (packed input)."""
    if kind != "LSTM":
        return 2 * T * B * (I + H) * GATES[kind] * H / 1e9
    opts = VARIANTS[variant]
    G, S = len(opts.gates), len(opts.sigmoid_gates)
    flops = 2 * T * B * (I + H) * G * H
    if opts.gate_recurrence:
        flops += 2 * T * B * (S * H) ** 2
    return flops / 1e9


def _parse(name: str) -> tuple[str, str, str]:
    """A contender's parts: "lstmlab.LSTM[fgr]" -> ("lstmlab", "LSTM", "fgr")."""
    lib, kind = name.split(".")
    variant = "vanilla"
    if "[" in kind:
        kind, variant = kind.rstrip("]").split("[")
    return lib, kind, variant


def make(name: str, I: int, H: int, num_layers: int = 1) -> nn.Module:
    """A contender by name, ``num_layers`` stacked, initialised from seed 0 (torch's global RNG
    is left as it was)."""
    lib, kind, variant = _parse(name)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        if lib == "torch":
            return getattr(nn, kind)(I, H, num_layers)
        backend = {"reference": "reference", "fused": "fused"}.get(lib, "auto")
        if kind == "LSTM":
            return lstmlab.LSTM(I, H, num_layers, variant=variant, backend=backend)
        return getattr(lstmlab, kind)(I, H, num_layers, backend=backend)


def runner(model: nn.Module, x: Tensor | PackedSequence, mode: str, leaf: Tensor | None = None):
    """One call of ``model`` on ``x`` in ``mode``; ``leaf`` is the tensor whose gradient the
    train call computes (``x`` itself unless ``x`` was packed from it)."""
    leaf = x if leaf is None else leaf
    if mode == "infer":

        def infer() -> None:
            with torch.no_grad():
                model(x)

        return infer

    def train() -> None:
        model.zero_grad(set_to_none=True)
        leaf.grad = None
        out, _ = model(x)
        (out.data if isinstance(out, PackedSequence) else out).sum().backward()

    return train


def packed_lengths(B: int, T: int, seed: int = 2) -> list[int]:
    """B lengths uniform in [1, T] (deterministic in the seed)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(1, T + 1, (B,), generator=gen).tolist()


def time_round_robin(
    size: Size,
    names: Sequence[str],
    repeats: int,
    group: str,
    modes: Sequence[str] = MODES,
    packed: bool = False,
    num_layers: int = 1,
    min_seconds: float = 0.0,
) -> list[Result]:
    """Time every contender of ``names`` (``num_layers`` stacked) in every mode at ``size``,
    round-robin (``interleave``: ``repeats`` rounds at least, more until ``min_seconds``); with
    ``packed`` on one PackedSequence of lengths ``packed_lengths(B, T)``."""
    B, T, I, H = size
    x = torch.randn(T, B, I, generator=torch.Generator().manual_seed(1), requires_grad=True)
    inp: Tensor | PackedSequence = x
    mean_t: float = T
    if packed:
        lengths = packed_lengths(B, T)
        with torch.no_grad():
            inp = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        x = inp.data.requires_grad_()  # the leaf: packed once, outside the timed calls
        mean_t = statistics.fmean(lengths)
    results: list[Result] = []
    calls: list[Callable[[], None]] = []
    for name in names:
        model = make(name, I, H, num_layers)
        _, kind, variant = _parse(name)
        fwd = forward_gflop(kind, B, mean_t, I, H, variant)
        fwd += (num_layers - 1) * forward_gflop(kind, B, mean_t, H, H, variant)
        for mode in modes:
            flop = fwd * (3 if mode == "train" else 1)
            results.append(Result(size, name, mode, group, gflop=flop))
            calls.append(runner(model, inp, mode, leaf=x))
    return interleave(results, calls, repeats, min_seconds)


#: At most this many rounds when ``min_seconds`` asks for more than ``repeats``.
MAX_ROUNDS = 201


def interleave(
    results: list[Result],
    calls: Sequence[Callable[[], None]],
    repeats: int,
    min_seconds: float = 0.0,
) -> list[Result]:
    """Two warm-up runs of each call, then rounds of one run of each in turn, the times
    appended to the matching result (a slow patch of the machine hits all alike): ``repeats``
    rounds, and more (up to ``MAX_ROUNDS``) until the rounds have taken ``min_seconds``, so
    that calls of a few milliseconds get enough samples for their medians to hold on a noisy
    machine while long calls keep ``repeats``."""
    for call in calls:  # warm-up: builds, JIT-compiled kernels, allocator
        call()
        call()
    start, rounds = time.perf_counter(), 0
    while rounds < repeats or (rounds < MAX_ROUNDS and time.perf_counter() - start < min_seconds):
        for result, call in zip(results, calls, strict=True):
            t0 = time.perf_counter()
            call()
            result.times_ms.append((time.perf_counter() - t0) * 1e3)
        rounds += 1
    return results


def torch_vs_lstmlab(
    size: Size,
    kinds: Sequence[str],
    repeats: int,
    modes: Sequence[str] = MODES,
    packed: bool = False,
    num_layers: int = 1,
    group: str | None = None,
    own_kernel: bool = False,
    min_seconds: float = 0.0,
) -> list[Result]:
    """torch.nn against lstmlab for each layer kind ("LSTM", "GRU", "RNN") at ``size``, all in
    one round-robin (group ``group``, by default "packed" or "torch"; ``repeats`` and
    ``min_seconds`` as ``interleave``'s); with ``own_kernel`` also lstmlab's own LSTM kernel
    ("fused.LSTM"), for the calls ``kernels.select`` hands to torch's op."""
    names = [f"{lib}.{kind}" for kind in kinds for lib in ("torch", "lstmlab")]
    names += ["fused.LSTM"] if own_kernel and "LSTM" in kinds else []
    group = group or ("packed" if packed else "torch")
    return time_round_robin(size, names, repeats, group, modes, packed, num_layers, min_seconds)


def pairs(results: Sequence[Result]) -> list[dict]:
    """One row per (group, size, layer, mode) that has both a torch.nn and an lstmlab result:
    both medians and ratio = torch / lstmlab (> 1: lstmlab is faster); where lstmlab's own
    kernel was timed too ("fused.<layer>"), its median and ratio as ``fused_ms``,
    ``fused_ratio``."""
    by_key = {(r.group, r.size, r.name, r.mode): r for r in results}
    rows = []
    for (group, size, name, mode), ours in by_key.items():
        lib, kind, variant = _parse(name)
        theirs = by_key.get((group, size, f"torch.{kind}", mode))
        if lib != "lstmlab" or variant != "vanilla" or theirs is None:
            continue
        rows.append(
            {
                "group": group,
                "size": list(size),
                "layer": kind,
                "mode": mode,
                "torch_ms": theirs.median_ms,
                "lstmlab_ms": ours.median_ms,
                "ratio": theirs.median_ms / ours.median_ms,
                "repeats": len(ours.times_ms),
            }
        )
        own = by_key.get((group, size, f"fused.{kind}", mode))
        if own is not None:
            rows[-1]["fused_ms"] = own.median_ms
            rows[-1]["fused_ratio"] = theirs.median_ms / own.median_ms
    return rows


def matmul_gflops(n: int = 2048, repeats: int = 7) -> float:
    """The machine's float32 matmul rate: an n² torch.mm, median of ``repeats``."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15-minute load averages (``/proc/loadavg`` on Linux): above the core count,
    other processes shared the cores while we timed."""
    return os.getloadavg()


#: The environment that makes a process compute as on a CPU with a smaller instruction set, on
#: both sides of a comparison: oneDNN's kernels (torch.nn's fused LSTM, and the micro-kernel
#: GEMM of lstmlab's), ATen's vectorised ops, MKL's BLAS and lstmlab's own kernels (built with
#: ``-march`` of that set). Caches, clocks and dividers stay this machine's, so it approximates
#: such a CPU; it does not replace measuring one.
ISA_ENV: dict[str, dict[str, str]] = {
    "native": {},
    "avx2": {
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "LSTMLAB_MARCH": "x86-64-v3",
    },
}


def isa_env(isa: str) -> dict[str, str]:
    """The variables of ``ISA_ENV[isa]``; they act only in a process started with them (torch
    reads them when it loads)."""
    if isa not in ISA_ENV:
        raise ValueError(f"isa: expected one of {sorted(ISA_ENV)}, got {isa!r}")
    return dict(ISA_ENV[isa])


@contextlib.contextmanager
def num_threads(threads: int | None) -> Iterator[int]:
    """``torch.set_num_threads(threads)`` for a block (None: leave it), restored afterwards."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def fmt_size(size: Sequence[int]) -> str:
    return "B={} T={} I={} H={}".format(*size)


def markdown_table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> str:
    """A markdown table of ``rows`` under ``head``: the first column left-aligned (labels), the
    others right-aligned (numbers); what the benchmark scripts print."""
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
