"""Peak activation memory against sequence length: full BPTT vs checkpointed BPTT.

    python benchmarks/memory.py [--lengths 250,500,1000,2000,4000] [--json PATH]

Activation memory is measured exactly as the bytes of the tensors autograd saves for backward
(``saved_activation_bytes``); peak RSS of a child process per configuration is printed beside it
as the operating system's view (it includes the interpreter and the weights).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import torch

import lstmlab
from lstmlab.layers.long_sequences import checkpointed, saved_activation_bytes

B, I, H = 32, 64, 128


def one(T: int, mode: str) -> dict:
    torch.manual_seed(0)
    layer = lstmlab.LSTM(I, H)
    x = torch.randn(T, B, I)

    def loss():
        out = layer(x)[0] if mode == "full" else checkpointed(layer, x)[0]
        return out[-1].pow(2).mean()

    saved = saved_activation_bytes(loss)
    t0 = time.perf_counter()
    loss().backward()
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "T": T,
        "mode": mode,
        "saved_MiB": saved / 2**20,
        "peak_rss_MiB": rss / 2**20,
        "fwd_bwd_s": wall,
        "chunk": math.isqrt(T - 1) + 1 if mode != "full" else T,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="250,500,1000,2000,4000")
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(one(int(a.child[0]), a.child[1])))
        return
    rows = []
    for T in map(int, a.lengths.split(",")):
        for mode in ("full", "checkpointed"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(T), mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"LSTM B={B} I={I} H={H}, float32, loss on the last output")
    print("| T | mode | chunk | saved activations (MiB) | peak RSS (MiB) | fwd+bwd (s) |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['T']} | {r['mode']} | {r['chunk']} | {r['saved_MiB']:.1f} | "
            f"{r['peak_rss_MiB']:.0f} | {r['fwd_bwd_s']:.2f} |"
        )
    if a.json:
        from pathlib import Path

        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
