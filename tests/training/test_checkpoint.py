"""Checkpoints: safetensors + JSON only, a pointer written last, old ones removed."""

import json

import pytest
import torch
from safetensors import safe_open

from lstmlab.training import checkpoint as ck
from lstmlab.training.seeding import rng_state


def _checkpoint(step: int) -> ck.Checkpoint:
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    rng_tensors, rng_json = rng_state()
    return ck.Checkpoint(
        model=model.state_dict(),
        best_model={k: v + step for k, v in model.state_dict().items()},
        optimizer=opt.state_dict(),
        rng_tensors=rng_tensors,
        state={"loop": {"step": step}, "rng": rng_json},
    )


def test_round_trip(tmp_path):
    saved = _checkpoint(10)
    folder = ck.save_checkpoint(tmp_path, 10, saved)
    loaded = ck.load_checkpoint(tmp_path)
    for a, b in ((saved.model, loaded.model), (saved.best_model, loaded.best_model)):
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert torch.equal(loaded.rng_tensors["rng.torch"], saved.rng_tensors["rng.torch"])
    assert loaded.state == saved.state
    o_saved, o_loaded = saved.optimizer, loaded.optimizer
    assert o_loaded["param_groups"] == o_saved["param_groups"]
    assert isinstance(o_loaded["param_groups"][0]["betas"], tuple)
    for p, entries in o_saved["state"].items():
        for key, value in entries.items():
            assert torch.equal(o_loaded["state"][p][key], value)
    # the files are plain safetensors and JSON
    for name in ("model", "best_model", "train_state"):
        with safe_open(folder / f"{name}.safetensors", framework="pt") as f:
            assert len(list(f.keys())) > 0
    json.loads((folder / "train_state.json").read_text())
    assert json.loads((tmp_path / "checkpoints" / "latest.json").read_text())["step"] == 10


def test_only_the_latest_is_kept(tmp_path):
    ck.save_checkpoint(tmp_path, 10, _checkpoint(10))
    ck.save_checkpoint(tmp_path, 20, _checkpoint(20))
    folders = sorted(p.name for p in (tmp_path / "checkpoints").iterdir() if p.is_dir())
    assert folders == ["step-00000020"]
    assert ck.load_checkpoint(tmp_path).state["loop"]["step"] == 20


def test_crash_before_the_pointer_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    ck.save_checkpoint(tmp_path, 10, _checkpoint(10))
    real = ck.write_json_atomic

    def crash_on_pointer(path, obj):
        if path.name == "latest.json":
            raise KeyboardInterrupt("killed")
        real(path, obj)

    monkeypatch.setattr(ck, "write_json_atomic", crash_on_pointer)
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(tmp_path, 20, _checkpoint(20))
    assert ck.load_checkpoint(tmp_path).state["loop"]["step"] == 10


def test_no_checkpoint(tmp_path):
    assert ck.load_checkpoint(tmp_path) is None
