"""Build (once, cached) and load the fused C++ kernels in ``csrc/``.

Every ``csrc/*.cpp`` is compiled into one library with ``torch.utils.cpp_extension`` and registers
its operators with ``TORCH_LIBRARY_FRAGMENT(lstmlab, m)``; they are then ``torch.ops.lstmlab.*``.
Including only ATen and torch/library.h (no pybind11) keeps a cold build near 15 s per file.
The build is keyed by a hash of the sources, the torch version and the CPU's instruction set
flags (we compile with -march=native), so a changed kernel or machine rebuilds by itself.
``LSTMLAB_MARCH`` (default ``native``) names another ``-march`` target, for testing the kernels'
other instruction-set paths on one machine (``x86-64-v3``: AVX2, csrc/simd.h's 8-lane vectors,
``x86-64``: SSE2 only; tests/kernels/test_special_values.py runs them as slow tests, and
``benchmarks/speed.py --isa avx2`` times the first).
``lstmlab.kernels.cache`` keeps the result safe: verified before loading, rebuilt when damaged,
never blocked by a dead builder's lock, usable read-only.

If anything fails (no compiler, a compile error, ``LSTMLAB_NO_FUSED=1``), ``load()`` returns
False once, with a warning pointing at the caller's line, and the layers use the reference
recurrence: same results, slower. ``failure()`` says why.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
import warnings
from pathlib import Path

import torch

from lstmlab.kernels import cache

__all__ = ["load", "available", "build", "extension", "fused_disabled", "failure"]

CSRC = Path(__file__).parent / "csrc"
#: Changes whenever the cache layout does, so old caches are never read with new rules.
CACHE_FORMAT = "lstmlab-cache-2"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_failure: str | None = None


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


def fused_disabled() -> bool:
    """``LSTMLAB_NO_FUSED``: 1/true/yes/on disables the fused kernels, 0/false/no/off or unset
    does not; anything else is an error (a typo must not silently change the backend)."""
    raw = os.environ.get("LSTMLAB_NO_FUSED", "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"LSTMLAB_NO_FUSED: expected one of 1, true, yes, on (disable) or 0, false, no, off "
        f"(enable), got {raw!r}"
    )


def march() -> str:
    """The ``-march`` target: ``LSTMLAB_MARCH`` or ``native``."""
    raw = os.environ.get("LSTMLAB_MARCH", "").strip() or "native"
    if not all(ch.isalnum() or ch in "-_." for ch in raw):
        raise ValueError(f"LSTMLAB_MARCH: expected a -march name such as x86-64-v3, got {raw!r}")
    return raw


def extension() -> cache.Extension:
    """The kernels' sources and flags, named by a hash of everything that changes the binary."""
    sources = tuple(sorted(CSRC.glob("*.cpp")))
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for f in [*sources, *sorted(CSRC.glob("*.h"))]:
        digest.update(f.name.encode() + f.read_bytes())
    digest.update((torch.__version__ + platform.machine() + _cpu_flags()).encode())
    # OpenMP: the LSTM kernel runs its whole recurrence in one OpenMP team (one thread per chunk
    # of hidden units, a barrier per step). The pragmas bind to the libgomp torch already loaded.
    openmp = ("-fopenmp",) if _openmp() else ()
    target = march()
    digest.update(" ".join([*openmp, target]).encode())
    return cache.Extension(
        name=f"lstmlab_kernels_{digest.hexdigest()[:16]}",
        sources=sources,
        cflags=("-O3", f"-march={target}", "-fno-math-errno", "-fno-trapping-math", *openmp),
        ldflags=openmp,
        include_paths=(str(CSRC),),
    )


def build() -> tuple[Path, bool]:
    """Build the kernels now if the cache lacks them (``lstmlab build``); (library, built now).
    Raises ``cache.BuildError`` / ``cache.CacheError`` with the reason."""
    return cache.ensure_built(extension())


def _caller_stacklevel() -> int:
    """Stack level of the first frame outside lstmlab and torch: the user's line."""
    here = str(Path(__file__).parents[1])
    torch_dir = str(Path(torch.__file__).parent)
    frame, level = sys._getframe(1), 1
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(here) or name.startswith(torch_dir) or "functools" in name):
            return level
        frame, level = frame.f_back, level + 1
    return 1


@functools.cache
def load() -> bool:
    """Compile (first time) and load the kernels; True when ``torch.ops.lstmlab`` is ready."""
    global _failure
    if fused_disabled():
        _failure = "LSTMLAB_NO_FUSED is set"
        return False
    try:
        ext = extension()
        if not ext.sources:
            raise cache.BuildError(f"no C++ sources in {CSRC}")
        library, loaded = cache.ensure_built(ext)
        if not loaded:
            torch.ops.load_library(str(library))
        from lstmlab.kernels import fake

        fake.register()  # torch.compile's view of the ops
    except Exception as e:  # noqa: BLE001 - any failure means: use the reference path
        _failure = f"{type(e).__name__}: {e}"
        warnings.warn(
            f"lstmlab: the fused kernels are unavailable, using the reference recurrence "
            f"(same results, slower). Reason: {_failure}\nTo build them, fix the cause and run "
            "`lstmlab build`; to skip them without this warning, set LSTMLAB_NO_FUSED=1.",
            RuntimeWarning,
            stacklevel=_caller_stacklevel(),
        )
        return False
    return True


def failure() -> str | None:
    """Why ``load()`` returned False (None when it has not, or has not been called)."""
    return _failure


@torch.compiler.assume_constant_result
def available() -> bool:
    """``load()``, seen by torch.compile as a constant: the compiler must not trace the build
    (it reads files), only use its result."""
    return load()
