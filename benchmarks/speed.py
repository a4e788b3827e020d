"""Speed of lstmlab's fused layers against torch.nn and against the autograd loop, float32 on CPU.

    python benchmarks/speed.py [--quick] [--sizes "64,100,128,256;..."] [--repeats 7]
                               [--min-time 2.0]
                               [--threads 2] [--reference-sizes 0] [--json PATH] [--no-memory]
                               [--no-dense] [--no-packed] [--no-wlm] [--slstm-sizes ...]
                               [--isa native|avx2]

The timing is ``lstmlab.bench`` (shared with the performance section of ``lstmlab reproduce``).
For each size (B, T, I, H) every contender runs forward+backward ("train": output.sum() backward,
the input requiring grad) and forward alone under no_grad ("infer"). The contenders of a group
are timed round-robin (one run of each in turn, after two warm-up runs each), so a slow patch of
the machine hits all of them alike; the tables give medians, of ``--repeats`` rounds or more:
rounds go on until they have taken ``--min-time`` seconds (at most ``bench.MAX_ROUNDS``), so
that a call of a few milliseconds is timed tens of times and its median holds on a noisy
machine, while a call of a second is timed ``--repeats`` times. The groups are timed apart (the
autograd loop's long runs would let the thread pool fall asleep between the fast contenders'
runs). Contenders:

- lstmlab.LSTM (vanilla, fused) vs torch.nn.LSTM; lstmlab.GRU vs torch.nn.GRU; lstmlab.RNN vs
  torch.nn.RNN (tanh). Ratio = torch time / lstmlab time (> 1: lstmlab is faster).
- every LSTM variant (fused) vs lstmlab vanilla, and vs the same variant on backend="reference"
  (the cell's equations step by step, autograd through the loop) at the sizes of
  ``--reference-sizes`` (the loop is slow at large sizes).
- packed (variable-length) input: torch.nn.LSTM/GRU and lstmlab's on the same PackedSequence of
  B sequences with lengths uniform in [1, T] (``lstmlab.bench.PACKED_SIZES``); torch.nn's packed
  path steps through autograd once per time step (PyTorch issue #149194).
- small batches as PyTorch's ``word_language_model`` example runs them: 2 stacked layers,
  H = 200, T = 35, batch 10 and 20 (``lstmlab.bench.WLM_SIZES``), LSTM, GRU and RNN.
- lstmlab.SLSTM (fused) vs the authors' xLSTM package (PyPI ``xlstm``) with its CPU backend
  ("vanilla": their sLSTM cell in torch ops, step by step), at the sizes of ``--slstm-sizes``
  (B, T, H, heads; input size H), the same weights, after asserting equal outputs. Ratio =
  xlstm time / lstmlab time. ``--slstm-only`` runs this section alone.

``--isa avx2`` reruns the script in a process that computes as on a CPU without AVX-512, on both
sides (``lstmlab.bench.ISA_ENV``: oneDNN, ATen, MKL, and lstmlab's kernels built for x86-64-v3),
to compare the AVX2 code paths on an AVX-512 machine; caches, clocks and dividers stay this
machine's, so it approximates an AVX2 CPU and does not replace measuring one.

GFLOP/s counts the GEMM flops (2·M·N·K): forward 2·T·B·(I + P)·G·H (+ 2·T·B·H·P with a
projection, + 2·T·B·(S·H)² with FGR), backward twice that, for the gate count G of the layer;
"of matmul" is against the machine's float32 matmul rate, a 2048² torch.mm timed at the start
(and again at the end: a low or changed value means the machine was busy).

Memory ("--no-memory" skips it): "saved" is the bytes autograd keeps for backward, counted
exactly with torch.autograd.graph.saved_tensors_hooks (distinct storages); "peak RSS Δ" is how
much a child process's peak resident memory (VmHWM, reset after a first call) grows during one
train (or infer) call, so it includes temporaries and allocator behaviour that the first misses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict

import torch
from torch import nn

import lstmlab
from lstmlab.bench import (
    ISA_ENV,
    PACKED_SIZES,
    QUICK,
    SIZES,
    WLM_LAYERS,
    WLM_SIZES,
    Result,
    fmt_size,
    interleave,
    isa_env,
    load_average,
    make,
    markdown_table,
    matmul_gflops,
    pairs,
    runner,
    time_round_robin,
    torch_vs_lstmlab,
)
from lstmlab.cells.options import VARIANTS

#: (B, T, H, heads): the sLSTM of a small xLSTM block (embedding 128, 4 heads), and a wider one.
SLSTM_SIZES = [(16, 128, 128, 4), (32, 128, 256, 4)]

# -- memory ----------------------------------------------------------------------------------


def saved_bytes(name: str, size) -> int:
    """Bytes of the distinct storages autograd saves for backward in one train call."""
    B, T, I, H = size
    model = make(name, I, H)
    x = torch.randn(T, B, I, requires_grad=True)
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor):
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out, _ = model(x)
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    params.add(x.untyped_storage().data_ptr())
    del out
    return sum(n for ptr, n in storages.items() if ptr not in params)


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise KeyError(field_name)


def child_peak(name: str, size, mode: str) -> float:
    """In a fresh process: how much the peak resident memory grows during one call (MiB).
    One full call first loads the kernels and sizes the allocator's caches; then the peak is
    reset (Linux: "5" into /proc/self/clear_refs) and the second call is measured."""
    B, T, I, H = size
    model = make(name, I, H)
    x = torch.randn(T, B, I, requires_grad=True)
    call = runner(model, x, mode)
    call()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_kib("VmRSS")
    call()
    return max(0, _status_kib("VmHWM") - before) / 1024


def peak_rss_mib(name: str, size, mode: str, threads: int) -> float:
    cmd = [sys.executable, __file__, "--child", name, ",".join(map(str, size)), mode]
    cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


# -- report ----------------------------------------------------------------------------------


# -- sLSTM vs the authors' xlstm package ------------------------------------------------------


class XlstmVanilla(nn.Module):
    """The authors' sLSTM on CPU: W·x (one Linear) then their cell with the "vanilla" backend,
    holding the weights of ``layer`` (an lstmlab.SLSTM with one layer); x (B, T, I) → (B, T, H).
    The weight mapping is tests/compat/test_xlstm_official.py's."""

    def __init__(self, layer: lstmlab.SLSTM) -> None:
        super().__init__()
        from xlstm.blocks.slstm.cell import sLSTMCell, sLSTMCellConfig

        H, NH, d = layer.hidden_size, layer.num_heads, layer.hidden_size // layer.num_heads
        cfg = sLSTMCellConfig(hidden_size=H, num_heads=NH, backend="vanilla", dtype="float32")
        self.cell = sLSTMCell(cfg)
        self.proj = nn.Linear(layer.input_size, 4 * H, bias=False)
        with torch.no_grad():
            self.proj.weight.copy_(layer.weight_ih_l0)
            R = layer.weight_hh_l0.view(4, NH, d, d).permute(1, 0, 2, 3).reshape(NH, 4 * d, d)
            self.cell._recurrent_kernel_.copy_(R)
            self.cell._bias_.copy_(layer.bias_l0)

    def forward(self, x: torch.Tensor):
        B, T, _ = x.shape
        out, state = self.cell(self.proj(x))  # (B, NH, T, d), (4, B, H)
        return out.permute(0, 2, 1, 3).reshape(B, T, -1), state


