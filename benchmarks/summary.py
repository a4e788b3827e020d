"""The range of each torch.nn / lstmlab ratio over several runs of ``benchmarks/speed.py``.

    python benchmarks/summary.py benchmarks/results/speed-2026-12-02c.json ...

Reads the JSON files ``speed.py --json`` writes and prints one markdown row per size, with the
lowest and highest ratio (torch.nn time / lstmlab time, > 1: lstmlab is faster) of each layer
and mode over the files, or with ``--each`` every file's ratio in the order given: the dense
sizes, the packed input and the word_language_model sizes (the groups "torch", "packed" and
"wlm"; the variants and the autograd loop are left out). ``--own-kernel`` adds the rows of
lstmlab's own kernel at the word_language_model sizes ("fused.<layer>", which speed.py times
beside the layer there: torch.nn / own kernel), where the dispatch may pick torch's op.
"""

from __future__ import annotations

import argparse
import json

from lstmlab.bench import MODES, Result, markdown_table, pairs

GROUPS = {"torch": "", "packed": "packed ", "wlm": "wlm ", "wlm-own": "wlm, own kernel, "}
LAYERS = ("LSTM", "GRU", "RNN")


def ratios(paths: list[str], own_kernel: bool = False) -> dict[tuple, list[float]]:
    """(group, size, layer, mode) → the ratio of every file that timed both contenders
    (``bench.pairs``, as speed.py pairs them); with ``own_kernel`` also ("wlm-own", ...) →
    torch.nn / lstmlab's own kernel at the word_language_model sizes."""
    out: dict[tuple, list[float]] = {}
    for path in paths:
        with open(path) as f:
            timings = json.load(f)["timings"]
        results = [
            Result(tuple(r["size"]), r["name"], r["mode"], r["group"], list(r["times_ms"]))
            for r in timings
        ]
        for row in pairs(results):
            if row["group"] in GROUPS:
                key = (row["group"], tuple(row["size"]), row["layer"], row["mode"])
                out.setdefault(key, []).append(row["ratio"])
            if own_kernel and row["group"] == "wlm" and "fused_ratio" in row:
                key = ("wlm-own", tuple(row["size"]), row["layer"], row["mode"])
                out.setdefault(key, []).append(row["fused_ratio"])
    return out


def table(found: dict[tuple, list[float]], each: bool = False) -> str:
    rows = sorted({(g, s) for g, s, _, _ in found}, key=lambda k: (list(GROUPS).index(k[0]), k[1]))
    head = ["size (B, T, I, H)", *(f"{layer} {mode}" for layer in LAYERS for mode in MODES)]
    cells = []
    for group, size in rows:
        spans = [found.get((group, size, layer, mode)) for layer in LAYERS for mode in MODES]
        label = GROUPS[group] + ", ".join(map(str, size))
        cells.append([label, *(_cell(v, each) if v else "–" for v in spans)])
    return markdown_table(cells, head)


def _cell(values: list[float], each: bool) -> str:
    if each:
        return " / ".join(f"{v:.2f}" for v in values)
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="JSON files written by speed.py --json")
    ap.add_argument("--each", action="store_true", help="every run's ratio instead of the range")
    ap.add_argument(
        "--own-kernel",
        action="store_true",
        help="also lstmlab's own kernel at the word_language_model sizes",
    )
    args = ap.parse_args()
    found = ratios(args.files, args.own_kernel)
    what = "Each run's ratio" if args.each else "Ratio ranges"
    print(f"{what} over {len(args.files)} runs (torch.nn / lstmlab, > 1: lstmlab faster)\n")
    print(table(found, args.each))


if __name__ == "__main__":
    main()
