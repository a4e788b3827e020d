"""The context-sensitive tasks of Delétang et al. (2023): solvable with a bounded tape.

Each docstring states the task as the paper defines it (Appendix A.3) and the paper's Table 2
scores of the LSTM and the Transformer (%, best of 10 seeds × 3 learning rates).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from lstmlab.tasks.formal.base import PAPER, FormalTask

__all__ = ["DuplicateString", "BucketSort"]


class DuplicateString(FormalTask):
    """Duplicate String (CS): output the input string twice.

    Input: w = s_1 … s_ℓ over {0, 1}; output: ww (2ℓ symbols, emitted on 2ℓ empty tokens),
    scored per token — the language {ww} is context-sensitive (Delétang et al. 2023, A.3).
    Paper, Table 2: LSTM 57.6, Transformer 52.8.
    """

    name: ClassVar[str] = "duplicate_string"
    source: ClassVar[str] = f"{PAPER}: Duplicate String (CS)"
    level: ClassVar[str] = "context-sensitive"
    n_symbols: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2
    paper_scores: ClassVar[dict[str, float]] = {"lstm": 57.6, "transformer": 52.8}

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
    Paper, Table 2: LSTM 99.3, Transformer 91.9.
    """

    name: ClassVar[str] = "bucket_sort"
    source: ClassVar[str] = f"{PAPER}: Bucket Sort (CS)"
    level: ClassVar[str] = "context-sensitive"
    n_symbols: ClassVar[int] = 5
    n_classes: ClassVar[int] = 5
    paper_scores: ClassVar[dict[str, float]] = {"lstm": 99.3, "transformer": 91.9}

    def output_length(self, input_length: int) -> int:
        return input_length

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        symbols = torch.randint(0, self.n_symbols, (n, length), generator=gen)  # (n, ℓ)
        return symbols, symbols.sort(1).values  # (n, ℓ)
