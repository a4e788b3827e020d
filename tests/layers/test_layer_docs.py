"""``help(lstmlab.LSTM)`` is the manual: it names every constructor option and every variant with
its equation. The same for GRU and RNN options."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

import lstmlab

#: The one change of each variant as the LSTM docstring writes it (Greff et al. 2015, §3).
EQUATIONS = {
    "vanilla": "torch.nn.LSTM",
    "np": "torch.nn.LSTM",
    "peephole": "p_i ⊙ c_{t-1}, p_f ⊙ c_{t-1}, p_o ⊙ c_t",
    "nig": "i_t = 1",
    "nfg": "f_t = 1",
    "nog": "o_t = 1",
    "niaf": "g_t = W_ig x_t",
    "noaf": "h_t = o_t ⊙ c_t",
    "cifg": "i_t = 1 − f_t",
    "fgr": "R s_{t-1}",
}


def options(cls) -> list[str]:
    return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]


@pytest.mark.parametrize("cls", [lstmlab.LSTM, lstmlab.GRU, lstmlab.RNN])
def test_every_constructor_option_is_documented(cls):
    doc = inspect.getdoc(cls)
    missing = [p for p in options(cls) if not re.search(rf"\b{p}\b", doc)]
    assert not missing, f"{cls.__name__} docstring does not mention {missing}"


@pytest.mark.parametrize("cls", [lstmlab.LSTM, lstmlab.GRU, lstmlab.RNN])
def test_forward_keywords_are_documented(cls):
    doc = inspect.getdoc(cls)
    for p in ("lengths", "return_gates"):
        assert p in inspect.signature(cls.forward).parameters
        assert p in doc, p


def test_lstm_documents_the_main_equations():
    doc = inspect.getdoc(lstmlab.LSTM)
    for line in ("c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t", "h_t = o_t ⊙ tanh(c_t)", "σ("):
        assert line in doc, line


def test_every_variant_is_documented_with_its_equation():
    assert set(EQUATIONS) == set(lstmlab.VARIANTS)
    doc = inspect.getdoc(lstmlab.LSTM)
    bullets = [line.strip() for line in doc.splitlines() if line.strip().startswith("- ``")]
    for name, equation in EQUATIONS.items():
        entry = [b for b in bullets if f'``"{name}"``' in b]
        assert entry, f"variant {name!r} has no entry in the LSTM docstring"
        # the equation may run onto the bullet's continuation lines
        start = doc.index(entry[0])
        text = " ".join(doc[start : start + 300].split())
        assert equation in text, (name, equation)


def test_help_shows_it():
    text = pydoc.render_doc(lstmlab.LSTM, renderer=pydoc.plaintext)
    for name in lstmlab.VARIANTS:
        assert f'"{name}"' in text
    for p in options(lstmlab.LSTM):
        assert p in text


@pytest.mark.parametrize("cls", [lstmlab.LSTMCell, lstmlab.GRUCell, lstmlab.RNNCell])
def test_cells_have_a_docstring(cls):
    assert inspect.getdoc(cls)
