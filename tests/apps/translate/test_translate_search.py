"""Greedy decoding and beam search, on a hand-built model where they must differ."""

import math

import pytest
import torch

from lstmlab.apps.translate.search import beam_search, greedy
from lstmlab.apps.translate.tokens import BOS, EOS

A, B, C = 4, 5, 6  # three words after the specials


class TableModel:
    """p(next word | words so far) from a fixed table; the state is the prefix fed so far.

    After <s>: A 0.6, B 0.4. After A: C 0.4, </s> 0.3, A 0.3. After B: </s> 0.9.
    Greedy takes A (0.6), C (0.4), </s>: p = 0.24. Beam search (K = 2) finds B </s>: p = 0.36.
    """

    V = 7
    table = {
        (BOS,): {A: 0.6, B: 0.4},
        (BOS, A): {C: 0.4, EOS: 0.3, A: 0.3},
        (BOS, B): {EOS: 0.9, C: 0.1},
    }

    def encode(self, src, src_len):
        return (src,), (src.new_zeros(src.shape[0], 0),)

    def step(self, y_prev, state, memory):
        prefix = torch.cat([state[0], y_prev.unsqueeze(1)], dim=1)
        rows = []
        for p in prefix.tolist():
            probs = self.table.get(tuple(p), {EOS: 1.0})
            rows.append([math.log(probs.get(v, 1e-9)) for v in range(self.V)])
        alpha = torch.full((len(rows), memory[0].shape[1]), 1.0 / memory[0].shape[1])
        return torch.tensor(rows), (prefix,), alpha


def test_beam_search_finds_what_greedy_misses():
    src, n = torch.tensor([[7, 8, 9]]), torch.tensor([3])
    g = greedy(TableModel(), src, n, max_len=5)[0]
    assert g.tokens == [A, C, EOS]
    assert g.score == pytest.approx(math.log(0.6 * 0.4), abs=1e-5)
    b = beam_search(TableModel(), src, n, beam=2, max_len=5)
    assert b.tokens == [B, EOS]
    assert b.score == pytest.approx(math.log(0.4 * 0.9), abs=1e-5)
    assert b.attention.shape == (2, 3)  # one row of α per target word
    assert beam_search(TableModel(), src, n, beam=1, max_len=5).tokens == g.tokens


def test_greedy_stops_each_sentence_at_its_end():
    src, n = torch.tensor([[7, 8, 9], [7, 8, 0]]), torch.tensor([3, 2])
    out = greedy(TableModel(), src, n, max_len=6)
    assert all(h.tokens[-1] == EOS for h in out)
    assert all(h.attention.shape == (len(h.tokens), 3) for h in out)


def test_beam_search_rejects_bad_arguments():
    src, n = torch.tensor([[7, 8]]), torch.tensor([2])
    with pytest.raises(ValueError, match="beam: expected an int >= 1, got 0"):
        beam_search(TableModel(), src, n, beam=0, max_len=5)
    with pytest.raises(ValueError, match=r"src: expected one sentence, shape \(1, S\), got"):
        beam_search(TableModel(), src.repeat(2, 1), n.repeat(2), beam=2, max_len=5)
