"""The reference recurrence reads its input through one split: its backward is linear in T (a
slice per step would give each step a gradient the size of the whole input, O(T²))."""

import torch

import lstmlab


def _consumers_of(leaf: torch.Tensor, root) -> list[str]:
    """Names of the autograd nodes that feed ``leaf``'s gradient accumulator."""
    seen, stack, found = set(), [root], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for nxt, _ in node.next_functions:
            if nxt is not None and getattr(nxt, "variable", None) is leaf:
                found.append(node.name())
            stack.append(nxt)
    return found


def test_the_input_is_read_through_one_split_not_a_slice_per_step():
    from lstmlab.kernels.reference import recurrence

    def step(x_t, st):
        h = torch.tanh(x_t + st[0])
        return (h,), (h,)

    batch_sizes = [3, 3, 2, 2, 1]
    x = torch.randn(sum(batch_sizes), 4, requires_grad=True)
    records, (h,) = recurrence(step, x, batch_sizes, (torch.zeros(3, 4),))
    out = torch.cat([r[0] for r in records]).sum() + h.sum()
    names = _consumers_of(x, out.grad_fn)
    assert len(names) == 1, names
    out.backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_a_layer_on_the_reference_still_gets_its_input_gradient():
    for layer in (
        lstmlab.MinGRU(3, 4, backend="reference"),
        lstmlab.LSTM(3, 4, backend="reference"),
    ):
        x = torch.randn(20, 2, 3, requires_grad=True)
        layer(x)[0].sum().backward()
        assert x.grad is not None and x.grad.abs().sum() > 0
