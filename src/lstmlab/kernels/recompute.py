"""The fused kernels' backward as a differentiable function, for derivatives of derivatives.

The hand-written BPTT in C++ computes the first derivatives fast but is not
itself differentiable. When autograd records the backward (``create_graph=True``: Hessian-vector
products, gradient penalties, MAML, ``torch.func.grad``), the fused ``autograd.Function``s call
``vjp`` instead: it re-runs the reference recurrence — the same function, the cells' equations
step by step — on the saved inputs and takes its vector-Jacobian product with autograd, so the
result is the exact first derivative *and* has a graph for the next one. It costs one reference
forward and backward, paid only when higher derivatives are asked for.

Also the two chores every fused backward shares: zeros for an output the loss did not use, and
handing autograd only the gradients it asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

__all__ = ["wants_graph", "vjp", "zeros_if_none", "asked"]


def wants_graph(*tensors: Tensor | None) -> bool:
    """True inside a backward that autograd records (``create_graph=True``) and that has
    something to record: a saved input or an incoming gradient that requires grad."""
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def zeros_if_none(grad: Tensor | None, like: Tensor) -> Tensor:
    """The incoming gradient of an output, zeros (shaped as ``like``) if the loss did not use it
    (``ctx.set_materialize_grads(False)`` passes None): the C++ backward takes tensors."""
    return torch.zeros_like(like) if grad is None else grad


def asked(needs: Sequence[bool], grads: Sequence[Tensor | None]) -> tuple[Tensor | None, ...]:
    """``grads[j]`` where ``needs[j]`` (``ctx.needs_input_grad``), None elsewhere: a kernel
    computes some gradients together, and autograd must get only those it asked for."""
    return tuple(g if n else None for g, n in zip(grads, needs, strict=False))


def vjp(
    fn: Callable[..., Sequence[Tensor]],
    inputs: Sequence[Tensor | None],
    needs: Sequence[bool],
    grads: Sequence[Tensor | None],
) -> list[Tensor | None]:
    """Σ_k grads[k]ᵀ·∂fn(*inputs)[k]/∂inputs[j] for every j with ``needs[j]`` (None elsewhere),
    differentiable in ``inputs`` and ``grads``. A None in ``grads`` is an output the loss did not
    use; a None in ``inputs`` is an absent optional weight."""
    wrt = [j for j, (t, n) in enumerate(zip(inputs, needs, strict=True)) if n and t is not None]
    result: list[Tensor | None] = [None] * len(inputs)
    if not wrt or all(g is None for g in grads):
        return result

    def f(*diff: Tensor) -> tuple[Tensor, ...]:
        args = list(inputs)
        for j, t in zip(wrt, diff, strict=True):
            args[j] = t
        return tuple(fn(*args))

    with torch.enable_grad():
        outs, pullback = torch.func.vjp(f, *(inputs[j] for j in wrt))
        cotangents = tuple(
            torch.zeros_like(o) if g is None else g for o, g in zip(outs, grads, strict=True)
        )
        for j, d in zip(wrt, pullback(cotangents), strict=True):
            result[j] = d
    return result
