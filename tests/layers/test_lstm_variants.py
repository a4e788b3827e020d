"""Each LSTM variant against its defining equation (Greff et al. 2015, §2–3), read from the
gates that ``return_gates=True`` gives, and each variant's parameters (names, shapes, counts)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import lstmlab

DTYPE = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-12}
T, B, I, H = 4, 3, 2, 3


def run(variant: str, backend: str, **options):
    """A one-layer LSTM of ``variant``, a batch, random (h0, c0) and what the layer returns."""
    torch.manual_seed(0)
    layer = lstmlab.LSTM(I, H, variant=variant, dtype=DTYPE, backend=backend, **options)
    with torch.no_grad():  # a peephole/FGR initialised as U(−1/√H, 1/√H) is small; make it count
        for name, p in layer.named_parameters():
            if name.startswith(("weight_peep", "weight_gr")):
                p.uniform_(-1.5, 1.5)
    P = layer.proj_size or H
    x = torch.randn(T, B, I, dtype=DTYPE)
    h0, c0 = torch.randn(1, B, P, dtype=DTYPE), torch.randn(1, B, H, dtype=DTYPE)
    y, (h_n, c_n), gates = layer(x, (h0, c0), return_gates=True)
    return layer, x, h0[0], c0[0], y, (h_n, c_n), gates


def previous(gates: dict, key: str, initial: torch.Tensor) -> torch.Tensor:
    """(T, B, ·): the value of ``key`` one step earlier, ``initial`` at t = 0."""
    return torch.cat([initial[None], gates[key][:-1]])


def pre_activations(layer, x, h_prev) -> dict[str, torch.Tensor]:
    """z_k = W_ik x_t + b_ik + W_hk h_{t-1} + b_hk, (T, B, H) for each gate k with weights."""
    rows = layer.options.gates
    z = F.linear(x, layer.weight_ih_l0, layer.bias_ih_l0) + F.linear(
        h_prev, layer.weight_hh_l0, layer.bias_hh_l0
    )  # (T, B, G·H)
    return dict(zip(rows, z.chunk(len(rows), dim=-1), strict=True))


def peep(layer, gate: str) -> torch.Tensor:
    """The diagonal peephole weights p_gate (H,)."""
    return layer.weight_peep_l0[layer.options.peepholes.index(gate)]


def check_cell_update(gates, c0, h_activation=torch.tanh):
    """c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ act(c_t), the two equations every variant keeps."""
    f, i, g, o, c, h = (gates[k] for k in "figoch")
    torch.testing.assert_close(c, f * previous(gates, "c", c0) + i * g, **TOL)
    torch.testing.assert_close(h, o * h_activation(c), **TOL)


ONES = torch.ones(T, B, H, dtype=DTYPE)


def test_vanilla_is_the_lecture_lstm(backend):
    layer, x, h0, c0, y, _, gates = run("vanilla", backend)
    z = pre_activations(layer, x, previous(gates, "h", h0))
    torch.testing.assert_close(gates["f"], torch.sigmoid(z["f"]), **TOL)
    torch.testing.assert_close(gates["i"], torch.sigmoid(z["i"]), **TOL)
    torch.testing.assert_close(gates["g"], torch.tanh(z["g"]), **TOL)
    torch.testing.assert_close(gates["o"], torch.sigmoid(z["o"]), **TOL)
    check_cell_update(gates, c0)
    assert not hasattr(layer, "weight_peep_l0") and not hasattr(layer, "weight_gr_l0")


def test_np_is_vanilla():
    assert lstmlab.VARIANTS["np"] == lstmlab.VARIANTS["vanilla"] == lstmlab.LSTMOptions()


def test_peephole_terms(backend):
    """f, i see c_{t-1}; o sees c_t (Gers & Schmidhuber 2000)."""
    layer, x, h0, c0, _, _, gates = run("peephole", backend)
    z = pre_activations(layer, x, previous(gates, "h", h0))
    c_prev = previous(gates, "c", c0)
    torch.testing.assert_close(gates["f"], torch.sigmoid(z["f"] + peep(layer, "f") * c_prev), **TOL)
    torch.testing.assert_close(gates["i"], torch.sigmoid(z["i"] + peep(layer, "i") * c_prev), **TOL)
    torch.testing.assert_close(
        gates["o"], torch.sigmoid(z["o"] + peep(layer, "o") * gates["c"]), **TOL
    )
    torch.testing.assert_close(gates["g"], torch.tanh(z["g"]), **TOL)
    check_cell_update(gates, c0)
    # the peepholes matter: without them the gates differ
    assert not torch.allclose(gates["o"], torch.sigmoid(z["o"]))


def test_cifg_couples_input_to_forget_gate(backend):
    layer, x, h0, c0, _, _, gates = run("cifg", backend)
    torch.testing.assert_close(gates["i"], 1 - gates["f"], rtol=0, atol=0)
    z = pre_activations(layer, x, previous(gates, "h", h0))
    c_prev = previous(gates, "c", c0)
    torch.testing.assert_close(gates["f"], torch.sigmoid(z["f"] + peep(layer, "f") * c_prev), **TOL)
    check_cell_update(gates, c0)


@pytest.mark.parametrize(("variant", "gate"), [("nfg", "f"), ("nig", "i"), ("nog", "o")])
def test_removed_gate_is_one(variant, gate, backend):
    layer, _, _, c0, _, _, gates = run(variant, backend)
    assert torch.equal(gates[gate], ONES)
    assert gate not in layer.options.gates
    check_cell_update(gates, c0)


def test_nog_output_is_tanh_of_cell(backend):
    _, _, _, _, y, _, gates = run("nog", backend)
    torch.testing.assert_close(y, torch.tanh(gates["c"]), **TOL)


def test_noaf_output_is_gated_cell(backend):
    _, _, _, c0, y, _, gates = run("noaf", backend)
    torch.testing.assert_close(y, gates["o"] * gates["c"], **TOL)
    check_cell_update(gates, c0, h_activation=lambda c: c)


def test_niaf_input_is_linear(backend):
    layer, x, h0, c0, _, _, gates = run("niaf", backend)
    z = pre_activations(layer, x, previous(gates, "h", h0))
    torch.testing.assert_close(gates["g"], z["g"], **TOL)
    check_cell_update(gates, c0)


def test_fgr_gate_recurrence(backend):
    """z_k += R_k·[i_{t-1}, f_{t-1}, o_{t-1}], with the previous activations zero at t = 0."""
    layer, x, h0, c0, _, _, gates = run("fgr", backend)
    assert layer.options.sigmoid_gates == ("i", "f", "o")
    s0 = torch.zeros(B, 3 * H, dtype=DTYPE)
    s_prev = previous({"s": torch.cat([gates[k] for k in "ifo"], dim=-1)}, "s", s0)  # (T, B, 3H)
    r = dict(zip("ifo", F.linear(s_prev, layer.weight_gr_l0).chunk(3, dim=-1), strict=True))
    z = pre_activations(layer, x, previous(gates, "h", h0))
    c_prev = previous(gates, "c", c0)
    for k in "fi":
        expected = torch.sigmoid(z[k] + peep(layer, k) * c_prev + r[k])
        torch.testing.assert_close(gates[k], expected, **TOL)
    expected_o = torch.sigmoid(z["o"] + peep(layer, "o") * gates["c"] + r["o"])
    torch.testing.assert_close(gates["o"], expected_o, **TOL)
    check_cell_update(gates, c0)


def test_fgr_state_restarts_at_zero_every_call(backend):
    """s_0 = 0 at every call: two calls on the same input give the same result."""
    layer, x, *_ = run("fgr", backend)
    torch.testing.assert_close(layer(x)[0], layer(x)[0], rtol=0, atol=0)


def test_every_variant_keeps_the_cell_update_and_output_equations(backend):
    for variant in lstmlab.VARIANTS:
        _, _, _, c0, y, (h_n, c_n), gates = run(variant, backend)
        act = (lambda c: c) if variant == "noaf" else torch.tanh
        check_cell_update(gates, c0, act)
        torch.testing.assert_close(y, gates["h"], rtol=0, atol=0)
        torch.testing.assert_close(h_n[0], gates["h"][-1], rtol=0, atol=0)
        torch.testing.assert_close(c_n[0], gates["c"][-1], rtol=0, atol=0)


def test_projection_applies_after_the_output_gate(backend):
    layer, x, h0, c0, y, _, gates = run("peephole", backend, proj_size=2)
    assert gates["h"].shape == (T, B, 2) and gates["c"].shape == (T, B, H)
    expected = F.linear(gates["o"] * torch.tanh(gates["c"]), layer.weight_hr_l0)
    torch.testing.assert_close(gates["h"], expected, **TOL)
    torch.testing.assert_close(y, expected, **TOL)


def test_custom_options_are_accepted():
    """Options combine beyond the named variants, e.g. CIFG without peepholes."""
    opts = lstmlab.LSTMOptions(coupled=True)
    layer = lstmlab.LSTM(I, H, variant=opts, dtype=DTYPE)
    assert layer.weight_ih_l0.shape == (3 * H, I) and not hasattr(layer, "weight_peep_l0")
    _, _, gates = layer(torch.randn(T, B, I, dtype=DTYPE), return_gates=True)
    torch.testing.assert_close(gates["i"], 1 - gates["f"], rtol=0, atol=0)
    assert "custom" in repr(layer)


# -- parameters per variant -----------------------------------------------------------------------

# variant: (gates with weight rows, peephole rows, has FGR matrix)
EXPECTED = {
    "vanilla": ("ifgo", "", False),
    "np": ("ifgo", "", False),
    "peephole": ("ifgo", "ifo", False),
    "nig": ("fgo", "fo", False),
    "nfg": ("igo", "io", False),
    "nog": ("ifg", "if", False),
    "niaf": ("ifgo", "ifo", False),
    "noaf": ("ifgo", "ifo", False),
    "cifg": ("fgo", "fo", False),
    "fgr": ("ifgo", "ifo", True),
}


def test_expected_table_covers_every_variant():
    assert set(EXPECTED) == set(lstmlab.VARIANTS)


@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_parameter_names_and_shapes(variant):
    rows, peeps, fgr = EXPECTED[variant]
    opts = lstmlab.VARIANTS[variant]
    assert opts.gates == tuple(rows)
    assert opts.peepholes == tuple(peeps)
    G, S, P, L, D = len(rows), len(opts.sigmoid_gates), 2, 2, 2
    layer = lstmlab.LSTM(I, H, num_layers=L, bidirectional=True, proj_size=P, variant=variant)
    expected = {}
    for k in range(L):
        for suffix in ("", "_reverse"):
            in_size = I if k == 0 else D * P
            expected[f"weight_ih_l{k}{suffix}"] = (G * H, in_size)
            expected[f"weight_hh_l{k}{suffix}"] = (G * H, P)
            expected[f"bias_ih_l{k}{suffix}"] = (G * H,)
            expected[f"bias_hh_l{k}{suffix}"] = (G * H,)
            expected[f"weight_hr_l{k}{suffix}"] = (P, H)
            if peeps:
                expected[f"weight_peep_l{k}{suffix}"] = (len(peeps), H)
            if fgr:
                expected[f"weight_gr_l{k}{suffix}"] = (S * H, S * H)
    got = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    assert got == expected
    # torch.nn's order within a layer and direction, then the extras
    assert list(got)[:5] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_hr_l0",
    ]


@pytest.mark.parametrize("variant", lstmlab.VARIANTS)
def test_parameter_count(variant):
    rows, peeps, fgr = EXPECTED[variant]
    G, S = len(rows), len(lstmlab.VARIANTS[variant].sigmoid_gates)
    layer = lstmlab.LSTM(I, H, variant=variant)
    n = G * H * (I + H + 2) + len(peeps) * H + (S * H) ** 2 * fgr
    assert sum(p.numel() for p in layer.parameters()) == n
    no_bias = lstmlab.LSTM(I, H, variant=variant, bias=False)
    assert sum(p.numel() for p in no_bias.parameters()) == n - 2 * G * H
    assert not any(name.startswith("bias") for name, _ in no_bias.named_parameters())


def test_vanilla_loads_a_torch_state_dict_and_peephole_does_not():
    sd = torch.nn.LSTM(I, H).state_dict()
    lstmlab.LSTM(I, H).load_state_dict(sd)
    with pytest.raises(RuntimeError, match="weight_peep_l0"):
        lstmlab.LSTM(I, H, variant="peephole").load_state_dict(sd)
