"""What every sequence layer shares: torch.nn.RNNBase's constructor, parameter names, input and
state conventions, stacking of layers and directions, packed sequences and the gate read-out.
A subclass says which parameters a layer/direction has and runs one of them through a kernel."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from lstmlab import kernels
from lstmlab.cells.init import uniform_
from lstmlab.checks import (
    check_flag,
    check_int,
    check_lengths,
    check_packed_layout,
    check_proj_size,
    check_shape,
    check_tensor,
)
from lstmlab.kernels import check_backend, torch_op

__all__ = ["RecurrentBase", "CarriedState"]


class CarriedState(tuple):
    """A layer's state as torch.nn returns it — ``(h_n, c_n)`` — that also carries the states
    torch.nn has no place for, as attributes (FGR's ``s``: the last step's [i, f, o]). It
    unpacks, indexes and compares as the plain tuple, so code written for torch.nn keeps
    working, and given back as ``hx`` it continues every state exactly."""

    def __new__(cls, states: Sequence[Tensor], extra: dict[str, Tensor]):
        self = super().__new__(cls, states)
        self.__dict__.update(extra)
        return self

    def __reduce__(self):
        return (CarriedState, (tuple(self), dict(self.__dict__)))


@dataclass
class _Layout:
    """Where the packed rows (N, ·) the kernels work on came from, to put results back."""

    steps: int  # T
    batch: int  # B
    batch_sizes: Tensor | None  # (T,) CPU int64, non-increasing; None: all B sequences T long
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None
    packed_input: bool  # the caller gave a PackedSequence
    padded: bool  # the caller gave a padded tensor with lengths
    batched: bool  # False for unbatched 2-D input
    batch_first: bool

    def sizes(self) -> list[int]:
        """``batch_sizes`` as ints. A full batch is [B] * T without reading the tensor: under
        torch.compile, reading it would make the graph depend on data (fullgraph fails)."""
        if self.packed_input or self.padded:
            return self.batch_sizes.tolist()
        return [self.batch] * self.steps

    def output(self, data: Tensor) -> Tensor | PackedSequence:
        """Packed rows (N, F) → what torch.nn returns for this input."""
        if self.packed_input:
            return PackedSequence(
                data, self.batch_sizes, self.sorted_indices, self.unsorted_indices
            )
        return self.padded_tensor(data)

    def padded_tensor(self, data: Tensor) -> Tensor:
        """Packed rows (N, F) → (T, B, F) (or batch first / unbatched), zeros past each end."""
        if self.packed_input or self.padded:
            seq = PackedSequence(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)
            y, _ = pad_packed_sequence(seq, batch_first=self.batch_first, total_length=self.steps)
            return y
        y = data.view(self.steps, self.batch, -1)  # (T, B, F)
        if not self.batched:
            return y.squeeze(1)
        return y.transpose(0, 1) if self.batch_first else y

    def state(self, s: Tensor) -> Tensor:
        """(L·D, B, F) in kernel order → caller's batch order (and unbatched)."""
        if self.unsorted_indices is not None:
            s = s.index_select(1, self.unsorted_indices)
        return s if self.batched else s.squeeze(1)


def _cast(value, dtype: torch.dtype):
    """``value`` (a tensor, a PackedSequence, a tuple of states or None) with its floating
    tensors in ``dtype``, as autocast casts the inputs of an op."""
    if isinstance(value, PackedSequence):
        return value._replace(data=_cast(value.data, dtype))
    if isinstance(value, Tensor):
        return value.to(dtype) if value.is_floating_point() else value
    if isinstance(value, tuple | list):
        return type(value)(_cast(v, dtype) for v in value)
    return value


