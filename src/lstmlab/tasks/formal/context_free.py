"""The deterministic context-free tasks of Delétang et al. (2023): solvable with a stack.

Each docstring states the task as the paper defines it (Appendix A.3); its level, its name in the
paper and the paper's scores are its row of ``base.TABLE_2``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from lstmlab.tasks.base import IGNORE_INDEX
from lstmlab.tasks.formal.base import FormalTask

__all__ = ["ReverseString", "StackManipulation"]


class ReverseString(FormalTask):
    """Reverse String (DCF): output the input string reversed.

    Input: s_1 … s_ℓ over {0, 1}; output: s_ℓ … s_1, emitted on ℓ empty tokens; scored per
    token (Delétang et al. 2023, A.3). A stack solves it: push while reading, pop while writing.
    """

    name: ClassVar[str] = "reverse_string"
    n_symbols: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2

    def output_length(self, input_length: int) -> int:
        return input_length

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        bits = torch.randint(0, 2, (n, length), generator=gen)  # (n, ℓ)
        return bits, bits.flip(1)  # (n, ℓ)


# Stack manipulation's input symbols: stack contents 0, 1, then the three actions.
POP, PUSH_0, PUSH_1 = 2, 3, 4
END = 2  # output symbol: the bottom of the final stack has been passed


class StackManipulation(FormalTask):
    """Stack Manipulation (DCF): run push/pop actions on a given stack, output the final stack.

    Input: a stack over {0, 1} given bottom to top, then actions POP, PUSH 0, PUSH 1 (symbols
    2, 3, 4); a POP on an empty stack is ignored. Output: the final stack top to bottom (as if
    popped), then the termination symbol 2, then 0s up to ℓ + 1 symbols. The accuracy counts
    the positions up to and including the termination symbol; the loss covers all ℓ + 1
    (Delétang et al. 2023, A.3, as the official code scores it). Sampling as the official code:
    the initial stack has k ~ U{1, …, ℓ − 1} symbols (k = 1 when ℓ = 1), then ℓ − k actions,
    each uniform.
    """

    name: ClassVar[str] = "stack_manipulation"
    n_symbols: ClassVar[int] = 5
    n_classes: ClassVar[int] = 3

    def output_length(self, input_length: int) -> int:
        return input_length + 1

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        k = torch.randint(1, max(1, length - 1) + 1, (n, 1), generator=gen)  # (n, 1) stack size
        contents = torch.randint(0, 2, (n, length), generator=gen)  # (n, ℓ)
        actions = torch.randint(POP, PUSH_1 + 1, (n, length), generator=gen)  # (n, ℓ)
        tokens = torch.where(torch.arange(length) < k, contents, actions)  # (n, ℓ)
        # Run the stack: the initial contents are pushes too. buffer[i, :top[i]] is stack i.
        buffer = torch.zeros(n, length, dtype=torch.int64)  # (n, ℓ): never more than ℓ pushes
        top = torch.zeros(n, dtype=torch.int64)  # (n,)
        rows = torch.arange(n)
        for t in range(length):
            s = tokens[:, t]
            push = s != POP
            value = torch.where(s == PUSH_1, 1, torch.where(s == PUSH_0, 0, s))
            slot = top.clamp(max=length - 1)
            buffer[rows, slot] = torch.where(push, value, buffer[rows, slot])
            top = torch.where(push, top + 1, (top - 1).clamp(min=0))
        # Output j reads buffer[top − 1 − j] while j < top, END at j = top, then 0s.
        j = torch.arange(length + 1)  # (ℓ + 1,)
        read = (top.unsqueeze(1) - 1 - j).clamp(min=0)  # (n, ℓ + 1)
        popped = buffer.gather(1, read.clamp(max=length - 1))  # (n, ℓ + 1)
        inside = j < top.unsqueeze(1)
        outputs = torch.where(inside, popped, torch.where(j == top.unsqueeze(1), END, 0))
        return tokens, outputs

    def accuracy_mask(self, y: Tensor) -> Tensor:
        """Output positions up to and including the first termination symbol."""
        is_end = (y == END).long()  # (N, T); input steps hold IGNORE_INDEX, never END
        after_end = (is_end.cumsum(1) - is_end) > 0  # strictly after the first END
        return (y != IGNORE_INDEX) & ~after_end
