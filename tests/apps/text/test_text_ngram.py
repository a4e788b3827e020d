import numpy as np
import pytest

from lstmlab.apps.text.ngram import KneserNey, select_order


@pytest.mark.parametrize("order", [1, 2, 5])
def test_probabilities_sum_to_one_in_every_context(order):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 6, 400)  # a toy corpus over 6 symbols
    lm = KneserNey(order, vocab_size=7).fit(train)  # symbol 6 never occurs
    for context in ([], [0], [1, 2, 3, 4], [6, 6, 6, 6], train[-4:]):
        p = lm.distribution(np.array(context, dtype=np.int64))
        assert p.shape == (7,) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_prob_matches_distribution_and_learns_structure():
    text = np.array([0, 1, 2, 3] * 50)  # deterministic cycle: each symbol fixes the next
    lm = KneserNey(3, vocab_size=5).fit(text)
    p = lm.prob(text[:12])
    assert p[4] == pytest.approx(lm.distribution(text[2:4])[text[4]])
    assert np.all(p[2:] > 0.9)  # after two symbols the next is almost certain
    assert lm.bits_per_char(text) < 0.2 < np.log2(4)


def test_higher_order_wins_on_text_with_long_patterns():
    rng = np.random.default_rng(1)
    words = [rng.integers(0, 8, 6) for _ in range(20)]
    train = np.concatenate([words[k] for k in rng.integers(0, 20, 400)])
    val = np.concatenate([words[k] for k in rng.integers(0, 20, 50)])
    best, scores = select_order(train, val, 8, range(1, 6))
    assert best.order == min(scores, key=scores.get)
    assert scores[5] < scores[2] < scores[1]


def test_bad_input():
    with pytest.raises(ValueError, match="order: expected an int >= 1, got 0"):
        KneserNey(0, 5)
    with pytest.raises(ValueError, match=r"ids: expected ids in \[0, 5\)"):
        KneserNey(2, 5).fit(np.array([1, 7]))