def fmt_slstm(size) -> str:
    return "B={} T={} H={} heads={}".format(*size)


def slstm_pair(size) -> tuple[nn.Module, nn.Module, torch.Tensor]:
    """lstmlab.SLSTM (fused) and the xlstm vanilla twin with the same weights, and an input
    (B, T, H) requiring grad; their outputs are checked equal here, before any timing."""
    B, T, H, heads = size
    torch.manual_seed(0)
    ours = lstmlab.SLSTM(H, H, num_heads=heads, batch_first=True)
    with torch.no_grad():  # a non-trivial recurrence, as in the equality test
        ours.weight_hh_l0.normal_(0, 0.5 / (H // heads) ** 0.5)
    theirs = XlstmVanilla(ours)
    x = torch.randn(B, T, H, generator=torch.Generator().manual_seed(1), requires_grad=True)
    with torch.no_grad():
        a, b = ours(x)[0], theirs(x)[0]
    err = (a - b).abs().max().item()
    if not torch.allclose(a, b, rtol=1e-4, atol=1e-5):
        raise AssertionError(f"sLSTM: lstmlab and xlstm outputs differ by up to {err:.3g}")
    print(f"sLSTM {fmt_slstm(size)}: outputs equal to xlstm's (max |Δ| {err:.1e})", file=sys.stderr)
    return ours, theirs, x


def time_slstm(size, repeats: int, min_seconds: float = 0.0) -> list[Result]:
    """Round-robin medians (as lstmlab.bench) of xlstm vanilla and lstmlab.SLSTM, both modes."""
    ours, theirs, x = slstm_pair(size)
    B, T, H, heads = size
    fwd = 2 * T * B * (H + H // heads) * 4 * H / 1e9  # W·x and the block-diagonal R·h
    results, calls = [], []
    for name, model in (("xlstm.sLSTM[vanilla]", theirs), ("lstmlab.SLSTM", ours)):
        for mode in ("train", "infer"):
            flop = fwd * (3 if mode == "train" else 1)
            results.append(Result((B, T, H, H), name, mode, "slstm", gflop=flop))
            calls.append(runner(model, x, mode))
    return interleave(results, calls, repeats, min_seconds)


def slstm_section(sizes, repeats: int, min_seconds: float = 0.0) -> list[Result]:
    """Time and print the sLSTM comparison; returns its results."""
    results, rows = [], []
    for size in sizes:
        t0 = time.perf_counter()
        res = time_slstm(size, repeats, min_seconds)
        took = time.perf_counter() - t0
        print(f"timed sLSTM at {fmt_slstm(size)} in {took:.0f} s", file=sys.stderr)
        results += res
        for mode in ("train", "infer"):
            theirs, ours = (next(r for r in res if r.name == n and r.mode == mode)
                            for n in ("xlstm.sLSTM[vanilla]", "lstmlab.SLSTM"))  # fmt: skip
            rows.append([fmt_slstm(size), mode, f"{theirs.median_ms:.1f}", f"{ours.median_ms:.2f}",
                         f"**{theirs.median_ms / ours.median_ms:.1f}×**"])  # fmt: skip
    print(
        "\n## sLSTM: lstmlab (fused) vs xlstm's CPU backend (vanilla), same weights, outputs "
        "equal (median ms; ratio = xlstm / lstmlab)\n"
    )
    print(markdown_table(rows, ["size", "mode", "xlstm vanilla ms", "lstmlab ms", "ratio"]))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the small size, 5 repeats")
    ap.add_argument("--sizes", default=None, help="B,T,I,H;B,T,I,H;... (default: three sizes)")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per contender (7)")
    ap.add_argument(
        "--min-time",
        type=float,
        default=2.0,
        help="more rounds until a group's rounds took this many seconds (default 2.0)",
    )
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    ap.add_argument(
        "--reference-sizes",
        default="0",
        help="indices of sizes that also time the "
        "autograd loop (backend='reference') for every variant; default: the first",
    )
    ap.add_argument("--no-memory", action="store_true", help="skip the memory measurements")
    ap.add_argument("--no-dense", action="store_true", help="skip the dense sizes (and memory)")
    ap.add_argument("--no-packed", action="store_true", help="skip the packed-input section")
    ap.add_argument("--no-wlm", action="store_true", help="skip the word_language_model sizes")
    ap.add_argument(
        "--slstm-sizes",
        default=";".join(",".join(map(str, z)) for z in SLSTM_SIZES),
        help="B,T,H,heads;... for the sLSTM vs xlstm section ('' skips it)",
    )
    ap.add_argument("--slstm-only", action="store_true", help="only the sLSTM vs xlstm section")
    ap.add_argument("--json", default=None, help="write every number here")
    ap.add_argument(
        "--isa",
        default="native",
        choices=sorted(ISA_ENV),
        help="compute as on a CPU with this instruction set, both sides (default: native)",
    )
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    env = isa_env(args.isa)
    if any(os.environ.get(k) != v for k, v in env.items()):
        if args.isa == "avx2" and torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
            sys.exit("--isa avx2: this CPU has no AVX2")
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **env})
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        name, size, mode = args.child
        print(child_peak(name, tuple(int(v) for v in size.split(",")), mode))
        return

    sizes = QUICK if args.quick else SIZES
    if args.sizes:
        sizes = [tuple(int(v) for v in s.split(",")) for s in args.sizes.split(";")]
    repeats = args.repeats or (5 if args.quick else 7)
    threads = torch.get_num_threads()
    load0 = load_average()[0]
    print(
        f"# lstmlab speed — torch {torch.__version__}, {threads} threads, float32, "
        f"{platform.processor() or platform.machine()}, instruction set {args.isa} "
        f"(torch: {torch.backends.cpu.get_cpu_capability()}), load average {load0:.2f}\n"
    )
    peak = matmul_gflops()
    print(f"float32 matmul rate (torch.mm 2048², median of 7): {peak:.0f} GFLOP/s\n")

    slstm_sizes = [tuple(int(v) for v in z.split(",")) for z in args.slstm_sizes.split(";") if z]
    if args.slstm_only:
        finish(args, slstm_section(slstm_sizes, repeats, args.min_time), [], peak, load0, threads)
        return

    results: list[Result] = []
    memory: list = []
    if not args.no_dense:
        results, memory = dense_section(args, sizes, repeats, peak, threads)
    if not args.no_packed:
        results += client_section(
            "packed",
            PACKED_SIZES,
            ("LSTM", "GRU"),
            max(3, repeats // 2),
            1,
            packed=True,
            min_seconds=args.min_time,
        )
    if not args.no_wlm:
        results += client_section(
            "wlm",
            WLM_SIZES,
            ("LSTM", "GRU", "RNN"),
            repeats,
            WLM_LAYERS,
            own_kernel=True,
            min_seconds=args.min_time,
        )
    results += slstm_section(slstm_sizes, repeats, args.min_time)
    finish(args, results, memory, peak, load0, threads)


def client_section(
    group: str,
    sizes,
    kinds,
    repeats: int,
    layers: int,
    packed: bool = False,
    own_kernel: bool = False,
    min_seconds: float = 0.0,
) -> list[Result]:
    """torch.nn vs lstmlab as clients call them (``layers`` stacked): packed input, or
    word_language_model's small batches; prints the table and returns the results. With
    ``own_kernel`` also lstmlab's own LSTM kernel (``backend="fused"``), where the default
    dispatch runs torch's op (``kernels.select``, rule 2)."""
    results: list[Result] = []
    for size in sizes:
        t0 = time.perf_counter()
        results += torch_vs_lstmlab(
            size, kinds, repeats, packed=packed, num_layers=layers, group=group,
            own_kernel=own_kernel, min_seconds=min_seconds,
        )  # fmt: skip
        print(f"timed {group} at {fmt_size(size)} in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)  # fmt: skip
    own = ["lstmlab's kernel ms", "its ratio"] if own_kernel else []
    rows = [
        [fmt_size(tuple(r["size"])), r["layer"], r["mode"], f"{r['torch_ms']:.2f}",
         f"{r['lstmlab_ms']:.2f}", f"**{r['ratio']:.2f}**"]
        + ([f"{r['fused_ms']:.2f}", f"{r['fused_ratio']:.2f}"] if "fused_ms" in r else
           ["–", "–"] if own_kernel else [])
        for r in pairs(results)
    ]  # fmt: skip
    shape = "packed input, lengths uniform in [1, T]" if packed else "word_language_model sizes"
    title = f"{shape}, {layers} layer{'s' if layers > 1 else ''}"
    print(f"\n## lstmlab vs torch.nn, {title} (median ms; ratio = torch / lstmlab)\n")
    print(markdown_table(rows, ["size", "layer", "mode", "torch ms", "lstmlab ms", "ratio", *own]))
    return results


def dense_section(args, sizes, repeats: int, peak: float, threads: int):
    """The dense sizes: lstmlab vs torch.nn, the variants, memory; prints the tables."""
    ref_sizes = {int(k) for k in args.reference_sizes.split(",") if k != ""}
    results: list[Result] = []
    for i, size in enumerate(sizes):
        layers = ["torch.LSTM", "lstmlab.LSTM", "torch.GRU", "lstmlab.GRU", "torch.RNN"]
        variants = [f"lstmlab.LSTM[{v}]" for v in VARIANTS if v != "vanilla"]
        groups = {"torch": [*layers, "lstmlab.RNN"], "variants": ["lstmlab.LSTM", *variants]}
        if i in ref_sizes:
            groups["reference"] = [f"reference.LSTM[{v}]" for v in VARIANTS]
        for group, names in groups.items():
            t0 = time.perf_counter()
            results += time_round_robin(size, names, repeats, group, min_seconds=args.min_time)
            print(
                f"timed {group} at {fmt_size(size)} in {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
            )

    def get(size, name, mode, group="torch") -> Result | None:
        for r in results:
            if r.size == size and r.name == name and r.mode == mode and r.group == group:
                return r
        return None

    # 1. lstmlab vs torch.nn
    rows = []
    for size in sizes:
        for kind in ("LSTM", "GRU", "RNN"):
            for mode in ("train", "infer"):
                theirs, ours = get(size, f"torch.{kind}", mode), get(size, f"lstmlab.{kind}", mode)
                rows.append(
                    [
                        fmt_size(size),
                        kind,
                        mode,
                        f"{theirs.median_ms:.2f}",
                        f"{ours.median_ms:.2f}",
                        f"**{theirs.median_ms / ours.median_ms:.2f}**",
                        f"{ours.gflops:.0f} ({ours.gflops / peak:.0%})",
                        f"{theirs.gflops:.0f} ({theirs.gflops / peak:.0%})",
                    ]
                )
    print("## lstmlab vs torch.nn (median ms; ratio = torch / lstmlab, > 1 is faster)\n")
    print(
        markdown_table(
            rows,
            [
                "size",
                "layer",
                "mode",
                "torch ms",
                "lstmlab ms",
                "ratio",
                "lstmlab GFLOP/s (of matmul)",
                "torch GFLOP/s (of matmul)",
            ],
        )
    )

    # 2. variants
    rows = []
    for size in sizes:
        for v in VARIANTS:
            name = "lstmlab.LSTM" if v == "vanilla" else f"lstmlab.LSTM[{v}]"
            for mode in ("train", "infer"):
                r = get(size, name, mode, "variants")
                van = get(size, "lstmlab.LSTM", mode, "variants")
                ref = get(size, f"reference.LSTM[{v}]", mode, "reference")
                rows.append(
                    [
                        fmt_size(size),
                        v,
                        mode,
                        f"{r.median_ms:.2f}",
                        f"{r.median_ms / van.median_ms:.2f}",
                        f"{ref.median_ms:.1f}" if ref else "–",
                        f"**{ref.median_ms / r.median_ms:.1f}×**" if ref else "–",
                        f"{r.gflops:.0f}",
                    ]
                )
    print(
        "\n## LSTM variants, fused (median ms; vs vanilla = time / vanilla's; speed-up = "
        "autograd loop / fused)\n"
    )
    print(
        markdown_table(
            rows,
            [
                "size",
                "variant",
                "mode",
                "fused ms",
                "vs vanilla",
                "autograd loop ms",
                "speed-up",
                "GFLOP/s",
            ],
        )
    )

    # 3. memory
    memory: list = []
    if not args.no_memory:
        rows = []
        for size in sizes:
            for kind in ("LSTM", "GRU", "RNN"):
                entry = {"size": size, "layer": kind}
                for lib in ("torch", "lstmlab"):
                    name = f"{lib}.{kind}"
                    entry[f"{lib}_saved_MiB"] = saved_bytes(name, size) / 2**20
                    for mode in ("train", "infer"):
                        entry[f"{lib}_{mode}_peak_MiB"] = peak_rss_mib(name, size, mode, threads)
                memory.append(entry)
                rows.append(
                    [fmt_size(size), kind]
                    + [
                        f"{entry[k]:.1f}"
                        for k in (
                            "torch_saved_MiB",
                            "lstmlab_saved_MiB",
                            "torch_train_peak_MiB",
                            "lstmlab_train_peak_MiB",
                            "torch_infer_peak_MiB",
                            "lstmlab_infer_peak_MiB",
                        )
                    ]
                )
        print(
            "\n## Memory (MiB): saved for backward, and peak RSS growth of one call in a fresh "
            "process\n"
        )
        print(
            markdown_table(
                rows,
                [
                    "size",
                    "layer",
                    "torch saved",
                    "lstmlab saved",
                    "torch train peak Δ",
                    "lstmlab train peak Δ",
                    "torch infer peak Δ",
                    "lstmlab infer peak Δ",
                ],
            )
        )

    return results, memory


def finish(args, results: list[Result], memory: list, peak: float, load0: float, threads: int):
    """The closing line (machine rate and load at the end) and the JSON file."""
    peak_end = matmul_gflops()
    load1 = load_average()[0]
    print(
        f"\nAt the end: matmul rate {peak_end:.0f} GFLOP/s, load average {load1:.2f} (a load "
        f"above {threads} means other processes shared the cores: treat the numbers as noisy)."
    )
    if args.json:
        payload = {
            "torch": torch.__version__,
            "threads": threads,
            "isa": args.isa,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "matmul_gflops": [peak, peak_end],
            "load_average": [load0, load1],
            "min_seconds": args.min_time,
            "finished_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "timings": [
                asdict(r) | {"median_ms": r.median_ms, "gflops": r.gflops} for r in results
            ],
            "memory": memory,
        }
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(payload, f, indent=1)
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
