"""Data-parallel training of one run over several processes: ``torchrun --nproc_per_node N -m
lstmlab train ... --distributed`` (and every application's ``train --distributed``).

Each process (rank) holds a replica of the model wrapped in ``DistributedDataParallel`` (gloo for
CPU tensors, nccl for CUDA tensors) and trains on its contiguous share of every global batch:
rank r takes rows [r·B/N, (r+1)·B/N) of the batch dimension. Each rank's loss is the mean over its
share and DDP averages the gradients, so when the loss is a mean over the batch's examples a step
equals one step of a single process on the whole batch, to float rounding; ``batch_size`` keeps
its meaning, the global batch. (A loss averaged over a varying number of tokens per example gives
each share the same weight instead: close to, not equal to, the single-process step.)

Rank 0 alone touches the run folder (lock, claim, checkpoints, result) and evaluates; what every
rank must agree on goes out from rank 0: its answer about the folder (or its error), the
checkpoint to resume from, the validation metrics that drive early stopping and the schedule, and
whether the wall-clock budget is spent. At the end, every rank's parameters are compared by their
SHA-256; a difference is an error, never a silent result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import Tensor, nn

__all__ = [
    "DistributedError",
    "Ranks",
    "SINGLE",
    "join",
    "leave",
    "session",
    "shard_batch",
    "mean_across",
    "from_rank0",
    "flag_from_rank0",
    "wrap",
    "parameters_digest",
    "check_in_sync",
    "step_seed",
]

T = TypeVar("T")

#: What torchrun sets for every process it starts (``env://`` rendezvous).
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


class DistributedError(RuntimeError):
    """The process cannot take part in a data-parallel run (not started by torchrun)."""


@dataclass(frozen=True)
class Ranks:
    """Where this process stands in a data-parallel run."""

    rank: int = 0
    world: int = 1
    active: bool = False  # a process group is in use (even with world = 1)
    started_here: bool = False  # ``join`` created the group, so ``leave`` destroys it

    @property
    def main(self) -> bool:
        return self.rank == 0


SINGLE = Ranks()  # one process, no process group


def join() -> Ranks:
    """Join the process group torchrun describes in the environment (or the caller's, if one is
    initialised already)."""
    if dist.is_initialized():
        return Ranks(dist.get_rank(), dist.get_world_size(), active=True)
    missing = [name for name in TORCHRUN_ENV if name not in os.environ]
    if missing:
        raise DistributedError(
            f"distributed: expected a process started by torchrun (environment variables "
            f"{', '.join(TORCHRUN_ENV)}), got a process without {', '.join(missing)}; launch "
            "it with `torchrun --nproc_per_node N -m lstmlab train ... --distributed`"
        )
    # CPU tensors (the loop trains on CPU) go through gloo; CUDA tensors would use nccl.
    backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    return Ranks(dist.get_rank(), dist.get_world_size(), active=True, started_here=True)


def leave(ranks: Ranks) -> None:
    if ranks.started_here and dist.is_initialized():
        dist.destroy_process_group()


@contextlib.contextmanager
def session(distributed: bool) -> Iterator[Ranks]:
    """A command's data-parallel session: the process group for its whole life (so that several
    ``fit`` calls and the writes before them share it), or ``SINGLE`` without ``distributed``."""
    ranks = join() if distributed else SINGLE
    try:
        yield ranks
    finally:
        leave(ranks)


def from_rank0(compute: Callable[[], T], ranks: Ranks) -> T:
    """``compute()`` run on rank 0 only; every rank gets its value, or raises its exception.

    What every rank must agree on is decided once: a run folder's state, a checkpoint, a
    validation result, a stop. Objects travel pickled between the ranks of this run only."""
    if not ranks.active:
        return compute()
    box: list[Any] = [None]
    if ranks.main:
        try:
            value = compute()
        except Exception as err:
            box[0] = ("error", err if _picklable(err) else RuntimeError(str(err)))
            dist.broadcast_object_list(box, src=0)
            raise
        box[0] = ("value", value)
    dist.broadcast_object_list(box, src=0)
    kind, payload = box[0]
    if kind == "error":
        raise payload
    return payload


def flag_from_rank0(flag: bool, ranks: Ranks) -> bool:
    """Rank 0's ``flag`` on every rank: a cheap ``from_rank0`` for a decision taken every step."""
    if not ranks.active:
        return flag
    t = torch.tensor([int(flag)], dtype=torch.int64)
    dist.broadcast(t, src=0)
    return bool(t)


