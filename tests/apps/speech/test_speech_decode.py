"""CTC decoding on hand-made posteriors: best path, prefix beam search, and where they differ."""

import itertools
import math

import numpy as np
import pytest

from lstmlab.apps.speech.decode import beam_search, collapse, greedy


def _log(p):
    return np.log(np.asarray(p, dtype=np.float64))


def _best_labelling(log_probs: np.ndarray) -> tuple[tuple[int, ...], float]:
    """Brute force: p(l|x) summed over every path, the most probable l."""
    T, C = log_probs.shape
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(C), repeat=T):
        p = math.exp(sum(log_probs[t, s] for t, s in enumerate(path)))
        key = tuple(collapse(path))
        totals[key] = totals.get(key, 0.0) + p
    best = max(totals, key=totals.get)
    return best, totals[best]


def test_collapse_merges_repeats_then_drops_blanks():
    assert collapse([1, 1, 0, 1, 2, 2, 0, 0, 3]) == [1, 1, 2, 3]
    assert collapse([0, 0, 0]) == []


def test_greedy_reads_the_best_path():
    lp = _log([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]])
    assert greedy(lp) == [1, 1, 2]


def test_beam_and_greedy_differ_where_many_paths_outweigh_the_best_one():
    # Two steps, blank 0.6 and "a" 0.4 at each: the best path is (blank, blank) = "" with 0.36,
    # but "a" collects (a, a), (a, -), (-, a) = 0.16 + 0.24 + 0.24 = 0.64.
    lp = _log([[0.6, 0.4], [0.6, 0.4]])
    assert greedy(lp) == []
    assert beam_search(lp, width=4) == [1]
    assert _best_labelling(lp)[0] == (1,)


def test_beam_separates_a_repeated_label_only_across_a_blank():
    # "1 1" needs a blank between the two 1s; a path 1,1 is the single label "1".
    lp = _log([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]])
    assert beam_search(lp, width=8) == [1, 1]
    lp = _log([[0.05, 0.9, 0.05], [0.05, 0.9, 0.05], [0.05, 0.9, 0.05]])
    assert beam_search(lp, width=8) == [1]


@pytest.mark.parametrize("seed", range(6))
def test_wide_beam_finds_the_most_probable_labelling(seed):
    rng = np.random.default_rng(seed)
    T, C = 5, 3
    logits = rng.normal(0, 1.5, (T, C))
    lp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    best, _ = _best_labelling(lp)
    assert tuple(beam_search(lp, width=C**T)) == best


def test_decoders_reject_bad_input():
    with pytest.raises(ValueError, match=r"log_probs: expected a numpy array \(T, C\), got"):
        greedy(np.zeros(4))
    with pytest.raises(ValueError, match="width: expected an int >= 1, got 0"):
        beam_search(np.zeros((3, 2)), width=0)
