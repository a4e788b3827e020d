"""Where a part was measured: the machine's name, CPU, cores and torch version."""

from __future__ import annotations

import functools
import os
import platform
import socket
from pathlib import Path
from typing import Any

import torch

__all__ = ["machine", "describe_machine"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


@functools.cache
def machine() -> dict[str, Any]:
    """hostname, cpu (model name from /proc/cpuinfo), cores (usable by this process), torch."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return {
        "hostname": socket.gethostname(),
        "cpu": _cpu_model(),
        "cores": cores,
        "torch": torch.__version__,
    }


def describe_machine(m: dict[str, Any], cores_word: str) -> str:
    """One line: "host · Intel(R) Xeon(R) … · 2 cores · torch 2.13.0"."""
    return f"{m['hostname']} · {m['cpu']} · {m['cores']} {cores_word} · torch {m['torch']}"
