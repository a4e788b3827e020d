"""Build (once, cached) and load the fused C++ kernels in ``csrc/``.

Every ``csrc/*.cpp`` is compiled into one library with ``torch.utils.cpp_extension`` and registers
its operators with ``TORCH_LIBRARY_FRAGMENT(lstmlab, m)``; they are then ``torch.ops.lstmlab.*``.
Including only ATen and torch/library.h (no pybind11) keeps a cold build near 15 s per file.
The build is keyed by a hash of the sources, the torch version and the CPU's instruction set
flags (we compile with -march=native), so a changed kernel or machine rebuilds by itself.

If anything fails (no compiler, no ninja, ``LSTMLAB_NO_FUSED=1``), ``load()`` returns False once
with a warning, and the layers use the reference recurrence: same results, slower.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import warnings
from pathlib import Path

import torch

__all__ = ["load", "available"]

CSRC = Path(__file__).parent / "csrc"


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor()


def _openmp() -> bool:
    """True when torch itself runs on OpenMP (then our pragmas share its thread pool)."""
    return (
        platform.system() == "Linux"
        and torch.backends.openmp.is_available()
        and "parallel backend: OpenMP" in torch.__config__.parallel_info()
    )


@functools.cache
def load() -> bool:
    """Compile (first time) and load the kernels; True when ``torch.ops.lstmlab`` is ready."""
    if os.environ.get("LSTMLAB_NO_FUSED"):
        return False
    sources = sorted(CSRC.glob("*.cpp"))
    if not sources:
        return False
    digest = hashlib.sha256()
    for f in [*sources, *sorted(CSRC.glob("*.h"))]:
        digest.update(f.name.encode() + f.read_bytes())
    digest.update((torch.__version__ + platform.machine() + _cpu_flags()).encode())
    # OpenMP: the LSTM kernel runs its whole recurrence in one OpenMP team (one thread per chunk
    # of hidden units, a barrier per step). The pragmas bind to the libgomp torch already loaded.
    openmp = ["-fopenmp"] if _openmp() else []
    digest.update(" ".join(openmp).encode())
    name = f"lstmlab_kernels_{digest.hexdigest()[:16]}"
    try:
        from torch.utils.cpp_extension import load as cpp_load

        cpp_load(
            name,
            [str(s) for s in sources],
            extra_cflags=["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", *openmp],
            extra_ldflags=openmp,
            extra_include_paths=[str(CSRC)],
            is_python_module=False,
            verbose=bool(os.environ.get("LSTMLAB_VERBOSE_BUILD")),
        )
    except Exception as e:  # noqa: BLE001 - any build failure means: use the reference path
        warnings.warn(
            f"lstmlab: the fused kernels could not be built ({type(e).__name__}: {e}); "
            "falling back to the reference recurrence (same results, slower).",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    return True


def available() -> bool:
    return load()