def _torch_arguments(
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    nonlinearity: str = "tanh",
    bias: bool = True,
    batch_first: bool = False,
    dropout: float = 0.0,
    bidirectional: bool = False,
    proj_size: int = 0,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> None:
    """The constructor arguments of torch.nn.LSTM, GRU and RNN in torch.nn's positional order,
    with torch.nn's defaults: every layer takes them (``nonlinearity``, torch.nn.RNN's, and
    ``proj_size``, torch.nn.LSTM's, only where its ``torch_option_names`` has them), then the
    keyword-only options of its ``_configure``. Never called: it declares them, once."""


_TORCH_PARAMETERS = inspect.signature(_torch_arguments).parameters
#: Those of one torch.nn class only (a layer's ``torch_option_names`` says which it takes).
_TORCH_OPTIONS = ("nonlinearity", "proj_size")
#: The arguments torch.nn.LSTM/GRU/RNN and our layers share by name, but device and dtype.
_TORCH_ARGUMENTS = tuple(
    name for name in _TORCH_PARAMETERS if name not in (*_TORCH_OPTIONS, "device", "dtype")
)


def _constructor(cls: type[RecurrentBase]) -> Callable[..., None]:
    """``cls.__init__``: binds ``cls(*args, **kwargs)`` to ``cls``'s signature (torch.nn's
    arguments, those of ``cls.torch_option_names`` among them, then the keyword-only options of
    ``cls._configure``) and builds the layer from the arguments by name."""
    configure = inspect.signature(cls._configure)
    self_parameter, *_ = configure.parameters.values()
    torch_arguments = [
        p
        for p in _TORCH_PARAMETERS.values()
        if p.name not in _TORCH_OPTIONS or p.name in cls.torch_option_names
    ]
    options = [p for p in configure.parameters.values() if p.kind is p.KEYWORD_ONLY]
    signature = configure.replace(parameters=[self_parameter, *torch_arguments, *options])
    name = f"{cls.__name__}.__init__"
    positional = [p.name for p in torch_arguments]

    def init(self, *args, **kwargs) -> None:
        if len(args) > len(positional):  # Signature.bind would name no argument
            raise TypeError(
                f"{name}() takes at most {len(positional)} positional arguments "
                f"({', '.join(positional)}) but {len(args)} were given; the options "
                f"{', '.join(p.name for p in options)} are keyword-only"
            )
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as e:  # names the unknown, missing or twice given argument
            raise TypeError(f"{name}() {e}") from None
        bound.apply_defaults()
        self._build({k: v for k, v in bound.arguments.items() if k != "self"})

    init.__signature__ = signature
    init.__name__, init.__qualname__, init.__module__ = "__init__", name, cls.__module__
    init.__doc__ = """torch.nn's arguments, then the layer's own options (keyword-only): the
    class docstring says what each does."""
    return init


def _torch_config(module: nn.RNNBase, names: tuple[str, ...]) -> dict:
    """The arguments ``names`` of a torch.nn or lstmlab layer, with its parameters' device and
    dtype: what builds its twin on the other side."""
    p = next(module.parameters())
    config = {name: getattr(module, name) for name in names}
    return config | {"dropout": float(module.dropout), "device": p.device, "dtype": p.dtype}


class RecurrentBase(nn.RNNBase):
    """Base of ``lstmlab.LSTM/GRU/RNN``; see those classes for the equations.

    It is a ``torch.nn.RNNBase``, so code written against torch.nn finds what it reads there:
    ``mode`` ("LSTM", "GRU", "RNN_TANH", "RNN_RELU": the torch.nn family whose state layout and
    weight names the layer shares; a variant's own equations are in its other attributes),
    ``all_weights`` (per layer and direction, the parameters in torch.nn's order, then a
    variant's extra ``weight_peep`` / ``weight_gr``), ``_flat_weights`` and
    ``_flat_weights_names`` (the same, flattened), ``flatten_parameters()`` (a no-op: our
    kernels need no flat buffer, and cuDNN's would not hold a variant's weights). RNNBase's
    constructor is not run (it creates torch.nn's parameters); ``_build`` registers ours.
    """

    #: Names of the states a layer carries ("h", "c"; an FGR LSTM adds "s").
    state_names: tuple[str, ...] = ("h",)
    #: The last states, beyond torch.nn's, that the returned state carries as attributes of a
    #: ``CarriedState`` (FGR's "s"); ``hx`` may carry them the same way, give them as extra
    #: tuple entries, or leave them out (then they start at zero).
    optional_states: tuple[str, ...] = ()
    #: The torch.nn class that shares this layer's maths (for from_torch / to_torch).
    torch_class: type[nn.RNNBase]
    #: torch.nn.RNNBase.mode of this layer.
    mode: str
    #: Constructor arguments of ``torch_class`` beyond ``_TORCH_ARGUMENTS``, read from (and
    #: given to) the torch.nn module under the same names by from_torch / to_torch.
    torch_option_names: tuple[str, ...] = ()
    #: Under autocast, torch.nn.LSTM/RNN compute in the autocast dtype; torch.nn.GRU keeps the
    #: input's dtype (measured on CPU, torch 2.13): True gives the GRU's rule.
    autocast_follows_input: bool = False

    def __init_subclass__(cls, **kwargs) -> None:
        """Gives each layer class its constructor, whose signature (shown by ``help`` and
        ``inspect.signature``) is torch.nn's arguments, then those of its ``_configure``."""
        super().__init_subclass__(**kwargs)
        if "__init__" not in vars(cls):  # a subclass that writes a constructor keeps it
            cls.__init__ = _constructor(cls)

    def _build(self, arguments: dict) -> None:
        """Checks and keeps the arguments of the constructor (by name, defaults filled in):
        torch.nn.RNNBase's here, the rest (the layer's own) in ``_configure``; then registers
        the parameters of every layer and direction and initialises them."""
        nn.Module.__init__(self)  # not RNNBase.__init__: it would make torch.nn's parameters
        self.input_size = check_int("input_size", arguments.pop("input_size"), 1)
        self.hidden_size = check_int("hidden_size", arguments.pop("hidden_size"), 1)
        self.num_layers = check_int("num_layers", arguments.pop("num_layers"), 1)
        self.bias = check_flag("bias", arguments.pop("bias"))
        self.batch_first = check_flag("batch_first", arguments.pop("batch_first"))
        self.bidirectional = check_flag("bidirectional", arguments.pop("bidirectional"))
        self.proj_size = check_proj_size(arguments.pop("proj_size", 0), self.hidden_size)
        dropout = arguments.pop("dropout")
        if isinstance(dropout, bool) or not isinstance(dropout, int | float):
            raise TypeError(f"dropout: expected a float in [0, 1], got {type(dropout).__name__}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"dropout: expected a float in [0, 1], got {dropout}")
        self.dropout = float(dropout)
        factory = {"device": arguments.pop("device"), "dtype": arguments.pop("dtype")}
        self._configure(**arguments)
        out_size = (self.proj_size or self.hidden_size) * self.num_directions
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else out_size
            for d in range(self.num_directions):
                names = []
                for name, shape in self.parameter_shapes(in_size).items():
                    p = nn.Parameter(torch.empty(shape, **factory))
                    names.append(self._name(name, layer, d))
                    self.register_parameter(names[-1], p)
                self._all_weights.append(names)
                self._flat_weights_names.extend(names)
        self._init_flat_weights()
        self.reset_parameters()

    # -- what a subclass provides ---------------------------------------------------------------
    def _configure(self, *, backend: str = "auto") -> None:
        """Checks and keeps the layer's own constructor arguments, after torch.nn.RNNBase's (so a
        check can read them) and before the parameters are made: its keyword-only options,
        which its signature shows after torch.nn's, and ``nonlinearity`` where it takes it (the
        default is in ``_torch_arguments``). A layer extends it and passes ``backend`` on."""
        self.backend = check_backend(backend)

    def parameter_shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        """Base parameter names (weight_ih, ...) and shapes of one layer and direction."""
        raise NotImplementedError

    def state_size(self, name: str) -> int:
        return (self.proj_size or self.hidden_size) if name == "h" else self.hidden_size

    def run(
        self,
        x: Tensor,
        batch_sizes: list[int],
        state: list[Tensor],
        weights: dict[str, Tensor | None],
        **how,
    ) -> tuple[Tensor, list[Tensor], dict[str, Tensor] | None]:
        """One layer and direction over packed rows x (N, I). ``how`` holds the keywords every
        kernel (``lstmlab.kernels.*_sequence``) takes: ``reverse`` (this is the second
        direction), ``return_gates`` and ``backend``."""
        raise NotImplementedError

    # -- parameters ----------------------------------------------------------------------------
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @staticmethod
    def _name(base: str, layer: int, direction: int) -> str:
        return f"{base}_l{layer}{'_reverse' if direction else ''}"

    def reset_parameters(self) -> None:
        """torch.nn's initialisation: every parameter ~ U(−1/√H, 1/√H)."""
        uniform_(list(self.parameters()), self.hidden_size)

    def layer_weights(self, layer: int, direction: int = 0) -> dict[str, Tensor | None]:
        names = self._all_weights[layer * self.num_directions + direction]  # weight_ih_l0 …
        suffix = len(self._name("", layer, direction))  # "_l0", "_l0_reverse"
        return {n[:-suffix]: getattr(self, n) for n in names}

    def each_layer_weights(self) -> Iterator[dict[str, Tensor | None]]:
        """``layer_weights`` of every layer and direction, in h_n's order (layer·D + direction):
        what a subclass's ``reset_parameters`` walks to set its biases."""
        for layer in range(self.num_layers):
            for d in range(self.num_directions):
                yield self.layer_weights(layer, d)

    def _weights(self, layer: int, direction: int, cast: torch.dtype | None):
        w = self.layer_weights(layer, direction)
        if cast is None:
            return w
        return {k: None if v is None else v.to(cast) for k, v in w.items()}

    def _like(self, cast: torch.dtype | None) -> Tensor:
        """What inputs must match: the parameters' device and dtype (autocast's when on)."""
        w = self.weight_ih_l0
        return w if cast is None else torch.empty(0, dtype=cast, device=w.device)

    def flatten_parameters(self) -> None:
        """No-op, for code written for torch.nn.RNNBase (our kernels need no flat buffer)."""

    def __setstate__(self, state: dict) -> None:
        # RNNBase.__setstate__ rebuilds names for pickles older than torch 1.8; ours are current.
        nn.Module.__setstate__(self, state)
        self._init_flat_weights()

    # -- forward -------------------------------------------------------------------------------
    def _layout(
        self,
        input: Tensor | PackedSequence,
        lengths: Sequence[int] | Tensor | None,
        cast: torch.dtype | None = None,
    ) -> tuple[Tensor, _Layout]:
        like = self._like(cast)
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError(
                    "lengths: expected None for a PackedSequence input (it carries "
                    f"its own lengths), got {lengths!r}"
                )
            data, batch_sizes, sorted_idx, unsorted_idx = input
            check_tensor("input", data, like)
            if data.dim() != 2 or data.shape[1] != self.input_size:
                raise ValueError(
                    f"input: expected packed data of shape (N, {self.input_size}), "
                    f"got {tuple(data.shape)}"
                )
            layout = _Layout(
                len(batch_sizes),
                check_packed_layout(batch_sizes, sorted_idx, unsorted_idx),
                batch_sizes,
                sorted_idx,
                unsorted_idx,
                True,
                False,
                True,
                self.batch_first,
            )
            return data, layout
        check_tensor("input", input, like)
        if input.dim() not in (2, 3):
            raise ValueError(
                f"input: expected a 3-D batched tensor ({'B, T' if self.batch_first else 'T, B'}"
                f", {self.input_size}) or a 2-D unbatched one (T, {self.input_size}), "
                f"got shape {tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"input: expected {self.input_size} features (input_size) in the "
                f"last dimension, got shape {tuple(input.shape)}"
            )
        batched = input.dim() == 3
        if not batched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        T, B, _ = x.shape  # (T, B, I)
        if T == 0 or B == 0:
            raise ValueError(
                f"input: expected at least one step and one sequence, got shape "
                f"{tuple(input.shape)}"
            )
        if lengths is not None:
            if not batched:
                raise ValueError("lengths: expected None for unbatched input, got a value")
            n = check_lengths(lengths, B, T)
            data, batch_sizes, sorted_idx, unsorted_idx = pack_padded_sequence(
                x, n, enforce_sorted=False
            )
            layout = _Layout(
                T, B, batch_sizes, sorted_idx, unsorted_idx, False, True, True, self.batch_first
            )
            return data, layout
        layout = _Layout(T, B, None, None, None, False, False, batched, self.batch_first)
        return x.reshape(T * B, -1), layout  # (T·B, I)

    def _initial_state(
        self, hx: Tensor | tuple | None, layout: _Layout, cast: torch.dtype | None = None
    ) -> list[Tensor]:
        like = self._like(cast)
        LD, B = self.num_layers * self.num_directions, layout.batch
        names = self.state_names
        if hx is None:
            return [like.new_zeros(LD, B, self.state_size(k)) for k in names]
        given = self.state_tensors(hx)
        required = len(names) - len(self.optional_states)
        if not required <= len(given) <= len(names):
            also = (
                f" or {required} ({', '.join(names[:required])})" if required < len(names) else ""
            )
            raise TypeError(
                f"hx: expected a tuple of {len(names)} tensors ({', '.join(names)}){also}, "
                f"got {type(hx).__name__} of length {len(given)}"
            )
        states = []
        for k, s in zip(names, given, strict=False):
            arg = f"hx[{names.index(k)}] ({k}_0)" if len(names) > 1 else "hx"
            check_tensor(arg, s, like)
            expected = (LD, B, self.state_size(k)) if layout.batched else (LD, self.state_size(k))
            check_shape(arg, s, expected)
            s = s if layout.batched else s.unsqueeze(1)
            if layout.sorted_indices is not None:
                s = s.index_select(1, layout.sorted_indices)
            states.append(s)
        return states + [like.new_zeros(LD, B, self.state_size(k)) for k in names[len(given) :]]

    def state_tensors(self, state: Tensor | tuple) -> tuple[Tensor, ...]:
        """Every tensor of a state as the layer returns or accepts it, in ``state_names`` order
        (those a ``CarriedState`` holds as attributes last)."""
        if not isinstance(state, tuple | list) or len(self.state_names) == 1:
            return (state,)
        extra = [getattr(state, k) for k in self.optional_states if hasattr(state, k)]
        return (*state, *extra)

    def state_result(self, states: Sequence[Tensor]) -> Tensor | tuple:
        """The state to return from the tensors in ``state_names`` order: one tensor, a tuple,
        or a ``CarriedState`` holding the ``optional_states`` as attributes."""
        if len(states) == 1:
            return states[0]
        n = len(states) - len(self.optional_states)
        if not self.optional_states:
            return tuple(states)
        return CarriedState(states[:n], dict(zip(self.optional_states, states[n:], strict=True)))

    def forward(
        self,
        input: Tensor | PackedSequence,
        hx: Tensor | tuple[Tensor, Tensor] | None = None,
        *,
        lengths: Sequence[int] | Tensor | None = None,
        return_gates: bool = False,
    ):
        """Run the layers; returns ``(output, state)`` as torch.nn does, and the gates third
        when ``return_gates=True``. ``lengths`` (B,) marks padding of a padded batch: each
        sequence's final state is taken at its own last step, and the output is zero after it.

        The gates are part of the autograd graph on every backend, like the output: a loss may
        use them (a gate penalty, an attribution) and gets the same gradient as from the
        reference recurrence. Detaching them everywhere would take that from users; attaching
        them costs the fused kernels nothing unless a loss does use a gate, and then that
        backward runs through the reference recurrence (exact, as slow as the reference).
        Under ``torch.no_grad()`` they are plain tensors.

        Inside ``torch.autocast`` a float32 layer computes in the autocast dtype (bfloat16 on
        CPU), as torch.nn's recurrent layers do there: input, states and weights are cast (the
        weights differentiably, so float32 parameters get float32 gradients)."""
        if torch.jit.is_tracing():
            raise RuntimeError(self._no_torchscript("torch.jit.trace"))
        cast = self._autocast_dtype(input)
        if cast is None:
            return self._forward(input, hx, lengths, return_gates, None)
        with torch.autocast(self.weight_ih_l0.device.type, enabled=False):
            return self._forward(_cast(input, cast), _cast(hx, cast), lengths, return_gates, cast)

    def _no_torchscript(self, tool: str) -> str:
        name = type(self).__name__
        return (
            f"{tool}: lstmlab.{name} does not support TorchScript (a traced graph would fix the "
            "sequence length and batch sizes of the example and give wrong numbers for any "
            "other shape; the kernels are Python autograd Functions, which script cannot "
            f"compile); expected torch.compile(model) instead, or {name.lower()}.to_torch() for "
            f"the torch.nn.{name} with the same weights (plain variants), got a {tool} call"
        )

    def __prepare_scriptable__(self):
        # torch.jit.script calls this on every module it is given or finds inside one.
        raise RuntimeError(self._no_torchscript("torch.jit.script"))

    def _autocast_dtype(self, input: Tensor | PackedSequence) -> torch.dtype | None:
        """The dtype autocast asks for on our device, if it is on and we are float32 (with
        ``autocast_follows_input``, only when the input already has it)."""
        w = self.weight_ih_l0  # (forward has refused tracing; script never runs this method)
        if w.dtype != torch.float32:
            return None
        device = w.device.type
        try:
            enabled = torch.is_autocast_enabled(device)
        except TypeError:  # torch < 2.4: one flag per device type
            enabled = torch.is_autocast_cpu_enabled() if device == "cpu" else False
        if not enabled:
            return None
        get = getattr(torch, "get_autocast_dtype", None)
        dtype = get(device) if get else torch.get_autocast_cpu_dtype()
        if self.autocast_follows_input:
            data = input.data if isinstance(input, PackedSequence) else input
            if not isinstance(data, Tensor) or data.dtype != dtype:
                return None
        return dtype if dtype != w.dtype else None

    def _forward(self, input, hx, lengths, return_gates, cast: torch.dtype | None):
        stack_kernel = None  # the dispatch's pick for the whole stack, once asked
        if hx is None and lengths is None and not return_gates and cast is None:
            stack_kernel = self._full_batch_kernel(input)
            if stack_kernel == "torch":
                return self._full_batch_on_torch_op(input)
        if stack_kernel is None:
            data, layout = self._layout(input, lengths, cast)
            states = self._initial_state(hx, layout, cast)
            how = {"backend": self.backend}
        else:  # the full batch _full_batch_kernel has checked: its layout, zero states
            data, layout = self._full_batch_layout(input)
            states = self._initial_state(None, layout)
            how = {"backend": self.backend, "kernel": stack_kernel}  # asked once, for all layers
        batch_sizes = layout.sizes()
        D = self.num_directions
        weights = [self._weights(k // D, k % D, cast) for k in range(self.num_layers * D)]
        if not return_gates and stack_kernel is None:
            stacked = kernels.stack_sequence(
                self.mode,
                data,
                batch_sizes,
                states,
                weights,
                bidirectional=self.bidirectional,
                dropout=self.dropout if self.training else 0.0,
                plain=self.torch_equivalent() is None,
                projected=bool(self.proj_size),
                backend=self.backend,
            )
            if stacked is not None:  # torch's op ran the whole stack, as torch.nn does
                out, finals = stacked
                return layout.output(out), self.state_result([layout.state(s) for s in finals])
        finals: list[list[Tensor]] = [[] for _ in states]
        gates: list[dict[str, Tensor] | None] = []
        x = data
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                out, new, g = self.run(
                    x,
                    batch_sizes,
                    [s[k] for s in states],
                    weights[k],
                    reverse=bool(d),
                    return_gates=return_gates,
                    **how,
                )
                outs.append(out)
                for f, s in zip(finals, new, strict=True):
                    f.append(s)
                gates.append(g)
            x = torch.cat(outs, dim=1) if len(outs) > 1 else outs[0]  # (N, D·P)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        result_state = self.state_result([layout.state(torch.stack(f)) for f in finals])
        if not return_gates:
            return layout.output(x), result_state
        return layout.output(x), result_state, self._gate_readout(gates, layout)

    def _full_batch_kernel(self, input) -> str | None:
        """The dispatch's pick for the whole stack when the call is the commonest one, a full
        batch (T, B, I) (batch_first: (B, T, I)) with no state, on a layer of torch.nn's
        families (LSTM, GRU, RNN, any variant); None for any other call, and for one whose input
        is not as the layer expects (the general path then runs it, or says what is wrong)."""
        w = self.weight_ih_l0
        if not (
            self.mode in torch_op.OPS
            and type(input) is Tensor
            and input.dim() == 3
            and input.shape[2] == self.input_size
            and input.dtype == w.dtype
            and input.device == w.device
            and input.numel() > 0
        ):
            return None
        T, B = (input.shape[1], input.shape[0]) if self.batch_first else input.shape[:2]
        plain, projected = self.torch_equivalent() is None, bool(self.proj_size)
        return kernels.choose(self.mode, input, [B] * T, plain, projected, self.backend)

    def _full_batch_layout(self, input: Tensor) -> tuple[Tensor, _Layout]:
        """``_layout`` of a full batch that ``_full_batch_kernel`` has checked, without checking
        it again: the packed rows of all B sequences (T·B, I) are the (T, B, I) tensor."""
        T, B = (input.shape[1], input.shape[0]) if self.batch_first else input.shape[:2]
        x = input.transpose(0, 1) if self.batch_first else input
        layout = _Layout(T, B, None, None, None, False, False, True, self.batch_first)
        return x.reshape(T * B, -1), layout

    def _full_batch_on_torch_op(self, input: Tensor) -> tuple:
        """That call on torch's op (rules 2 and 4): one call on the tensor, as torch.nn makes it,
        without the general path's packed rows and layout, whose Python cost about 5% of a
        word_language_model inference call (README "Speed")."""
        B = input.shape[0 if self.batch_first else 1]
        LD = self.num_layers * self.num_directions
        states = [input.new_zeros(LD, B, self.state_size(k)) for k in self.state_names]
        params = [getattr(self, n) for n in self._torch_flat_names]  # as torch.nn passes them
        dropout = self.dropout if self.training else 0.0
        out, finals = torch_op.full_batch(
            self.mode, input, states, params, self.bias, self.num_layers, dropout,
            self.bidirectional, self.batch_first,
        )  # fmt: skip
        return out, self.state_result(finals)

    @functools.cached_property
    def _torch_flat_names(self) -> list[str]:
        """The names of torch's flat parameter list (``torch_op.full_batch``'s ``params``): each
        layer's and direction's W_ih, W_hh[, b_ih, b_hh][, W_hr], layer-major, those it has (a
        plain layer has both biases or neither, as torch.nn's)."""
        names = []
        for k, have in enumerate(self._all_weights):
            suffix = self._name("", k // self.num_directions, k % self.num_directions)
            names += [n for b in torch_op.WEIGHT_NAMES if (n := f"{b}{suffix}") in have]
        return names

    def _gate_readout(self, gates: list[dict[str, Tensor]], layout: _Layout) -> dict[str, Tensor]:
        """Per-step gates in the output's layout: (T, B, H) for one layer and direction, else
        (num_layers·num_directions, T, B, H) indexed like h_n (layer·D + direction)."""
        table = {}
        for k in gates[0]:
            per = [layout.padded_tensor(g[k]) for g in gates]
            table[k] = per[0] if len(per) == 1 else torch.stack(per)
        return table

    # -- interop with torch.nn ------------------------------------------------------------------
    def torch_equivalent(self) -> str | None:
        """None when ``torch_class`` computes the same function, else the option that differs."""
        return None

    def torch_options(self) -> dict:
        """Constructor arguments of ``torch_class`` beyond those of RNNBase."""
        return {name: getattr(self, name) for name in self.torch_option_names}

    @classmethod
    def from_torch(cls, module: nn.RNNBase, **kwargs):
        """A layer with the configuration and weights of a ``torch_class`` module."""
        if type(module) is not cls.torch_class:
            raise TypeError(
                f"module: expected a {cls.torch_class.__module__}."
                f"{cls.torch_class.__name__}, got {type(module).__name__}"
            )
        layer = cls(**_torch_config(module, _TORCH_ARGUMENTS + cls.torch_option_names), **kwargs)
        layer.load_state_dict(module.state_dict())
        return layer

    def to_torch(self) -> nn.RNNBase:
        """The ``torch_class`` module computing the same function, with the same weights."""
        differs = self.torch_equivalent()
        if differs is not None:
            raise ValueError(
                f"{differs.split('=')[0]}: {self.torch_class.__name__} has no "
                f"such option; expected the torch.nn maths, got {differs}"
            )
        m = self.torch_class(**_torch_config(self, _TORCH_ARGUMENTS), **self.torch_options())
        m.load_state_dict(self.state_dict())
        return m

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.backend != "auto":
            s += f", backend={self.backend!r}"
        return s
