"""DistributedDataParallel over lstmlab layers: two CPU processes (gloo) each take half a batch;
the averaged gradients equal those of one process on the whole batch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

import lstmlab

SRC = str(Path(lstmlab.__file__).resolve().parents[1])

WORKER = textwrap.dedent(
    """
    import os, sys
    import torch, torch.distributed as dist
    import lstmlab

    out = sys.argv[1]
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if world > 1:
        dist.init_process_group("gloo", rank=rank, world_size=world)
    grads = {}
    for kind in ("LSTM", "GRU", "RNN"):
        torch.manual_seed(0)
        layer = getattr(lstmlab, kind)(3, 5, 2, bidirectional=True, dtype=torch.float64)
        x = torch.randn(6, 8, 3, dtype=torch.float64)  # (T, B, I): the same data on every rank
        if world == 1:
            y, _ = layer(x)
        else:
            model = torch.nn.parallel.DistributedDataParallel(layer)
            y, _ = model(x[:, rank * 4 : (rank + 1) * 4])
        y.square().mean().backward()  # DDP averages the two halves' gradients
        grads |= {f"{kind}.{n}": p.grad for n, p in layer.named_parameters()}
    if world > 1:
        dist.destroy_process_group()
    if rank == 0:
        torch.save(grads, out)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_processes_average_to_the_full_batch_gradient(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {
        **os.environ,
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
        "OMP_NUM_THREADS": "1",
    }
    single = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "single.pt")],
        env=env | {"RANK": "0", "WORLD_SIZE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert single.returncode == 0, single.stderr[-2000:]
    ranks = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "ddp.pt")],
            env=env | {"RANK": str(r), "WORLD_SIZE": "2"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    for p in ranks:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    want = torch.load(tmp_path / "single.pt")
    got = torch.load(tmp_path / "ddp.pt")
    assert want.keys() == got.keys() and len(want) == 3 * 2 * 2 * 4
    for name in want:
        assert torch.allclose(got[name], want[name], atol=1e-12, rtol=1e-10), name