def _picklable(obj: object) -> bool:
    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


def shard_batch(batch: Any, rank: int, world: int) -> Any:
    """Rank ``rank``'s contiguous share of dimension 0 of every tensor in ``batch`` (a tensor, or
    tuples, lists, dicts and dataclasses of them; other values are shared as they are).

    Every tensor must have the batch's size along dimension 0: a batch laid out otherwise (time
    first, or targets of all examples concatenated) cannot be split by position, and its problem
    must define ``Problem.shard``."""
    sizes: dict[str, tuple[int, ...]] = {}
    _collect_shapes(batch, "batch", sizes)
    firsts = {shape[0] for shape in sizes.values()}
    if len(firsts) > 1:
        shapes = ", ".join(f"{name} {list(shape)}" for name, shape in sizes.items())
        raise ValueError(
            "batch: expected every tensor of a training batch to have the batch size along "
            f"dimension 0 (to give each process its share), got {shapes}; its Problem must "
            "define shard(batch, rank, world), or train without --distributed"
        )
    if firsts and next(iter(firsts)) % world:
        raise ValueError(
            f"batch_size: expected a multiple of the {world} processes (each trains on an equal "
            f"share), got a batch of {next(iter(firsts))}"
        )
    return _split(batch, rank, world)


def _collect_shapes(batch: Any, name: str, out: dict[str, tuple[int, ...]]) -> None:
    if isinstance(batch, Tensor):
        if batch.dim() > 0:
            out[name] = tuple(batch.shape)
    elif isinstance(batch, tuple | list):
        for i, b in enumerate(batch):
            _collect_shapes(b, f"{name}[{i}]", out)
    elif isinstance(batch, dict):
        for k, v in batch.items():
            _collect_shapes(v, f"{name}[{k!r}]", out)
    elif dataclasses.is_dataclass(batch) and not isinstance(batch, type):
        for f in dataclasses.fields(batch):
            _collect_shapes(getattr(batch, f.name), f"{name}.{f.name}", out)


def _split(batch: Any, rank: int, world: int) -> Any:
    if isinstance(batch, Tensor):
        return batch if batch.dim() == 0 else batch.tensor_split(world)[rank]
    if isinstance(batch, tuple | list):
        return type(batch)(_split(b, rank, world) for b in batch)
    if isinstance(batch, dict):
        return {k: _split(v, rank, world) for k, v in batch.items()}
    if dataclasses.is_dataclass(batch) and not isinstance(batch, type):
        values = {
            f.name: _split(getattr(batch, f.name), rank, world) for f in dataclasses.fields(batch)
        }
        return dataclasses.replace(batch, **values)
    return batch


def mean_across(value: float, ranks: Ranks) -> float:
    """The mean over all ranks of a per-rank number (each rank's loss on its share)."""
    if not ranks.active:
        return value
    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t) / ranks.world


def wrap(model: nn.Module, ranks: Ranks) -> nn.Module:
    """What a training step calls: ``DistributedDataParallel`` over ``model`` (which broadcasts
    rank 0's parameters and buffers to all ranks as it is built), or ``model`` itself."""
    if not ranks.active:
        return model
    return nn.parallel.DistributedDataParallel(model)


def step_seed(seed: int, rank: int, step: int) -> int:
    """The seed of torch's RNG for ``step`` on ``rank`` of a data-parallel run: every rank draws
    its own noise and dropout masks, and a resumed run draws the same ones again."""
    digest = hashlib.sha256(f"lstmlab-ddp-step:{seed}:{rank}:{step}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & 0x7FFF_FFFF_FFFF_FFFF


def parameters_digest(state: dict[str, Tensor]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``state`` (a state dict)."""
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{list(t.shape)};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def check_in_sync(model: nn.Module, ranks: Ranks) -> str:
    """The digest of ``model``'s state; distributed, raise unless every rank's equals rank 0's."""
    digest = parameters_digest(model.state_dict())
    if not ranks.active:
        return digest
    local = torch.frombuffer(bytearray(bytes.fromhex(digest)), dtype=torch.uint8)
    gathered = [torch.empty_like(local) for _ in range(ranks.world)]
    dist.all_gather(gathered, local)
    differ = [r for r in range(1, ranks.world) if not torch.equal(gathered[r], gathered[0])]
    if differ:
        raise RuntimeError(
            f"distributed: expected every rank to end with rank 0's parameters, got different "
            f"ones on rank(s) {differ}; the replicas went out of step"
        )
    return digest
