"""Run folders under faults: edited or missing config, damaged, truncated, path-escaping and
pickle checkpoints, a second process, unwritable folders, leftovers of killed writes.

Every case ends in a ``RunFolderError`` that names the file and what to do (never a raw
SafetensorError / JSONDecodeError / KeyError), and nothing in a run folder is ever executed.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import pytest
import torch
from rich.console import Console

from lstmlab.models import ModelConfig
from lstmlab.training import RunFolderError, TrainConfig, train
from lstmlab.training import checkpoint as ck
from lstmlab.training.run_folder import run_folder_lock

MARKER = Path("/tmp") / f"lstmlab-pickle-payload-ran-{os.getpid()}"


class _Payload:
    """What a malicious pickle does: run code when it is unpickled."""

    def __reduce__(self):
        return (Path.touch, (MARKER,))


def _run(tiny, out: Path, **kw) -> TrainConfig:
    """A finished tiny run in ``out`` (checkpoint at steps 10 and 20) and its config."""
    cfg = tiny(out, steps=20, **kw)
    train(cfg, progress=False)
    return cfg


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=400), buffer


def _unfinish(out: Path) -> None:
    """Make a finished run look killed after its last checkpoint (metrics not yet written)."""
    (out / "metrics.json").unlink()
    (out / "model.safetensors").unlink()


def _latest(out: Path) -> tuple[Path, dict]:
    record = json.loads((out / "checkpoints" / "latest.json").read_text())
    return out / "checkpoints" / record["folder"], record


# -- item 6: --resume never mixes configurations --------------------------------------------------
def test_resume_refuses_a_config_json_edited_to_match_new_options(tiny, tmp_path):
    cfg = _run(tiny, tmp_path / "run")
    _unfinish(tmp_path / "run")
    edited = cfg.to_dict() | {"lr": 0.5}
    (tmp_path / "run" / "config.json").write_text(json.dumps(edited))
    new = TrainConfig.from_dict(edited)
    with pytest.raises(RunFolderError) as e:
        train(new, resume=True, progress=False)
    message = str(e.value)
    assert "was trained with another config" in message and "was config.json edited" in message
    assert "lr: expected 0.01 (stored), got 0.5" in message


def test_resume_refuses_an_edited_seed_too(tiny, tmp_path):
    cfg = _run(tiny, tmp_path / "run")
    _unfinish(tmp_path / "run")
    edited = cfg.to_dict() | {"seed": 7}
    (tmp_path / "run" / "config.json").write_text(json.dumps(edited))
    with pytest.raises(RunFolderError, match=r"seed: expected 0 \(stored\), got 7"):
        train(TrainConfig.from_dict(edited), resume=True, progress=False)


@pytest.mark.parametrize("resume", [True, False])
def test_missing_config_json_with_a_checkpoint_is_refused_with_the_difference(
    tiny, tmp_path, resume
):
    cfg = _run(tiny, tmp_path / "run")
    _unfinish(tmp_path / "run")
    (tmp_path / "run" / "config.json").unlink()
    other = TrainConfig.from_dict(cfg.to_dict() | {"lr": 0.03})
    with pytest.raises(RunFolderError) as e:
        train(other, resume=resume, progress=False)
    message = str(e.value)
    assert "config.json: missing, but the folder holds a checkpoint (step-00000020)" in message
    assert "lr: expected 0.01 (stored), got 0.03" in message
    assert not (tmp_path / "run" / "config.json").exists()  # nothing was overwritten
    with pytest.raises(RunFolderError, match="the checkpoint's config equals the one given"):
        train(cfg, resume=True, progress=False)


def test_resume_of_a_missing_or_empty_folder_says_so_and_starts(tiny, tmp_path):
    console, said = _console()
    result = train(tiny(tmp_path / "none", steps=10), resume=True, progress=False, console=console)
    assert result.steps == 10
    assert "nothing to resume" in said.getvalue() and "does not exist" in said.getvalue()
    (tmp_path / "empty").mkdir()
    console, said = _console()
    train(tiny(tmp_path / "empty", steps=10), resume=True, progress=False, console=console)
    assert "nothing to resume" in said.getvalue() and "is empty" in said.getvalue()


def test_checkpoint_stores_its_config(tiny, tmp_path):
    cfg = _run(tiny, tmp_path / "run")
    folder, _ = _latest(tmp_path / "run")
    assert json.loads((folder / "train_state.json").read_text())["config"] == cfg.to_dict()


# -- item 9: damaged run folders ----------------------------------------------------------------
def _drop_hashes(out: Path) -> None:
    """A run written before hashes were recorded: damage then shows in the file's own format."""
    path = out / "checkpoints" / "latest.json"
    record = json.loads(path.read_text())
    record.pop("files")
    path.write_text(json.dumps(record))


