"""Whole lab models survive torch.save / torch.load(weights_only=True)."""

from __future__ import annotations

import torch
from torch import nn


def test_lab_models_load_with_weights_only_after_importing_lstmlab_models(tmp_path):
    from types import SimpleNamespace

    from lstmlab.models import ModelConfig, build_model

    task = SimpleNamespace(input_size=2, output_size=1, lag=10, causal=True)
    model = build_model(ModelConfig(kind="cifg", hidden=8, input_linear=True), task)
    torch.save(model, tmp_path / "m.pt")
    with torch.serialization.safe_globals([nn.Linear, nn.Identity]):
        again = torch.load(tmp_path / "m.pt")
    x = torch.randn(3, 5, 2)
    assert torch.equal(again(x), model(x))
