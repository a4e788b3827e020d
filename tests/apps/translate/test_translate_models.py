"""The encoder–decoders: shapes, masks, teacher forcing = stepping, every core and attention."""

import pytest
import torch

from lstmlab.apps.translate.recurrent import RecurrentSeq2Seq, reverse_padded
from lstmlab.apps.translate.search import beam_search, greedy
from lstmlab.apps.translate.transformer import TransformerSeq2Seq

V_SRC, V_TGT = 11, 13


def models():
    torch.manual_seed(0)
    yield RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="lstm", attention="none")
    yield RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="lstm", attention="bahdanau")
    yield RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="cifg", attention="luong")
    yield RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="gru", attention="bahdanau")
    yield RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="fgr", attention="none")
    yield TransformerSeq2Seq(V_SRC, V_TGT, 16, layers=1, heads=2)


def name(m):
    return f"{type(m).__name__}-{getattr(m, 'variant', '')}-{getattr(m, 'attention', '')}"


def test_reverse_padded_reverses_each_sentence_within_its_length():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])
    assert reverse_padded(x, torch.tensor([3, 2])).tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


@pytest.mark.parametrize("model", list(models()), ids=name)
def test_teacher_forcing_equals_stepping_and_padding_is_ignored(model):
    model.eval()
    src = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]])  # second sentence padded
    src_len = torch.tensor([4, 2])
    tgt_in = torch.tensor([[1, 4, 5], [1, 6, 7]])
    logits = model(src, src_len, tgt_in)
    assert logits.shape == (2, 3, V_TGT)
    memory, state = model.encode(src, src_len)
    for t in range(3):
        z, state, alpha = model.step(tgt_in[:, t], state, memory)
        torch.testing.assert_close(z, logits[:, t], rtol=1e-4, atol=1e-5)
        if alpha is not None:
            assert alpha[1, 2:].abs().max() == 0  # no attention on padding
            torch.testing.assert_close(alpha.sum(1), torch.ones(2))
    alone = model(src[1:, :2], src_len[1:], tgt_in[1:])  # the padded sentence alone
    torch.testing.assert_close(alone[0], logits[1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("model", list(models()), ids=name)
def test_beam_of_one_is_greedy(model):
    model.eval()
    src, src_len = torch.tensor([[4, 5, 6]]), torch.tensor([3])
    g = greedy(model, src, src_len, max_len=6)[0]
    b = beam_search(model, src, src_len, beam=1, max_len=6)
    assert b.tokens == g.tokens
    assert b.score == pytest.approx(g.score, abs=1e-4)


def test_bad_model_arguments_are_named():
    with pytest.raises(ValueError, match="variant: expected one of rnn, gru, lstm.*got 'lstn'"):
        RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, variant="lstn")
    with pytest.raises(ValueError, match="attention: expected one of none, bahdanau, luong"):
        RecurrentSeq2Seq(V_SRC, V_TGT, 8, 12, attention="dot")