def _pickle_model(out: Path) -> Path:
    folder, _ = _latest(out)
    torch.save({"weights": _Payload()}, folder / "model.safetensors")
    _drop_hashes(out)
    return folder / "model.safetensors"


def _truncate_model(out: Path) -> Path:
    path = _latest(out)[0] / "model.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    return path


def _truncate_model_unhashed(out: Path) -> Path:
    _drop_hashes(out)
    return _truncate_model(out)


def _garbage_train_state(out: Path) -> Path:
    path = _latest(out)[0] / "train_state.json"
    path.write_text("{not json")
    return path


def _garbage_train_state_unhashed(out: Path) -> Path:
    _drop_hashes(out)
    return _garbage_train_state(out)


def _incomplete_train_state_unhashed(out: Path) -> Path:
    _drop_hashes(out)
    path = _latest(out)[0] / "train_state.json"
    state = json.loads(path.read_text())
    del state["loop"]
    path.write_text(json.dumps(state))
    return path


def _missing_tensors(out: Path) -> Path:
    path = _latest(out)[0] / "train_state.safetensors"
    path.unlink()
    return path


def _latest_garbage(out: Path) -> Path:
    path = out / "checkpoints" / "latest.json"
    path.write_bytes(b"\x00\xff garbage")
    return path


def _latest_wrong_shape(out: Path) -> Path:
    path = out / "checkpoints" / "latest.json"
    path.write_text("[1, 2]")
    return path


def _latest_escapes(folder: str):
    def damage(out: Path) -> Path:
        path = out / "checkpoints" / "latest.json"
        record = json.loads(path.read_text())
        path.write_text(json.dumps(record | {"folder": folder}))
        return path

    damage.__name__ = f"latest_points_to_{folder}"
    return damage


def _latest_symlink_out(out: Path) -> Path:
    outside = out.parent / "elsewhere"
    outside.mkdir()
    link = out / "checkpoints" / "step-99999999"
    link.symlink_to(outside, target_is_directory=True)
    return _latest_escapes("step-99999999")(out)


def _file_name_escapes(out: Path) -> Path:
    path = out / "checkpoints" / "latest.json"
    record = json.loads(path.read_text())
    record["files"] = {"../../../config.json": "0" * 64}
    path.write_text(json.dumps(record))
    return path


def _config_garbage(out: Path) -> Path:
    path = out / "config.json"
    path.write_text('{"lr": ')
    return path


def _config_unknown_field(out: Path) -> Path:
    path = out / "config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"lrr": 1}))
    return path


def _checkpoints_a_file(out: Path) -> Path:
    import shutil

    path = out / "checkpoints"
    shutil.rmtree(path)
    path.write_text("")
    return path


def _latest_a_folder(out: Path) -> Path:
    path = out / "checkpoints" / "latest.json"
    path.unlink()
    path.mkdir()
    return path


DAMAGES = [
    (_checkpoints_a_file, "expected the folder of the run's checkpoints, got a file"),
    (_latest_a_folder, "cannot be read"),
    (_pickle_model, "not a readable safetensors file"),
    (_truncate_model, "sha256 differs"),
    (_truncate_model_unhashed, "not a readable safetensors file"),
    (_garbage_train_state, "sha256 differs"),
    (_garbage_train_state_unhashed, "not valid JSON"),
    (_incomplete_train_state_unhashed, "incomplete or inconsistent"),
    (_missing_tensors, "the file is missing"),
    (_latest_garbage, "not text"),
    (_latest_wrong_shape, "expected an object with an int 'step'"),
    (_latest_escapes("../.."), "expected a folder name inside"),
    (_latest_escapes("/etc"), "expected a folder name inside"),
    (_latest_escapes(".."), "expected a folder name inside"),
    (_latest_symlink_out, "leads outside"),
    (_file_name_escapes, "expected a folder name inside"),
    (_config_garbage, "not valid JSON"),
    (_config_unknown_field, "not a valid TrainConfig"),
]


@pytest.mark.parametrize("damage, reason", DAMAGES, ids=[d.__name__ for d, _ in DAMAGES])
def test_damaged_checkpoint_is_refused_naming_the_file_and_never_executed(
    tiny, tmp_path, damage, reason
):
    out = tmp_path / "run"
    cfg = _run(tiny, out)
    _unfinish(out)
    MARKER.unlink(missing_ok=True)
    path = damage(out)
    with pytest.raises(RunFolderError) as e:
        train(cfg, resume=True, progress=False)
    message = str(e.value)
    assert message.startswith(f"{path}: damaged run file (") or f"{path}: damaged" in message
    assert reason in message
    assert "start a new run" in message or "restore it" in message
    assert not MARKER.exists(), "a pickle in the run folder was executed"


