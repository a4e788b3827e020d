"""What the kernels' ``torch.autograd.Function``s share."""

from __future__ import annotations

import inspect
from collections.abc import Callable

__all__ = ["positional"]


def positional(forward: Callable) -> Callable:
    """A Function's ``forward(*inputs)``, with its signature computed once.

    ``Function.apply`` binds its arguments to ``inspect.signature(forward)`` on every call when
    ``setup_context`` is separate (as ``torch.func`` needs). For a forward of 16 named parameters
    that is tens of µs a call, as long as a small layer's whole Python path; for ``*inputs`` with
    the signature cached, a few. A forward takes ``*inputs`` and unpacks them by name on its
    first line."""
    forward.__signature__ = inspect.signature(forward)
    return forward
