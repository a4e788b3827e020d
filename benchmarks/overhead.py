"""LSTM inference against torch.nn: the op, or lstmlab's layer around it?

    python benchmarks/overhead.py [--batch 10] [--steps 35] [--hidden 200] [--calls 400]
                                  [--rounds 21] [--threads 2] [--profile SECONDS]

At batches below ``kernels.ONEDNN_MAX_BATCH`` (the word_language_model sizes, the defaults) a
plain float32 LSTM on CPU runs torch's own op (oneDNN's fused LSTM; the dispatch's rule 2), the
op torch.nn.LSTM calls, so any difference against torch.nn is lstmlab's layer; from that batch on
it runs lstmlab's fused kernel, and the third table splits its call the same way (``--batch 32
--steps 100 --hidden 64``: speed.py's small size). Three measurements, no_grad, float32, one
layer of (I = H = ``--hidden``), B = ``--batch``, T = ``--steps``:

1. back to back: ``--calls`` calls of each in a row (after 20 warm-up calls), median ms, for
   torch.nn.LSTM, lstmlab.LSTM and the bare ``torch._VF.lstm`` call with the same weights;
2. round-robin: ``lstmlab.bench``'s timing (one call of each contender in turn, as
   ``benchmarks/speed.py`` times the word_language_model rows), 2 layers as there, ``--rounds``
   rounds: the ratio torch.nn / lstmlab;
3. in place: the same alternation of the two 2-layer modules, ``--calls`` rounds, with the
   ops they call wrapped in a timer for the run (``in_place``), so each call splits into the
   Python before the first op, the op(s), the Python between the ops (lstmlab's fused kernel
   runs one call per layer) and the Python after the last (medians, µs). After the other
   module's call the caches are cold, which the back-to-back loop of 1. hides.

With ``--profile S`` it then runs lstmlab's call alone in a loop for about S seconds, for
``perf record -g python benchmarks/overhead.py --profile 20`` (the loop is the process's hot
part, so the profile shows the call, not the start-up).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.modules.rnn as torch_rnn

import lstmlab
from lstmlab import bench
from lstmlab.kernels import build, torch_op


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


class _TimedVF:
    """``torch._VF`` with ``lstm`` replaced by ``op`` (what torch.nn.LSTM looks up per call)."""

    def __init__(self, vf, op: Callable) -> None:
        self._vf, self._op = vf, op

    def __getattr__(self, name: str):
        return self._op if name == "lstm" else getattr(self._vf, name)


def in_place(modules: dict[str, torch.nn.Module], x: torch.Tensor, rounds: int) -> dict:
    """Per module: median µs of Python before its first op call, of the op calls, of Python
    between them (one call per layer on lstmlab's fused kernel, one for the stack on torch's op)
    and of Python after the last, in a round-robin of ``modules``. The ops are timed by a
    wrapper, removed again afterwards: ``torch._VF.lstm`` (looked up by torch.nn.LSTM in
    ``torch.nn.modules.rnn`` and by lstmlab in ``kernels.torch_op.OPS``) and lstmlab's
    ``torch.ops.lstmlab.lstm_forward`` (looked up per call by ``kernels.fused_lstm``)."""
    spans: list[tuple[float, float]] = []

    def timer(real: Callable) -> Callable:
        def timed(*args):
            t0 = time.perf_counter()
            out = real(*args)
            spans.append((t0, time.perf_counter()))
            return out

        return timed

    vf, ours, ns = torch_rnn._VF, torch_op.OPS["LSTM"], torch.ops.lstmlab
    fused = ns.lstm_forward if build.available() else None  # loaded now, so wrapped from the start
    torch_op.OPS["LSTM"] = timer(torch._VF.lstm)
    torch_rnn._VF = _TimedVF(vf, torch_op.OPS["LSTM"])
    if fused is not None:
        ns.lstm_forward = timer(fused)
    parts: dict[str, list[list[float]]] = {name: [[], [], [], []] for name in modules}
    try:
        with torch.no_grad():
            for r in range(rounds + 5):
                for name, module in modules.items():
                    spans.clear()
                    t0 = time.perf_counter()
                    module(x)
                    t1 = time.perf_counter()
                    if r >= 5:  # after warm-up
                        before, op, between, after = parts[name]
                        ops = sum(b - a for a, b in spans)
                        before.append(spans[0][0] - t0)
                        op.append(ops)
                        between.append(spans[-1][1] - spans[0][0] - ops)
                        after.append(t1 - spans[-1][1])
    finally:
        torch_rnn._VF, torch_op.OPS["LSTM"] = vf, ours
        if fused is not None:
            ns.lstm_forward = fused
    return {n: [statistics.median(v) * 1e6 for v in p] for n, p in parts.items()}


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
    pair = {"torch.nn.LSTM": bench.make("torch.LSTM", H, H, 2)}
    pair["lstmlab.LSTM"] = bench.make("lstmlab.LSTM", H, H, 2)
    split = in_place(pair, x, args.calls)
    print(f"\n## in place, 2 layers, round-robin, median of {args.calls} (µs)\n")
    print(
        "| layer | Python before the op | the op(s) | Python between (per layer) | Python after |"
        "\n|---|---:|---:|---:|---:|"
    )
    for name, (before, op, between, after) in split.items():
        print(f"| {name} | {before:.0f} | {op:.0f} | {between:.0f} | {after:.0f} |")
    print(f"# load average at the end {bench.load_average()[0]:.2f}")
    if args.profile > 0:
        end = time.perf_counter() + args.profile
        with torch.no_grad():
            while time.perf_counter() < end:
                ours(x)


if __name__ == "__main__":
    main()