def test_damaged_metrics_of_a_finished_run_says_how_to_recover(tiny, tmp_path):
    out = tmp_path / "run"
    cfg = _run(tiny, out)
    expected = json.loads((out / "metrics.json").read_text())
    (out / "metrics.json").write_text("{")
    with pytest.raises(RunFolderError, match="metrics.json: damaged run file .* delete it and"):
        train(cfg, resume=True, progress=False)
    (out / "metrics.json").unlink()  # the advice: the last checkpoint is tested again
    again = train(cfg, resume=True, progress=False)
    assert again.metrics == expected["metrics"]


def test_damaged_history_of_a_finished_run_is_named(tiny, tmp_path):
    out = tmp_path / "run"
    cfg = _run(tiny, out)
    (out / "history.jsonl").write_text('{"step": 10}\n{"ste')
    with pytest.raises(RunFolderError, match="history.jsonl: damaged run file"):
        train(cfg, resume=True, progress=False)


def test_a_second_process_on_the_folder_is_refused(tiny, tmp_path):
    out = tmp_path / "run"
    busy = rf"is in use by process {os.getpid()}"
    # another open file description of the lock, as another process would have
    with run_folder_lock(out), pytest.raises(RunFolderError, match=busy):
        train(tiny(out, steps=10), progress=False)
    train(tiny(out, steps=10), progress=False)  # released: the folder is usable again


def test_unwritable_out_is_a_clear_error(tiny, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RunFolderError, match="out_dir: expected a folder this process can write"):
        train(tiny(blocker / "run", steps=10), progress=False)


def test_partial_files_of_killed_writes_are_removed(tiny, tmp_path):
    out = tmp_path / "run"
    cfg = _run(tiny, out)
    _unfinish(out)
    leftovers = [
        out / "checkpoints" / ".latest.json.x1.partial",
        out / ".config.json.x2.partial",
        _latest(out)[0] / ".model.safetensors.x3.partial",
    ]
    for p in leftovers:
        p.write_text("half")
    (out / "notes").mkdir()
    other = out / "notes" / "download.partial"  # not ours, not where a run writes: kept
    other.write_text("someone else's")
    train(cfg, resume=True, progress=False)
    assert [p for p in out.rglob("*.partial")] == [other]


def test_a_save_never_writes_into_the_folder_of_the_complete_checkpoint(tmp_path, monkeypatch):
    """Saving the same step twice (a resumed run re-saving): the first stays complete until the
    second's pointer is written."""
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.Adam(model.parameters())

    def ckpt(value: float) -> ck.Checkpoint:
        with torch.no_grad():
            model.weight.fill_(value)
        rng = {"rng.torch": torch.get_rng_state()}
        return ck.Checkpoint(model.state_dict(), None, opt.state_dict(), rng, {"loop": {}})

    ck.save_checkpoint(tmp_path, 10, ckpt(1.0))
    real = ck.write_json_atomic

    def killed_at_the_pointer(path, obj):
        if path.name == "latest.json":
            raise KeyboardInterrupt("killed")
        real(path, obj)

    monkeypatch.setattr(ck, "write_json_atomic", killed_at_the_pointer)
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(tmp_path, 10, ckpt(2.0))
    assert torch.all(ck.load_checkpoint(tmp_path).model["weight"] == 1.0)
    monkeypatch.setattr(ck, "write_json_atomic", real)
    ck.save_checkpoint(tmp_path, 10, ckpt(3.0))
    assert torch.all(ck.load_checkpoint(tmp_path).model["weight"] == 3.0)
    assert len([p for p in (tmp_path / "checkpoints").iterdir() if p.is_dir()]) == 1


# -- non-finite and out-of-range settings ---------------------------------------------------------
@pytest.mark.parametrize(
    "kw, match",
    [
        ({"lr": math.inf}, "lr: expected a finite number > 0, got inf"),
        ({"lr": math.nan}, "lr: expected a number > 0, got nan"),
        ({"seed": 2**70}, r"seed: expected an int in \[0, 4294967295\]"),
        ({"grad_clip": math.nan}, "grad_clip: expected a number > 0, got nan"),
        ({"max_seconds": math.nan}, "max_seconds: expected a number > 0, got nan"),
    ],
)
def test_non_finite_or_out_of_range_settings_are_refused(tiny, kw, match):
    with pytest.raises(ValueError, match=match):
        tiny(**kw)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_forget_bias_is_refused(bad):
    with pytest.raises(
        ValueError, match=f"forget_bias: expected a finite float or None, got {bad}"
    ):
        ModelConfig(forget_bias=bad)
