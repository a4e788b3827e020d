"""The word_language_model LSTM inference gap: the op, or lstmlab's layer around it?

    python benchmarks/overhead.py [--batch 10] [--steps 35] [--hidden 200] [--calls 400]
                                  [--rounds 21] [--threads 2] [--profile SECONDS]

At batches below ``kernels.ONEDNN_MAX_BATCH`` a plain float32 LSTM on CPU runs torch's own op
(oneDNN's fused LSTM; the dispatch's rule 2), the op torch.nn.LSTM calls, so any difference
against torch.nn is lstmlab's layer. Two measurements, no_grad, float32, one layer of
(I = H = ``--hidden``), B = ``--batch``, T = ``--steps``:

1. back to back: ``--calls`` calls of each in a row (after 20 warm-up calls), median ms, for
   torch.nn.LSTM, lstmlab.LSTM and the bare ``torch._VF.lstm`` call with the same weights;
2. round-robin: ``lstmlab.bench``'s timing (one call of each contender in turn, as
   ``benchmarks/speed.py`` times the word_language_model rows), 2 layers as there, ``--rounds``
   rounds: the ratio torch.nn / lstmlab.

With ``--profile S`` it then runs lstmlab's call alone in a loop for about S seconds, for
``perf record -g python benchmarks/overhead.py --profile 20`` (the loop is the process's hot
part, so the profile shows the call, not the start-up).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import lstmlab
from lstmlab import bench


def back_to_back(f, calls: int) -> float:
    """Median ms of ``calls`` calls of f in a row, after 20 warm-up calls."""
    for _ in range(20):
        f()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--steps", type=int, default=35)
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", type=float, default=0.0, help="then loop lstmlab's call (s)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    B, T, H = args.batch, args.steps, args.hidden
    load = bench.load_average()[0]
    print(f"# load average {load:.2f}, {args.threads} threads, B={B} T={T} H={H}")
    x = torch.randn(T, B, H, generator=torch.Generator().manual_seed(0))
    theirs = torch.nn.LSTM(H, H)
    ours = lstmlab.LSTM(H, H)
    ours.load_state_dict(theirs.state_dict())
    h0 = torch.zeros(1, B, H)
    params = list(theirs._flat_weights)
    with torch.no_grad():
        rows = {
            "torch.nn.LSTM": back_to_back(lambda: theirs(x), args.calls),
            "lstmlab.LSTM": back_to_back(lambda: ours(x), args.calls),
            "torch._VF.lstm": back_to_back(
                lambda: torch._VF.lstm(x, (h0, h0), params, True, 1, 0.0, False, False, False),
                args.calls,
            ),
        }
    print(f"\n## back to back, one layer, median of {args.calls} (ms)\n")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.3f} |")
    results = bench.time_round_robin(
        (B, T, H, H), ["torch.LSTM", "lstmlab.LSTM"], args.rounds, "x", ("infer",), num_layers=2
    )
    med = {r.name: r.median_ms for r in results}
    print(f"\n## round-robin, 2 layers, median of {args.rounds} (ms)\n")
    print(f"torch.nn {med['torch.LSTM']:.3f}, lstmlab {med['lstmlab.LSTM']:.3f}, ratio "
          f"{med['torch.LSTM'] / med['lstmlab.LSTM']:.2f}")  # fmt: skip
    print(f"# load average at the end {bench.load_average()[0]:.2f}")
    if args.profile > 0:
        end = time.perf_counter() + args.profile
        with torch.no_grad():
            while time.perf_counter() < end:
                ours(x)


if __name__ == "__main__":
    main()
