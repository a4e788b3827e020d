"""The regular tasks of Delétang et al. (2023): solvable by a finite-state automaton.

Each docstring states the task as the paper defines it (Appendix A.3); its level, its name in the
paper and the paper's scores are its row of ``base.TABLE_2``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from lstmlab.tasks.formal.base import FormalTask

__all__ = ["ParityCheck", "ModularArithmetic", "EvenPairs", "CycleNavigation"]


class ParityCheck(FormalTask):
    """Parity Check (R): is the number of 1s in a binary string odd?

    Input: a string over {0, 1}; output: one class, 1 if the string holds an odd number of 1s
    (the XOR of its bits), else 0. A 2-state automaton solves it (Delétang et al. 2023, A.3).
    """

    name: ClassVar[str] = "parity"
    n_symbols: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        bits = torch.randint(0, 2, (n, length), generator=gen)  # (n, ℓ)
        return bits, bits.sum(1, keepdim=True) % 2  # (n, 1)


class EvenPairs(FormalTask):
    """Even Pairs (R): is the number of "01" and "10" pairs in a binary string odd?

    Input: a string over {0, 1}; output: 1 if the count of unequal adjacent pairs is odd, else 0
    — equivalently, whether the first and the last symbol differ (Delétang et al. 2023, A.3).
    """

    name: ClassVar[str] = "even_pairs"
    n_symbols: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        bits = torch.randint(0, 2, (n, length), generator=gen)  # (n, ℓ)
        unequal = (bits[:, 1:] != bits[:, :-1]).sum(1, keepdim=True)  # (n, 1)
        return bits, unequal % 2


# Cycle navigation's moves: symbol → step on the cycle (the paper's STAY, INCREASE, DECREASE).
MOVES = (0, 1, -1)
CYCLE = 5


class CycleNavigation(FormalTask):
    """Cycle Navigation (R): where does a walk on a cycle of length 5 end?

    Input: moves over {0, 1, 2} = STAY, INCREASE, DECREASE, starting at position 0; output:
    the end position (sum of the moves mod 5), one of 5 classes (Delétang et al. 2023, A.3; the
    official code orders the three moves differently, a relabelling of one-hot inputs).
    """

    name: ClassVar[str] = "cycle_navigation"
    n_symbols: ClassVar[int] = 3
    n_classes: ClassVar[int] = CYCLE

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        moves = torch.randint(0, 3, (n, length), generator=gen)  # (n, ℓ)
        steps = torch.tensor(MOVES)[moves]  # (n, ℓ) in {0, +1, −1}
        return moves, steps.sum(1, keepdim=True) % CYCLE  # (n, 1); % is ≥ 0 in torch


# Modular arithmetic's symbols: 0 … 4 are the residues, then the operators.
MODULUS = 5
PLUS, MINUS, TIMES = MODULUS, MODULUS + 1, MODULUS + 2


class ModularArithmetic(FormalTask):
    """Modular Arithmetic (Simple) (R): the value mod 5 of an expression without brackets.

    Input: an expression n_0 o_1 n_1 … o_k n_k of residues n_i ∈ {0, …, 4} and operators
    o_i ∈ {+, −, ·} (uniform), evaluated with the usual precedence (· before + and −) in the
    integers, then taken mod 5; output: that residue, one of 5 classes (Delétang et al. 2023,
    A.3). Expressions have odd length: an even length ℓ gives ℓ − 1 symbols, as the official
    code does (the paper's text says ℓ + 1). Symbols: 0–4 residues, 5 "+", 6 "−", 7 "·".
    """

    name: ClassVar[str] = "modular_arithmetic"
    n_symbols: ClassVar[int] = MODULUS + 3
    n_classes: ClassVar[int] = MODULUS

    def sample(self, n: int, length: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        terms = (length - 1) // 2  # operators; 2·terms + 1 symbols, the odd length ≤ ℓ
        numbers = torch.randint(0, MODULUS, (n, terms + 1), generator=gen)  # (n, k + 1)
        operators = torch.randint(PLUS, TIMES + 1, (n, terms), generator=gen)  # (n, k)
        tokens = torch.empty(n, 2 * terms + 1, dtype=torch.int64)  # (n, 2k + 1)
        tokens[:, 0::2], tokens[:, 1::2] = numbers, operators
        # The one-pass automaton: a sum s of the finished terms and the running product p of
        # the current term, both mod 5; "+"/"−" close the term, "·" extends it.
        s = torch.zeros(n, dtype=torch.int64)
        p = numbers[:, 0].clone()
        for j in range(terms):
            o, v = operators[:, j], numbers[:, j + 1]
            closes = o != TIMES
            s = torch.where(closes, (s + p) % MODULUS, s)
            p = torch.where(o == TIMES, p * v, torch.where(o == PLUS, v, -v)) % MODULUS
        return tokens, ((s + p) % MODULUS).unsqueeze(1)  # (n, 1)
