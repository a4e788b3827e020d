"""Transparent huge pages for the fused kernels' large buffers, on and off, in one process.

    python benchmarks/hugepages.py [--size 128,200,256,512] [--rounds 6] [--threads 2]

The fused kernels allocate their buffers with a row or a column per packed row (saved gates,
outputs, input gradients: hundreds of MB at the large size) fresh on every call, and the kernel
maps their pages at the first touch. With ``LSTMLAB_HUGEPAGES=1`` in the environment (read at
each call) the kernels advise them as transparent huge pages (``csrc/tensors.h``): 512 times
fewer page faults, each zeroing 2 MB. Whether that pays depends on the machine (its THP
settings, its memory's fragmentation, the hypervisor), so this script measures it here: torch.nn
and lstmlab's LSTM and GRU at ``--size``, training (forward, ``out.sum().backward()``) and
inference, round-robin (``lstmlab.bench``'s calls), each lstmlab call run twice per round, with
and without the advice, in alternating order. It prints the medians of the wall time and of the
process's system CPU time per call (``getrusage``: the kernel's page-fault work, both threads),
and torch.nn's time over lstmlab's for each setting.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from lstmlab import bench

VARIABLE = "LSTMLAB_HUGEPAGES"
SETTINGS = {"4 KB": None, "huge": "1"}  # the variable's value for each setting (None: unset)


def measure(call: Callable[[], None]) -> tuple[float, float]:
    """One call: wall seconds and the process's system CPU seconds."""
    before, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    call()
    wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_stime - before.ru_stime


def set_pages(value: str | None) -> None:
    if value is None:
        os.environ.pop(VARIABLE, None)
    else:
        os.environ[VARIABLE] = value


def run(size: bench.Size, rounds: int, kinds=("LSTM", "GRU")) -> dict[tuple, list]:
    """{(kind, mode, contender): [(wall, sys) per round]}, contender "torch.nn" or a setting."""
    B, T, I, H = size
    x = torch.randn(T, B, I, generator=torch.Generator().manual_seed(1), requires_grad=True)
    calls = []
    for kind in kinds:
        for lib in ("torch", "lstmlab"):
            model = bench.make(f"{lib}.{kind}", I, H)
            for mode in bench.MODES:
                calls.append((kind, mode, lib, bench.runner(model, x, mode)))
    times: dict[tuple, list] = {}
    saved = os.environ.get(VARIABLE)
    try:
        for _, _, _, call in calls:  # warm-up: builds, allocator
            call()
        for r in range(rounds):
            for kind, mode, lib, call in calls:
                if lib == "torch":
                    times.setdefault((kind, mode, "torch.nn"), []).append(measure(call))
                    continue
                order = list(SETTINGS.items())
                for name, value in order if r % 2 == 0 else order[::-1]:
                    set_pages(value)
                    times.setdefault((kind, mode, name), []).append(measure(call))
    finally:
        set_pages(saved)
    return times


def table(times: dict[tuple, list]) -> str:
    def median(key, k: int) -> float:
        return statistics.median(v[k] for v in times[key])

    lines = [
        "| layer | mode | torch.nn ms | lstmlab 4 KB ms | lstmlab huge ms | ratio 4 KB | "
        "ratio huge | sys s: torch.nn / 4 KB / huge |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for kind, mode in dict.fromkeys((k, m) for k, m, _ in times):
        theirs, small, huge = ((kind, mode, c) for c in ("torch.nn", *SETTINGS))
        ms = [median(c, 0) * 1e3 for c in (theirs, small, huge)]
        sys_s = " / ".join(f"{median(c, 1):.3f}" for c in (theirs, small, huge))
        lines.append(
            f"| {kind} | {mode} | {ms[0]:.1f} | {ms[1]:.1f} | {ms[2]:.1f} | "
            f"{ms[0] / ms[1]:.2f} | {ms[0] / ms[2]:.2f} | {sys_s} |"
        )
    return "\n".join(lines)


def thp_setting() -> str:
    path = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return path.read_text().strip() if path.exists() else "unknown (no THP on this system)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="128,200,256,512", help="B,T,I,H")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split(","))
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        print(f"# huge pages on and off, size (B, T, I, H) = {size}, {args.threads} threads")
        print(f"# THP: {thp_setting()}, load average {os.getloadavg()[0]:.2f}\n")
        print(table(run(size, args.rounds)))
        print(f"\n# load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    main()
