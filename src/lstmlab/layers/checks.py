"""Argument checks shared by the cells and layers. Every message names the argument, what was
expected and what was given (the habit of torch.nn's "Expected hidden size ..., got ...")."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "check_int",
    "check_flag",
    "check_tensor",
    "check_shape",
    "check_lengths",
    "check_packed_layout",
]


def check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name}: expected an int >= {minimum}, got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value}")
    return value


def check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected a bool, got {type(value).__name__} {value!r}")
    return value


def check_tensor(name: str, value: object, like: Tensor) -> Tensor:
    """A floating tensor with the dtype and device of ``like`` (the layer's parameters)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(
            f"{name}: expected a floating-point tensor of dtype {like.dtype}, "
            f"got dtype {value.dtype}"
        )
    if value.dtype != like.dtype:
        raise TypeError(
            f"{name}: expected dtype {like.dtype} (the layer's parameters), "
            f"got {value.dtype}; convert one of them with .to()"
        )
    if value.device != like.device:
        raise ValueError(
            f"{name}: expected a tensor on {like.device} (the layer's parameters), "
            f"got one on {value.device}"
        )
    return value


def check_shape(name: str, value: Tensor, expected: tuple[int, ...]) -> Tensor:
    if tuple(value.shape) != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)}, got {tuple(value.shape)}")
    return value


def check_lengths(lengths: Sequence[int] | Tensor, batch: int, steps: int) -> Tensor:
    """Sequence lengths for a padded batch: B integers in [1, T], as a CPU int64 tensor."""
    if isinstance(lengths, Tensor):
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise TypeError(f"lengths: expected integers, got a tensor of dtype {lengths.dtype}")
        t = lengths.detach().to("cpu", torch.int64)
    else:
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in lengths):
            raise TypeError(f"lengths: expected a sequence of ints, got {lengths!r}")
        t = torch.tensor(list(lengths), dtype=torch.int64)
    if t.dim() != 1 or t.numel() != batch:
        raise ValueError(
            f"lengths: expected {batch} lengths (one per sequence of the batch), "
            f"got shape {tuple(t.shape)}"
        )
    bad = ((t < 1) | (t > steps)).nonzero()
    if len(bad):
        j = int(bad[0])
        raise ValueError(
            f"lengths: expected every length in [1, {steps}] (the padded sequence "
            f"length), got {int(t[j])} at index {j}"
        )
    return t


def check_packed_layout(
    batch_sizes: object, sorted_indices: Tensor | None, unsorted_indices: Tensor | None
) -> int:
    """The tensors of a (possibly hand-built) PackedSequence; returns the batch size. The values
    of ``batch_sizes`` are checked with the rows by ``kernels.check_batch_sizes``."""
    if (
        not isinstance(batch_sizes, Tensor)
        or batch_sizes.dim() != 1
        or batch_sizes.numel() == 0
        or batch_sizes.dtype != torch.int64
        or batch_sizes.device.type != "cpu"
    ):
        got = (
            f"shape {tuple(batch_sizes.shape)}, dtype {batch_sizes.dtype} on {batch_sizes.device}"
            if isinstance(batch_sizes, Tensor)
            else type(batch_sizes).__name__
        )
        raise ValueError(
            "batch_sizes: expected a non-empty 1-D CPU int64 tensor (as pack_padded_sequence "
            f"makes it), got {got}"
        )
    B = int(batch_sizes[0])
    for name, idx in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
        if idx is not None and (
            not isinstance(idx, Tensor) or idx.dtype != torch.int64 or tuple(idx.shape) != (B,)
        ):
            got = f"shape {tuple(idx.shape)}, dtype {idx.dtype}" if isinstance(idx, Tensor) else idx
            raise ValueError(
                f"{name}: expected an int64 tensor of shape ({B},) (batch_sizes[0] sequences), "
                f"got {got}"
            )
    return B
