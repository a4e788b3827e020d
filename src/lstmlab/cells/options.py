"""The options of the one LSTM cell, and the named variants built from them.

Greff et al. 2015, "LSTM: A Search Space Odyssey" (§2 and §3) define their "vanilla" LSTM *with*
peephole connections and eight variants, each a single change to it. Our default, ``"vanilla"``,
is the lecture notes' LSTM (Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al.
2000), which is Greff's NP variant and exactly what ``torch.nn.LSTM`` computes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from lstmlab.checks import ArgumentError, ArgumentTypeError

__all__ = ["LSTMOptions", "VARIANTS", "resolve_variant", "options_to_state", "options_from_state"]


@dataclass(frozen=True)
class LSTMOptions:
    """Which parts of the LSTM equations are present.

    Every field removes or changes exactly one term of

        f = σ(W_f·[h_{t-1}, x_t] + p_f ⊙ c_{t-1} + b_f)
        i = σ(W_i·[h_{t-1}, x_t] + p_i ⊙ c_{t-1} + b_i)
        g = tanh(W_g·[h_{t-1}, x_t] + b_g)
        c_t = f ⊙ c_{t-1} + i ⊙ g
        o = σ(W_o·[h_{t-1}, x_t] + p_o ⊙ c_t + b_o)
        h_t = o ⊙ tanh(c_t)

    Attributes:
        input_gate: False gives NIG, i = 1.
        forget_gate: False gives NFG, f = 1.
        output_gate: False gives NOG, o = 1.
        input_activation: False gives NIAF, g = W_g·[h_{t-1}, x_t] + b_g (linear).
        output_activation: False gives NOAF, h_t = o ⊙ c_t.
        peephole: adds the diagonal peephole weights p_i, p_f (from c_{t-1}) and p_o (from c_t)
            of Gers & Schmidhuber 2000, on every sigmoid gate that exists.
        coupled: CIFG, i = 1 − f (the input gate has no weights of its own).
        gate_recurrence: FGR, every sigmoid gate also receives the previous activations of all
            sigmoid gates: z_k += R_k·[i_{t-1}, f_{t-1}, o_{t-1}] (Greff et al. 2015, eq. FGR).
            The previous activations are zero at t = 0.
    """

    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    input_activation: bool = True
    output_activation: bool = True
    peephole: bool = False
    coupled: bool = False
    gate_recurrence: bool = False

    def __post_init__(self) -> None:
        if self.coupled and not (self.input_gate and self.forget_gate):
            raise ArgumentError(
                "coupled: expected input_gate=True and forget_gate=True (i = 1 - f needs both "
                f"gates), got input_gate={self.input_gate}, forget_gate={self.forget_gate}",
                "coupled",
            )

    @property
    def gates(self) -> tuple[str, ...]:
        """Rows of the weight matrices, in torch.nn.LSTM's order (i, f, g, o)."""
        rows = []
        if self.input_gate and not self.coupled:
            rows.append("i")
        if self.forget_gate:
            rows.append("f")
        rows.append("g")
        if self.output_gate:
            rows.append("o")
        return tuple(rows)

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        """Gates with their own sigmoid and weights: these get peepholes and FGR inputs."""
        return tuple(k for k in self.gates if k != "g")

    @property
    def peepholes(self) -> tuple[str, ...]:
        """Rows of the peephole weight ``weight_peep``: one per sigmoid gate, order i, f, o."""
        return self.sigmoid_gates if self.peephole else ()


_PEEPHOLE = LSTMOptions(peephole=True)

#: Named variants. Greff et al. 2015's eight are single changes to their peephole LSTM.
VARIANTS: dict[str, LSTMOptions] = {
    "vanilla": LSTMOptions(),
    "peephole": _PEEPHOLE,
    "nig": replace(_PEEPHOLE, input_gate=False),
    "nfg": replace(_PEEPHOLE, forget_gate=False),
    "nog": replace(_PEEPHOLE, output_gate=False),
    "niaf": replace(_PEEPHOLE, input_activation=False),
    "noaf": replace(_PEEPHOLE, output_activation=False),
    "np": LSTMOptions(),
    "cifg": replace(_PEEPHOLE, coupled=True),
    "fgr": replace(_PEEPHOLE, gate_recurrence=True),
}


def resolve_variant(variant: str | LSTMOptions) -> LSTMOptions:
    """Turn a variant name (case-insensitive) or an ``LSTMOptions`` into ``LSTMOptions``."""
    if isinstance(variant, LSTMOptions):
        return variant
    if not isinstance(variant, str):
        raise ArgumentTypeError(
            f"variant: expected a name or LSTMOptions, got {type(variant).__name__} {variant!r}",
            "variant",
        )
    key = variant.lower()
    if key not in VARIANTS:
        raise ArgumentError(
            f"variant: expected one of {', '.join(repr(k) for k in VARIANTS)}, got {variant!r}",
            "variant",
        )
    return VARIANTS[key]


def options_to_state(state: dict) -> dict:
    """A module's pickled state with its ``options`` as a plain dict (weights_only-loadable)."""
    if isinstance(state.get("options"), LSTMOptions):
        state = {**state, "options": asdict(state["options"])}
    return state


def options_from_state(state: dict) -> dict:
    """The inverse of ``options_to_state``, checking the fields (a pickle is untrusted input)."""
    options = state.get("options")
    if isinstance(options, dict):
        fields = LSTMOptions.__dataclass_fields__
        if set(options) != set(fields) or not all(type(v) is bool for v in options.values()):
            raise ArgumentError(
                f"options: expected the {len(fields)} boolean fields of LSTMOptions, got "
                f"{options!r}",
                "options",
            )
        state = {**state, "options": LSTMOptions(**options)}
    return state
