"""What code written for torch.nn reads from a recurrent layer: whole-model torch.save/torch.load
(weights_only=True, the default since torch 2.6), isinstance(layer, nn.RNNBase), ``mode``,
``all_weights``, ``_flat_weights``; and non-finite initialisation values refused."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

import lstmlab
from lstmlab.cells.options import options_from_state

#: PyTorch's examples/word_language_model (model.py and the reload at the end of main.py) with
#: lstmlab swapped in for torch.nn; run as two processes: train-and-save, then a fresh load.
WORD_LM = textwrap.dedent(
    """
    import json, sys
    import torch, torch.nn as nn, torch.nn.functional as F
    import lstmlab

    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ["LSTM", "GRU"]:
                self.rnn = getattr(lstmlab, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            elif rnn_type == "CIFG":
                self.rnn = lstmlab.LSTM(ninp, nhid, nlayers, dropout=dropout, variant="cifg")
            else:
                nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
                self.rnn = lstmlab.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity,
                                       dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

    SAFE = [RNNModel, torch.nn.modules.dropout.Dropout, torch.nn.modules.linear.Linear,
            torch.nn.modules.rnn.GRU, torch.nn.modules.rnn.LSTM, torch.nn.modules.rnn.RNN,
            torch.nn.modules.sparse.Embedding]
    kinds, folder, mode = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
    torch.manual_seed(0)
    data = torch.randint(0, 20, (12, 4))
    result = {}
    for kind in kinds:
        path = f"{folder}/{kind}.pt"
        if mode == "save":
            model = RNNModel(kind, 20, 8, 8, 2, dropout=0.2)
            opt = torch.optim.SGD(model.parameters(), lr=0.5)
            for _ in range(3):  # a few training steps, as the example does before saving
                out, _ = model(data[:-1], None)
                loss = F.nll_loss(out, data[1:].reshape(-1))
                opt.zero_grad(); loss.backward(); opt.step()
            with open(path, "wb") as f:
                torch.save(model, f)
        else:
            with open(path, "rb") as f, torch.serialization.safe_globals(SAFE):
                model = torch.load(f)  # weights_only=True: the default since torch 2.6
            model.rnn.flatten_parameters()  # as the example does after loading
        model.eval()
        with torch.no_grad():
            out, _ = model(data, None)
        result[kind] = {"out": out.sum().item(), "type": type(model.rnn).__name__,
                        "mode": model.rnn.mode, "rnnbase": isinstance(model.rnn, nn.RNNBase)}
    print(json.dumps(result))
    """
)


def test_word_language_model_saves_and_reloads_whole_models_with_weights_only(tmp_path):
    kinds = "LSTM,GRU,RNN_TANH,RNN_RELU,CIFG"
    script = tmp_path / "word_lm.py"
    script.write_text(WORD_LM)
    runs = {}
    for mode in ("save", "load"):
        done = subprocess.run(
            [sys.executable, str(script), kinds, str(tmp_path), mode],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    assert runs["load"] == runs["save"]  # same classes, same outputs to the last bit
    modes = {k: v["mode"] for k, v in runs["load"].items()}
    assert modes == {
        "LSTM": "LSTM",
        "GRU": "GRU",
        "RNN_TANH": "RNN_TANH",
        "RNN_RELU": "RNN_RELU",
        "CIFG": "LSTM",
    }
    assert all(v["rnnbase"] for v in runs["load"].values())


def test_pickled_state_holds_only_plain_types():
    for layer in (lstmlab.LSTM(3, 4, variant="fgr"), lstmlab.LSTMCell(3, 4, variant="cifg")):
        data = pickle.dumps(layer)
        assert b"LSTMOptions" not in data
        again = pickle.loads(data)
        assert again.options == layer.options
        assert torch.equal(
            again.weight_hh_l0 if hasattr(again, "weight_hh_l0") else again.weight_hh,
            layer.weight_hh_l0 if hasattr(layer, "weight_hh_l0") else layer.weight_hh,
        )


def test_tampered_options_in_a_pickle_are_refused():
    with pytest.raises(ValueError, match="options: expected the 8 boolean fields"):
        options_from_state({"options": {"peephole": "yes"}})


TORCH_CONFIGS = [
    (nn.LSTM, lstmlab.LSTM, {}),
    (nn.LSTM, lstmlab.LSTM, {"num_layers": 2, "bidirectional": True, "proj_size": 3}),
    (nn.LSTM, lstmlab.LSTM, {"bias": False, "num_layers": 2}),
    (nn.GRU, lstmlab.GRU, {"bidirectional": True}),
    (nn.RNN, lstmlab.RNN, {"nonlinearity": "relu", "num_layers": 2}),
    (nn.RNN, lstmlab.RNN, {"bias": False}),
]


@pytest.mark.parametrize("theirs_cls, ours_cls, kw", TORCH_CONFIGS)
def test_rnnbase_attributes_match_torch(theirs_cls, ours_cls, kw):
    theirs = theirs_cls(4, 5, **kw)
    ours = ours_cls.from_torch(theirs)
    assert isinstance(ours, nn.RNNBase)
    assert ours.mode == theirs.mode
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    for a, b in zip(ours.all_weights, theirs.all_weights, strict=True):
        assert [torch.equal(x, y) for x, y in zip(a, b, strict=True)] == [True] * len(a)
    assert [id(w) for w in ours._flat_weights] == [id(p) for p in ours.parameters()]


def test_variants_list_their_extra_weights_after_torchs():
    lstm = lstmlab.LSTM(3, 4, variant="fgr", bidirectional=True)
    assert lstm._all_weights[1] == [
        "weight_ih_l0_reverse",
        "weight_hh_l0_reverse",
        "bias_ih_l0_reverse",
        "bias_hh_l0_reverse",
        "weight_peep_l0_reverse",
        "weight_gr_l0_reverse",
    ]


def test_flat_weights_follow_conversion_and_reassignment():
    lstm = lstmlab.LSTM(3, 4).double()
    assert lstm._flat_weights[0] is lstm.weight_ih_l0
    assert lstm._flat_weights[0].dtype == torch.float64
    new = nn.Parameter(torch.zeros(16, 4, dtype=torch.float64))
    lstm.weight_hh_l0 = new
    assert lstm._flat_weights[1] is new
    out, _ = lstm(torch.randn(2, 1, 3, dtype=torch.float64))
    assert out.shape == (2, 1, 4)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_initialisation_values_are_refused(bad):
    for make in (lstmlab.LSTM, lstmlab.LSTMCell):
        with pytest.raises(ValueError, match=rf"forget_bias: expected a finite number, got {bad}"):
            make(3, 4, forget_bias=bad)
        with pytest.raises(ValueError, match="chrono: expected the longest expected lag"):
            make(3, 4, chrono=bad)
    with pytest.raises(TypeError, match="forget_bias: expected a finite number, got str"):
        lstmlab.LSTM(3, 4, forget_bias="1")


AUTOCAST = [(nn.LSTM, lstmlab.LSTM), (nn.GRU, lstmlab.GRU), (nn.RNN, lstmlab.RNN)]


def _under_autocast(m: nn.Module, x: torch.Tensor):
    """``m(x)`` inside CPU autocast. torch.nn.LSTM there casts a float32 input to bfloat16 and
    calls oneDNN's LSTM, which has no bfloat16 primitive on CPUs without AVX-512 (torch 2.13 on
    an AVX2 machine: "could not create a primitive descriptor"); given the input already in
    bfloat16 it computes the same function by another path, so that is torch.nn's answer
    there."""
    try:
        return m(x)
    except RuntimeError as e:
        if not isinstance(m, nn.LSTM) or "could not create a primitive descriptor" not in str(e):
            raise
        return m(x.bfloat16())


@pytest.mark.parametrize("theirs_cls, ours_cls", AUTOCAST)
@pytest.mark.parametrize("bf16_input", [False, True])
def test_cpu_autocast_bf16_computes_in_torchs_dtype_with_float32_gradients(
    theirs_cls, ours_cls, bf16_input
):
    torch.manual_seed(0)
    theirs = theirs_cls(3, 8, 2, bidirectional=True)
    ours = ours_cls.from_torch(theirs)
    x = torch.randn(7, 4, 3)
    outs = []
    for m in (theirs, ours):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y, _ = _under_autocast(m, x.bfloat16() if bf16_input else x)
        y.float().square().sum().backward()
        outs.append(y)
    assert outs[1].dtype == outs[0].dtype  # bf16, except torch's GRU on float32 input
    assert (outs[1].float() - outs[0].float()).abs().max() < 0.05
    for p, q in zip(theirs.parameters(), ours.parameters(), strict=True):
        assert q.grad.dtype == torch.float32
        scale = p.grad.abs().max().clamp_min(1.0)
        assert (q.grad - p.grad).abs().max() < 0.1 * scale
