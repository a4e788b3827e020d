"""Argument checks shared by every package of lstmlab (cells, layers, models, tasks, training,
apps). This module imports nothing of lstmlab, so any package may use it.

Every message names the argument, what was expected and what was given (the habit of torch.nn's
"Expected hidden size ..., got ..."), and every error carries the argument's name in
``.argument``, so a caller (the CLI) can point at the option without parsing the message.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "check_int",
    "check_flag",
    "check_positive",
    "check_nonnegative",
    "check_fraction",
    "check_choice",
    "check_proj_size",
    "check_heads",
    "check_tensor",
    "check_shape",
    "check_lengths",
    "check_packed_layout",
]


class ArgumentError(ValueError):
    """A bad value for one argument (or config field); ``argument`` names it."""

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type. It is a ``TypeError`` (as torch.nn raises for a float
    hidden size) and also a ``ValueError``, so ``except ValueError`` catches every bad argument
    (as the tasks' checks always promised)."""


def check_int(name: str, value: object, minimum: int, why: str = "") -> int:
    """``value`` as an int >= ``minimum`` (any integral number but a bool); ``why`` says where the
    bound comes from, e.g. ``check_int("lag", lag, 2, why="one marker in each half")``."""
    # The short form "an int >= m" states a type bound; with a reason the message reads as a
    # sentence: "lag: expected an integer >= 2 (one marker in each half), got 1".
    wanted = f"an integer >= {minimum} ({why})" if why else f"an int >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(
            f"{name}: expected {wanted}, got {type(value).__name__} {value!r}", name
        )
    if value < minimum:
        raise ArgumentError(f"{name}: expected {wanted}, got {value}", name)
    return int(value)


def check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(
            f"{name}: expected a bool, got {type(value).__name__} {value!r}", name
        )
    return value


def _number(name: str, value: object, wanted: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            f"{name}: expected {wanted}, got {type(value).__name__} {value!r}", name
        )
    return value  # type: ignore[return-value]


def check_positive(name: str, value: object, finite: bool = False) -> float:
    """A number > 0 (NaN is refused); ``finite`` refuses +inf too (inf is "no limit" elsewhere)."""
    _number(name, value, "a number > 0")
    if not value > 0:  # type: ignore[operator]
        raise ArgumentError(f"{name}: expected a number > 0, got {value}", name)
    if finite and not math.isfinite(value):  # type: ignore[arg-type]
        raise ArgumentError(f"{name}: expected a finite number > 0, got {value}", name)
    return value  # type: ignore[return-value]


def check_nonnegative(name: str, value: object) -> float:
    """A finite number >= 0."""
    _number(name, value, "a number >= 0")
    if not 0 <= value < math.inf:  # type: ignore[operator]
        raise ArgumentError(f"{name}: expected a finite number >= 0, got {value}", name)
    return value  # type: ignore[return-value]


def check_fraction(name: str, value: object, what: str = "a number") -> float:
    """A number in [0, 1) (a probability that must leave something: dropout, momentum);
    ``what`` names it in the message ("a float", "a probability")."""
    _number(name, value, f"{what} in [0, 1)")
    if not 0 <= value < 1:  # type: ignore[operator]
        raise ArgumentError(f"{name}: expected {what} in [0, 1), got {value}", name)
    return value  # type: ignore[return-value]


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise ArgumentError(f"{name}: expected one of {', '.join(choices)}, got {value!r}", name)
    return value  # type: ignore[return-value]


def check_proj_size(proj_size: object, hidden_size: int) -> int:
    """The LSTM's projection size P (Sak et al. 2014): 0 for none, else a size < hidden_size."""
    size = check_int("proj_size", proj_size, 0)
    if size >= hidden_size:
        raise ArgumentError(
            f"proj_size: expected 0 or a size < hidden_size={hidden_size}, got {proj_size}",
            "proj_size",
        )
    return size


def check_heads(num_heads: object, hidden_size: object) -> int:
    """A number of heads that divides ``hidden_size`` (xLSTM's sLSTM and mLSTM: d = H / NH)."""
    n = check_int("num_heads", num_heads, 1)
    if check_int("hidden_size", hidden_size, 1) % n:
        raise ArgumentError(
            f"num_heads: expected a divisor of hidden_size={hidden_size}, got {num_heads}",
            "num_heads",
        )
    return n


def check_tensor(name: str, value: object, like: Tensor) -> Tensor:
    """A floating tensor with the dtype and device of ``like`` (the layer's parameters)."""
    if not isinstance(value, Tensor):
        raise ArgumentTypeError(
            f"{name}: expected a torch.Tensor, got {type(value).__name__}", name
        )
    if not value.is_floating_point():
        raise ArgumentTypeError(
            f"{name}: expected a floating-point tensor of dtype {like.dtype}, "
            f"got dtype {value.dtype}",
            name,
        )
    if value.dtype != like.dtype:
        raise ArgumentTypeError(
            f"{name}: expected dtype {like.dtype} (the layer's parameters), "
            f"got {value.dtype}; convert one of them with .to()",
            name,
        )
    if value.device != like.device:
        raise ArgumentError(
            f"{name}: expected a tensor on {like.device} (the layer's parameters), "
            f"got one on {value.device}",
            name,
        )
    return value


def check_shape(name: str, value: Tensor, expected: tuple[int, ...]) -> Tensor:
    if tuple(value.shape) != tuple(expected):
        raise ArgumentError(
            f"{name}: expected shape {tuple(expected)}, got {tuple(value.shape)}", name
        )
    return value


def check_lengths(lengths: Sequence[int] | Tensor, batch: int, steps: int) -> Tensor:
    """Sequence lengths for a padded batch: B integers in [1, T], as a CPU int64 tensor."""
    if isinstance(lengths, Tensor):
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise ArgumentTypeError(
                f"lengths: expected integers, got a tensor of dtype {lengths.dtype}", "lengths"
            )
        t = lengths.detach().to("cpu", torch.int64)
    else:
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in lengths):
            raise ArgumentTypeError(
                f"lengths: expected a sequence of ints, got {lengths!r}", "lengths"
            )
        t = torch.tensor(list(lengths), dtype=torch.int64)
    if t.dim() != 1 or t.numel() != batch:
        raise ArgumentError(
            f"lengths: expected {batch} lengths (one per sequence of the batch), "
            f"got shape {tuple(t.shape)}",
            "lengths",
        )
    bad = ((t < 1) | (t > steps)).nonzero()
    if len(bad):
        j = int(bad[0])
        raise ArgumentError(
            f"lengths: expected every length in [1, {steps}] (the padded sequence "
            f"length), got {int(t[j])} at index {j}",
            "lengths",
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
        raise ArgumentError(
            "batch_sizes: expected a non-empty 1-D CPU int64 tensor (as pack_padded_sequence "
            f"makes it), got {got}",
            "batch_sizes",
        )
    B = int(batch_sizes[0])
    for name, idx in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
        if idx is not None and (
            not isinstance(idx, Tensor) or idx.dtype != torch.int64 or tuple(idx.shape) != (B,)
        ):
            got = f"shape {tuple(idx.shape)}, dtype {idx.dtype}" if isinstance(idx, Tensor) else idx
            raise ArgumentError(
                f"{name}: expected an int64 tensor of shape ({B},) (batch_sizes[0] sequences), "
                f"got {got}",
                name,
            )
    return B
