"""The embedded Reber grammar as a finite automaton: sample strings, and list legal successors.

The Reber grammar (Reber 1967), in the graph used by Cleeremans, Servan-Schreiber & McClelland
(1989) and Fahlman (1991); the embedded grammar wraps a Reber string as B T <reber> T E or
B P <reber> P E, so the second symbol must be remembered until the second-to-last one.
"""

from __future__ import annotations

import itertools

import torch

from lstmlab.checks import ArgumentError

SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")
INDEX = {s: i for i, s in enumerate(SYMBOLS)}

# node -> {symbol: next node}; at every node each out-edge is taken with equal probability.
REBER: dict[str, dict[str, str]] = {
    "start": {"B": "1"},
    "1": {"T": "2", "P": "3"},
    "2": {"S": "2", "X": "4"},
    "3": {"T": "3", "V": "5"},
    "4": {"X": "3", "S": "6"},
    "5": {"P": "4", "V": "6"},
    "6": {"E": "end"},
}


def embedded_edges() -> dict[str, dict[str, str]]:
    """B, then T or P, a Reber string on that branch, the same T or P again, then E."""
    edges = {"begin": {"B": "branch"}, "branch": {"T": "T/start", "P": "P/start"}}
    for branch in ("T", "P"):
        for node, out in REBER.items():
            edges[f"{branch}/{node}"] = {s: f"{branch}/{nxt}" for s, nxt in out.items()}
        edges[f"{branch}/end"] = {branch: "close"}  # the long-range dependency
    edges["close"] = {"E": "done"}
    edges["done"] = {}
    return edges


SHORTEST = 9  # B T | B T X S E | T E: the shortest inner Reber string has 5 symbols


class EmbeddedReber:
    """The automaton as tensors: `step[state, symbol]` is the next state, DEAD if illegal."""

    def __init__(self) -> None:
        edges = embedded_edges()
        states = list(edges)
        self.begin, self.done = states.index("begin"), states.index("done")
        self.dead = len(states)  # an absorbing state for illegal symbols
        self.step = torch.full((len(states) + 1, len(SYMBOLS)), self.dead)  # (S + 1, 7)
        self.prob = torch.zeros(len(states) + 1, len(SYMBOLS), dtype=torch.float64)  # (S + 1, 7)
        for i, state in enumerate(states):
            for symbol, nxt in edges[state].items():
                self.step[i, INDEX[symbol]] = states.index(nxt)
                self.prob[i, INDEX[symbol]] = 1.0 / len(edges[state])

    def tail_weights(self, k_max: int) -> torch.Tensor:
        """(S + 1, k_max + 1): column k is proportional to P(from state, >= k more symbols).

        Q[s, 0] = 1, Q[s, k] = sum_a p(a | s) Q[step(s, a), k - 1]. Each column is scaled to a
        maximum of 1: only ratios within a column are used, and the raw values fall like 0.73^k.
        """
        columns = [torch.ones(self.step.shape[0], dtype=torch.float64)]
        columns[0][self.dead] = 0.0
        for _ in range(k_max):
            q = (self.prob * columns[-1][self.step]).sum(dim=1)  # (S + 1,)
            columns.append(q / q.max())
        return torch.stack(columns, dim=1)

    def sample(self, n: int, min_length: int, g: torch.Generator) -> torch.Tensor:
        """n strings of length >= min_length, padded with -1: (n, L_max) int64.

        Exactly the grammar's distribution conditioned on length >= min_length (what rejection
        sampling gives), without rejections: at step t a symbol a is drawn with probability
        proportional to p(a | s) * P(the string can still reach min_length | step(s, a)).
        """
        Q = self.tail_weights(min_length)  # (S + 1, min_length + 1)
        state = torch.full((n,), self.begin)  # (n,)
        columns = []
        for t in itertools.count():
            active = (state != self.done).nonzero().squeeze(1)  # (n_active,)
            if active.numel() == 0:
                break
            need = max(min_length - t - 1, 0)  # symbols still required after this one
            s = state[active]
            weights = self.prob[s] * Q[self.step[s], need]  # (n_active, 7)
            # Inverse-CDF draw (several times faster than torch.multinomial); u in (0, 1], so a
            # symbol of weight 0 is never drawn.
            cdf = weights.cumsum(dim=1)  # (n_active, 7)
            u = 1.0 - torch.rand(len(s), 1, generator=g, dtype=torch.float64)  # (n_active, 1)
            symbol = (cdf < u * cdf[:, -1:]).sum(dim=1)  # (n_active,)
            column = torch.full((n,), -1)
            column[active] = symbol
            columns.append(column)
            state[active] = self.step[s, symbol]
        return torch.stack(columns, dim=1)

    def legal_next(self, tokens: torch.Tensor) -> torch.Tensor:
        """(n, L) symbols, -1 = padding -> (n, L, 7) bool: the legal successors of each prefix.

        Raises ValueError if a string leaves the grammar.
        """
        state = torch.full((tokens.shape[0],), self.begin)
        legal = []
        for t in range(tokens.shape[1]):
            symbol = tokens[:, t]
            state = torch.where(symbol >= 0, self.step[state, symbol.clamp(min=0)], state)
            legal.append(self.step[state] != self.dead)  # (n, 7)
        if (state == self.dead).any():
            raise ArgumentError(
                "tokens: expected strings of the embedded Reber grammar, got others", "tokens"
            )
        return torch.stack(legal, dim=1)
