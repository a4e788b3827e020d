"""How the real kernels are built and what a user sees when they cannot be: the fallback gives
torch.nn's results with one warning at the user's line; LSTMLAB_NO_FUSED means what it says;
``lstmlab build`` builds ahead of time or prints the compiler's message."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import torch
from click.testing import CliRunner

import lstmlab
from lstmlab.cli.main import cli
from lstmlab.kernels import build, cache


@pytest.mark.parametrize(
    "value, disabled",
    [("", False), ("0", False), ("false", False), ("No", False), ("off", False)]
    + [("1", True), ("true", True), ("YES", True), ("on", True)],
)
def test_no_fused_flag_means_what_it_says(monkeypatch, value, disabled):
    monkeypatch.setenv("LSTMLAB_NO_FUSED", value)
    assert build.fused_disabled() is disabled


def test_no_fused_flag_typo_is_an_error_naming_it(monkeypatch):
    monkeypatch.setenv("LSTMLAB_NO_FUSED", "disable")
    with pytest.raises(ValueError, match=r"LSTMLAB_NO_FUSED: expected one of .* got 'disable'"):
        build.fused_disabled()


#: Runs the three layers on the fallback path and torch.nn on the same weights and inputs.
FALLBACK = textwrap.dedent(
    """
    import json, warnings
    import torch, lstmlab
    torch.manual_seed(0)
    x = torch.randn(7, 3, 4, dtype=torch.float64)
    diffs = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for ours, theirs in [
            (lstmlab.LSTM(4, 5, 2, dtype=torch.float64), torch.nn.LSTM),
            (lstmlab.GRU(4, 5, dtype=torch.float64), torch.nn.GRU),
            (lstmlab.RNN(4, 5, nonlinearity="relu", dtype=torch.float64), torch.nn.RNN),
        ]:
            ref = ours.to_torch()
            y, _ = ours(x)  # the warning must point here
            y.sum().backward()
            z, _ = ref(x)
            z.sum().backward()
            g = max((p.grad - q.grad).abs().max().item()
                    for p, q in zip(ours.parameters(), ref.parameters()))
            diffs[type(ours).__name__] = [(y - z).abs().max().item(), g]
    from lstmlab.kernels import build
    print(json.dumps({
        "diffs": diffs,
        "fused": build.load(),
        "warnings": [(str(w.message), w.filename, w.lineno) for w in caught],
    }))
    """
)


def _run_fallback(tmp_path, env_changes):
    script = tmp_path / "user_script.py"
    script.write_text(FALLBACK)
    env = {**os.environ, "TORCH_EXTENSIONS_DIR": str(tmp_path / "empty-cache"), **env_changes}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), script


def test_no_compiler_on_path_warns_once_at_the_users_line_and_matches_torch(tmp_path):
    result, script = _run_fallback(tmp_path, {"PATH": "", "CXX": ""})
    assert result["fused"] is False
    ours = [w for w in result["warnings"] if "lstmlab" in w[0]]
    assert len(ours) == 1, result["warnings"]
    message, filename, lineno = ours[0]
    assert "no C++ compiler" in message and "reference recurrence" in message
    assert "LSTMLAB_NO_FUSED=1" in message and "lstmlab build" in message
    line = FALLBACK.splitlines().index("        y, _ = ours(x)  # the warning must point here") + 1
    assert (filename, lineno) == (str(script), line)
    for name, (out, grad) in result["diffs"].items():
        assert out < 1e-12 and grad < 1e-10, (name, out, grad)


def test_no_fused_set_is_quiet_and_zero_is_not_set(tmp_path):
    result, _ = _run_fallback(tmp_path, {"LSTMLAB_NO_FUSED": "1"})
    assert result["fused"] is False and not result["warnings"]
    assert all(o < 1e-12 and g < 1e-10 for o, g in result["diffs"].values())
    if not build.load():
        pytest.skip(f"the fused kernels are unavailable here: {build.failure()}")
    env = {"LSTMLAB_NO_FUSED": "0", "TORCH_EXTENSIONS_DIR": str(cache.cache_root())}
    result, _ = _run_fallback(tmp_path, env)
    assert result["fused"] is True and not result["warnings"]


@pytest.fixture
def broken_kernels(tmp_path, monkeypatch):
    """``build.load`` as in a fresh process whose kernel sources do not compile."""
    src = tmp_path / "lstm.cpp"
    src.write_text("int broken( { return 1; }\n")
    ext = cache.Extension(name=f"lstmlab_broken_{uuid.uuid4().hex[:8]}", sources=(src,))
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(build, "extension", lambda: ext)
    monkeypatch.setattr(build, "load", functools.cache(build.load.__wrapped__))
    monkeypatch.setattr(build, "_failure", None)
    return src


def test_compile_error_is_reported_at_the_call_site_with_the_compilers_message(broken_kernels):
    # float64: a small plain float32 call would go to oneDNN (the dispatch's rule 2), no build
    x = torch.randn(3, 2, 4, dtype=torch.float64)
    with pytest.warns(RuntimeWarning, match="the fused kernels are unavailable") as caught:
        lstmlab.LSTM(4, 5, dtype=torch.float64)(x)  # the warning's line
    (w,) = [w for w in caught if "lstmlab" in str(w.message)]
    assert w.filename == __file__
    message = str(w.message)
    assert "lstm.cpp failed" in message and "error:" in message
    assert "build-error.log" in message and "LSTMLAB_NO_FUSED=1" in message
    with pytest.raises(RuntimeError, match=r"backend: 'fused' was asked for .*lstm\.cpp failed"):
        lstmlab.LSTM(4, 5, backend="fused", dtype=torch.float64)(x)


def test_build_command_reports_a_compile_error_and_exits_1(broken_kernels):
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 1
    assert "lstm.cpp failed" in result.output and "error:" in result.output
    assert "LSTMLAB_NO_FUSED=1" in result.output


def test_build_command_builds_or_verifies_the_real_kernels():
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert "fused kernels " in result.output
    library = result.output.strip().split(": ", 1)[1]
    assert cache.verify(build.extension())[0] == cache.Path(library)


@pytest.mark.slow
def test_cold_build_of_the_real_kernels_then_a_truncated_library_is_rebuilt(tmp_path):
    """The real cold build (1-3 minutes), then the failure mode that used to SIGBUS forever."""
    env = {**os.environ, "TORCH_EXTENSIONS_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "lstmlab.cli.main", "build"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0 and "fused kernels built" in first.stdout, first.stderr
    (lib,) = tmp_path.glob("lstmlab_kernels_*/*.so")
    lib.write_bytes(lib.read_bytes()[:4096])
    use = (
        "import torch, lstmlab; "
        "print(lstmlab.LSTM(3, 4, backend='fused')(torch.randn(5, 2, 3))[0].shape)"
    )
    second = subprocess.run(
        [sys.executable, "-c", use], env=env, capture_output=True, text=True, timeout=1800
    )
    assert second.returncode == 0, (second.returncode, second.stderr)  # SIGBUS was -7
    assert "rebuilding the kernels" in second.stderr and "is damaged" in second.stderr
    assert "torch.Size([5, 2, 4])" in second.stdout


def test_cli_reports_a_bad_no_fused_value_as_a_usage_error(monkeypatch):
    monkeypatch.setenv("LSTMLAB_NO_FUSED", "maybe")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert "LSTMLAB_NO_FUSED: expected one of" in result.output and "'maybe'" in result.output
