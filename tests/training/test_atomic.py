"""Atomic writes: a crash mid-write leaves the old file (or none) and no temp file behind."""

import json
import os

import pytest
import torch
from safetensors import safe_open

from lstmlab.training import atomic


def test_writes_and_replaces(tmp_path):
    p = tmp_path / "sub" / "a.json"
    atomic.write_json_atomic(p, {"x": 1})
    atomic.write_json_atomic(p, {"x": 2})
    assert json.loads(p.read_text()) == {"x": 2}
    assert os.listdir(p.parent) == ["a.json"]


def test_crash_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    atomic.write_text_atomic(p, "old")

    def crash(fd):  # the data is written, the process dies before it is made durable
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text_atomic(p, "new and much longer")
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_crash_before_rename_leaves_no_file(tmp_path, monkeypatch):
    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        atomic.write_bytes_atomic(tmp_path / "b.bin", b"123")
    assert os.listdir(tmp_path) == []


def test_safetensors_and_csv(tmp_path):
    t = {"w": torch.arange(6.0).view(2, 3), "n": torch.tensor([1, 2], dtype=torch.int64)}
    atomic.write_safetensors_atomic(tmp_path / "t.safetensors", t, {"note": "hi"})
    with safe_open(tmp_path / "t.safetensors", framework="pt") as f:
        assert f.metadata() == {"note": "hi"}
        assert torch.equal(f.get_tensor("w"), t["w"])
    atomic.write_csv_atomic(tmp_path / "r.csv", [{"a": 1, "b": "x"}], ["a", "b"])
    assert (tmp_path / "r.csv").read_text() == "a,b\n1,x\n"


def test_a_written_file_gets_the_mode_open_would_give_not_mkstemps_private_one(tmp_path):
    old = os.umask(0o027)
    try:
        atomic.write_text_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    existing = tmp_path / "kept.txt"
    existing.write_text("old")
    existing.chmod(0o604)
    atomic.write_text_atomic(existing, "new")
    assert existing.stat().st_mode & 0o777 == 0o604
    assert existing.read_text() == "new"
