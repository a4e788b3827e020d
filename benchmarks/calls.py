"""Python function calls per layer call, counted by cProfile: a measure of the Python around the
kernels that does not move with the machine's load (times do; see overhead.py for them).

    python benchmarks/calls.py [--size 32,100,64,64] [--layers 1] [--calls 20]

For each of lstmlab's LSTM, GRU and RNN layers, inference (no_grad) and training (forward, then
``out.sum().backward()``, the backward's Python included): the calls cProfile counts per layer
call, after warm-up, float32 on CPU, and the same for torch.nn's layer beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import torch

import lstmlab


def calls_per_call(module: torch.nn.Module, x: torch.Tensor, train: bool, calls: int) -> float:
    """Python function calls (cProfile's count, built-ins included) per call of ``module``."""

    def step() -> None:
        if train:
            out, _ = module(x)
            out.sum().backward()
        else:
            with torch.no_grad():
                module(x)

    for _ in range(3):
        step()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        step()
    profile.disable()
    return pstats.Stats(profile).total_calls / calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="32,100,64,64", help="B,T,I,H")
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()
    B, T, I, H = (int(v) for v in args.size.split(","))
    x = torch.randn(T, B, I, generator=torch.Generator().manual_seed(0), requires_grad=True)
    print(f"# Python calls per call, B={B} T={T} I={I} H={H}, {args.layers} layer(s)\n")
    print("| layer | mode | torch.nn | lstmlab |\n|---|---|---:|---:|")
    for kind in ("LSTM", "GRU", "RNN"):
        theirs = getattr(torch.nn, kind)(I, H, args.layers)
        ours = getattr(lstmlab, kind)(I, H, args.layers)
        for mode, train in (("infer", False), ("train", True)):
            counts = [calls_per_call(m, x, train, args.calls) for m in (theirs, ours)]
            print(f"| {kind} | {mode} | {counts[0]:.0f} | {counts[1]:.0f} |")


if __name__ == "__main__":
    main()
