"""The context-sensitive tasks of Delétang et al. (2023): solvable with a bounded tape.

Each docstring states the task as the paper defines it (Appendix A.3); its level, its name in the
paper and the paper's scores are its row of ``base.TABLE_2``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from lstmlab.tasks.formal.base import FormalTask

__all__ = ["DuplicateString", "BucketSort"]


class DuplicateString(FormalTask):
    """Duplicate String (CS): output the input string twice.

    Input: w = s_1 … s_ℓ over {0, 1}; output: ww (2ℓ symbols, emitted on 2ℓ empty tokens),
    scored per token — the language {ww} is context-sensitive (Delétang et al. 2023, A.3).
    """

    name: ClassVar[str] = "duplicate_string"
    n_symbols: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2

    def output_length(self, input_length: int) -> int:
        return 2 * input_length

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        bits = torch.randint(0, 2, (n, length), generator=gen)  # (n, ℓ)
        return bits, torch.cat([bits, bits], 1)  # (n, 2ℓ)


class BucketSort(FormalTask):
    """Bucket Sort (CS): output the input string sorted.

    Input: a string over {0, …, 4} (uniform); output: its symbols in increasing order, ℓ
    symbols on ℓ empty tokens, scored per token. Five counters solve it (Delétang et al. 2023,
    A.3), which is why the LSTM, a counter machine, nearly does.
    """

    name: ClassVar[str] = "bucket_sort"
    n_symbols: ClassVar[int] = 5
    n_classes: ClassVar[int] = 5

    def output_length(self, input_length: int) -> int:
        return input_length

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        symbols = torch.randint(0, self.n_symbols, (n, length), generator=gen)  # (n, ℓ)
        return symbols, symbols.sort(1).values  # (n, ℓ)
