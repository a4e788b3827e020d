"""Shared test helpers for lstmlab.tasks: oracle outputs and an independent Reber recogniser.

The Reber helpers here are written from the grammar's published graph, not from
lstmlab.tasks.reber_grammar, so that the tests check the library against a second transcription.
"""

from __future__ import annotations

import pathlib
import re
import sys
from types import SimpleNamespace

import pytest
import torch

try:
    import lstmlab.tasks  # noqa: F401
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "src"))

REBER_SYMBOLS = "BTPSXVE"  # the order of the one-hot units

# The Reber language as a regular expression, by eliminating the graph's states by hand.
REBER = r"B(?:TS*X(?:S|XT*V(?:PXT*V)*(?:V|PS))|PT*V(?:PXT*V)*(?:V|PS))E"
EMBEDDED_REBER = re.compile(rf"B([TP]){REBER}\1E")

# Reber graph, nodes renamed: node -> [(symbol, next node)], None = end of the inner string.
REBER_GRAPH = {
    "a": [("T", "b"), ("P", "c")],
    "b": [("S", "b"), ("X", "d")],
    "c": [("T", "c"), ("V", "e")],
    "d": [("X", "c"), ("S", "f")],
    "e": [("P", "d"), ("V", "f")],
    "f": [("E", None)],
}


def legal_successors(string: str) -> list[set[str]]:
    """For each prefix string[: i + 1] of an embedded Reber string, the symbols that may follow."""
    out = [{"T", "P"}, {"B"}, {"T", "P"}]  # after B, after the outer T/P, after the inner B
    node = "a"
    for symbol in string[3:]:
        if node is None:  # the inner string ended; the outer T/P, then E, then nothing
            out.append({"E"} if len(out) == len(string) - 2 else set())
            continue
        node = dict(REBER_GRAPH[node])[symbol]
        out.append({s for s, _ in REBER_GRAPH[node]} if node else {string[1]})
    return out


def reber_strings(data) -> list[str]:
    """The whole strings: the inputs, then the final target (the E that is never an input)."""
    strings = []
    for x, y in zip(data.x, data.y, strict=True):
        inputs = [REBER_SYMBOLS[int(i)] for i in x.argmax(-1)[x.sum(-1) > 0]]
        strings.append("".join(inputs) + REBER_SYMBOLS[int(y[len(inputs) - 1])])
    return strings


def reber_logits(data, legal: list[list[set[str]]]) -> torch.Tensor:
    """Logits 0 for the given legal symbols and -20 for the others, at each input step."""
    N, T, C = data.x.shape
    out = torch.full((N, T, C), -20.0)
    for i, sets in enumerate(legal):
        for t, symbols in enumerate(sets[:-1]):  # the last set follows the final E: not scored
            for s in symbols:
                out[i, t, REBER_SYMBOLS.index(s)] = 0.0
    return out


def perfect_output(task, data) -> torch.Tensor:
    """The output of a predictor that knows the answer (legal successors, for Reber)."""
    N, T = data.x.shape[:2]
    if task.name == "reber":
        return reber_logits(data, [legal_successors(s) for s in reber_strings(data)])
    if task.loss == "mse":
        out = torch.zeros(N, T, task.output_size)
        out[:, -1] = data.y
        return out
    if task.target == "last":
        out = torch.zeros(N, T, task.output_size)
        out[torch.arange(N), -1, data.y] = 20.0
        return out
    return torch.nn.functional.one_hot(data.y, task.output_size).float() * 40.0 - 20.0


def baseline_output(task, data) -> torch.Tensor:
    """The output of a predictor without memory: the mean target, or uniform logits."""
    N, T = data.x.shape[:2]
    if task.loss == "mse":
        mean = {"adding": 1.0, "multiplication": 0.25}[task.name]
        return torch.full((N, T, task.output_size), mean)
    return torch.zeros(N, T, task.output_size)


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    return SimpleNamespace(
        perfect=perfect_output,
        baseline=baseline_output,
        reber_strings=reber_strings,
        reber_logits=reber_logits,
        legal_successors=legal_successors,
        embedded_reber=EMBEDDED_REBER,
        reber_graph=REBER_GRAPH,
    )
