"""minLSTM and minGRU: their parallel scan against their sequential mode and the fused LSTM.

    python benchmarks/scan.py [--lengths 100,1000,10000] [--batch 8] [--hidden 128]
                              [--repeats 5] [--threads 1] [--json PATH]

Feng et al. (2024) drop the minimal cells' dependence on h_{t-1} from the gates so that training
runs as a parallel scan (``lstmlab.kernels.scan``: a cumsum and a logcumsumexp over all T steps,
Heinsen 2023). This measures what that buys on a CPU, at every length T of ``--lengths``, float32,
input size I = H. Contenders (``lstmlab.bench.make`` names):

- ``lstmlab.MinLSTM`` / ``lstmlab.MinGRU``: the default path, the parallel scan;
- ``reference.MinLSTM`` / ``reference.MinGRU``: the sequential mode (the cell's step function
  one step at a time, autograd through the loop);
- ``lstmlab.LSTM``: the fused C++ LSTM, the sequential recurrence the scan competes with.

Timing is ``lstmlab.bench``'s: "train" = forward + ``output.sum()`` backward with the input
requiring grad, "infer" = forward under no_grad; at each T every contender and mode runs
round-robin after two warm-up runs each, and the tables give medians. Ratios are of medians from
the same round-robin: "seq/scan" > 1 means the scan beats its own sequential mode, "LSTM/scan" > 1
means it beats the fused LSTM.

Memory: the bytes autograd saves for backward in one train call
(``lstmlab.layers.long_sequences.saved_activation_bytes``, every saved tensor counted, the
parameters and the input included where an op saves them).

Before timing, the scan's output is compared with the sequential mode's (same weights, same
input): the largest |Δ| is printed and stored, since the log-space scan in float32 loses digits
as T grows.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import torch

from lstmlab.bench import (
    Result,
    interleave,
    load_average,
    make,
    markdown_table,
    matmul_gflops,
    runner,
)
from lstmlab.layers.long_sequences import saved_activation_bytes
from lstmlab.training.atomic import write_json_atomic

LENGTHS = (100, 1000, 10000)
B, H = 8, 128  # batch and hidden size (I = H): a small model, where per-step overhead shows
#: name → what the tables call it
CONTENDERS = {
    "lstmlab.LSTM": "LSTM fused",
    "lstmlab.MinLSTM": "minLSTM scan",
    "reference.MinLSTM": "minLSTM sequential",
    "lstmlab.MinGRU": "minGRU scan",
    "reference.MinGRU": "minGRU sequential",
}
MODES = ("train", "infer")


def scan_error(cell: str, x: torch.Tensor, hidden: int) -> float:
    """max |scan − sequential| of the outputs for ``cell`` ("MinLSTM"/"MinGRU"), same weights."""
    I = x.shape[-1]
    scan, seq = make(f"lstmlab.{cell}", I, hidden), make(f"reference.{cell}", I, hidden)
    with torch.no_grad():
        return (scan(x)[0] - seq(x)[0]).abs().max().item()


def one_length(
    T: int, batch: int, hidden: int, repeats: int, sequential_train_max: int
) -> tuple[list[Result], dict]:
    """Round-robin timings of every contender at length T, their saved bytes and the scan's
    error against the sequential mode; the sequential mode's training only up to
    ``sequential_train_max`` steps."""
    x = torch.randn(T, batch, hidden, generator=torch.Generator().manual_seed(1))
    extra = {"T": T, "max_abs_diff": {}, "saved_bytes": {}}
    for cell in ("MinLSTM", "MinGRU"):
        extra["max_abs_diff"][cell] = scan_error(cell, x, hidden)
    x.requires_grad_()
    results, calls = [], []
    for name in CONTENDERS:
        model = make(name, hidden, hidden)
        extra["saved_bytes"][name] = saved_activation_bytes(lambda m=model: m(x)[0])
        for mode in MODES:
            if name.startswith("reference.") and mode == "train" and sequential_train_max < T:
                continue
            results.append(Result((batch, T, hidden, hidden), name, mode, "scan"))
            calls.append(runner(model, x, mode))
    return interleave(results, calls, repeats), extra


def report(results: list[Result], extras: list[dict]) -> str:
    median = {(r.size[1], r.name, r.mode): r.median_ms for r in results}
    rows = []
    for e in extras:
        T = e["T"]
        for mode in MODES:
            ms = {name: median.get((T, name, mode)) for name in CONTENDERS}
            ratios = []
            for cell in ("MinLSTM", "MinGRU"):
                scan, seq = ms[f"lstmlab.{cell}"], ms[f"reference.{cell}"]
                ratios += [
                    "—" if seq is None else f"{seq / scan:.1f}",
                    f"{ms['lstmlab.LSTM'] / scan:.2f}",
                ]
            cells = ("—" if v is None else f"{v:.1f}" for v in ms.values())
            rows.append([str(T), mode, *cells, *ratios])
    head = ["T", "mode", *(f"{v} ms" for v in CONTENDERS.values())]
    head += ["minLSTM seq/scan", "minLSTM LSTM/scan", "minGRU seq/scan", "minGRU LSTM/scan"]
    mem_rows = [
        [str(e["T"]), *(f"{e['saved_bytes'][n] / 2**20:.1f}" for n in CONTENDERS)]
        + [f"{e['max_abs_diff'][c]:.1e}" for c in ("MinLSTM", "MinGRU")]
        for e in extras
    ]
    mem_head = ["T", *(f"{v} saved MiB" for v in CONTENDERS.values())]
    mem_head += ["minLSTM max abs(scan − seq)", "minGRU max abs(scan − seq)"]
    return markdown_table(rows, head) + "\n\n" + markdown_table(mem_rows, mem_head)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default=",".join(map(str, LENGTHS)), help="T,T,...")
    ap.add_argument("--batch", type=int, default=B, help="batch size B")
    ap.add_argument("--hidden", type=int, default=H, help="hidden size H (and input size I)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per contender and mode")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument(
        "--sequential-train-max",
        type=int,
        default=10_000,
        help="time the sequential mode's training only up to this T (its autograd loop is "
        "slow: about a second per 1,000 steps at the default size)",
    )
    ap.add_argument("--json", default=None, help="write every number here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    load0 = load_average()
    rate0 = matmul_gflops()
    print(
        f"# minLSTM/minGRU scan — torch {torch.__version__}, {args.threads} threads, float32, "
        f"{platform.processor() or platform.machine()}, B={args.batch} I=H={args.hidden}, "
        f"load average {load0[0]:.2f}, matmul {rate0:.0f} GFLOP/s\n"
    )
    results, extras = [], []
    for T in (int(v) for v in args.lengths.split(",")):
        t0 = time.perf_counter()
        res, extra = one_length(T, args.batch, args.hidden, args.repeats, args.sequential_train_max)
        print(f"timed T={T} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        results += res
        extras.append(extra)
    print(report(results, extras))
    load1, rate1 = load_average(), matmul_gflops()
    print(f"\nAt the end: load average {load1[0]:.2f}, matmul {rate1:.0f} GFLOP/s.")
    if args.json:
        write_json_atomic(
            args.json,
            {
                "torch": torch.__version__,
                "threads": args.threads,
                "batch": args.batch,
                "hidden": args.hidden,
                "input": args.hidden,
                "repeats": args.repeats,
                "sequential_train_max": args.sequential_train_max,
                "load_average": [list(load0), list(load1)],
                "matmul_gflops": [rate0, rate1],
                "timings": [r.__dict__ | {"median_ms": r.median_ms} for r in results],
                "per_length": extras,
            },
        )


if __name__ == "__main__":
    main()
