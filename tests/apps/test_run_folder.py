"""Application run folders: each belongs to one application; metrics.json has one shape."""

from __future__ import annotations

import json
import math

import pytest
from rich.console import Console

from lstmlab.apps.run import (
    AppFolderError,
    check_app_folder,
    init_app_folder,
    print_app_metrics,
    read_app_metrics,
    trained_model_file,
    write_app_metrics,
)


def test_a_folder_belongs_to_one_application(tmp_path):
    out = tmp_path / "run"
    init_app_folder(out, "text", {"hidden": 8})
    assert check_app_folder(out, "text") == {"hidden": 8}
    init_app_folder(out, "text", {"hidden": 8})  # re-entering (resume) is fine
    with pytest.raises(
        AppFolderError,
        match=r"out: expected a run folder of the 'forecast' "
        r"application, got one of the 'text' application",
    ):
        check_app_folder(out, "forecast")
    with pytest.raises(AppFolderError, match=r"got one of the 'text' application"):
        init_app_folder(out, "forecast", {})


def test_missing_damaged_and_foreign_folders_are_explained(tmp_path):
    with pytest.raises(AppFolderError, match=r"holds none; train one with `lstmlab app text"):
        check_app_folder(tmp_path / "nothing", "text")
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(AppFolderError, match=r"expected an empty folder .* holds other files"):
        init_app_folder(other, "text", {})
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "app.json").write_text("{not json")
    with pytest.raises(AppFolderError, match=r"app.json to hold .* got a damaged file"):
        check_app_folder(damaged, "text")
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(AppFolderError, match=r"out: expected a folder, got the file"):
        init_app_folder(a_file, "text", {})


def test_an_unfinished_training_run_is_named(tmp_path):
    init_app_folder(tmp_path, "text", {})
    with pytest.raises(AppFolderError, match=r"expected a finished training run .* --resume"):
        trained_model_file(tmp_path, "text")


def test_metrics_shape_and_table(tmp_path):
    written = write_app_metrics(
        tmp_path,
        {"accuracy": 0.9, "loss": math.nan},
        {"majority": {"accuracy": 0.5}},
        {"source": "x==1", "sizes": {"train": 10}},
    )
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert stored == written == read_app_metrics(tmp_path)
    assert stored["model"] == {"accuracy": 0.9, "loss": None}  # JSON has no NaN
    console = Console(record=True, width=120)
    print_app_metrics(console, stored)
    text = console.export_text()
    assert "lstmlab model" in text and "majority" in text and "0.9" in text and "x==1" in text
