"""The kernel cache heals itself: damaged libraries are rebuilt (never loaded), a build killed
with -9 leaves nothing that blocks, a live builder is waited for with a timeout, a read-only
valid cache loads, two concurrent builds agree, and a compile error says what the compiler said.

These tests compile a one-line C++ file (under a second) into a temporary cache; the real
kernels' own cold build is the slow test at the end. Every test that damages a cache uses its
own temporary folder, never the shared ~/.cache/torch_extensions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from lstmlab.files import sha256_of
from lstmlab.kernels import cache

TINY = 'extern "C" int lstmlab_tiny_answer() { return 42; }\n'


def tiny(tmp_path: Path, source: str = TINY) -> cache.Extension:
    """A fresh extension (unique name: torch renames a second build of one name in a process)."""
    src = tmp_path / f"tiny_{uuid.uuid4().hex[:8]}.cpp"
    src.write_text(source)
    return cache.Extension(name=f"lstmlab_tiny_{uuid.uuid4().hex[:12]}", sources=(src,))


def spec(ext: cache.Extension, root: Path) -> str:
    return json.dumps(
        {"name": ext.name, "sources": [str(s) for s in ext.sources], "root": str(root)}
    )


#: A child process that builds/loads the extension described by argv[1] and prints a JSON line.
CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from lstmlab.kernels import cache
    s = json.loads(sys.argv[1])
    ext = cache.Extension(name=s["name"], sources=tuple(Path(p) for p in s["sources"]))
    mode = sys.argv[2]
    if mode == "hold":  # take the build lock, leave a half-done build folder, then sleep
        root = Path(s["root"]) / ext.name
        root.mkdir(parents=True, exist_ok=True)
        with cache.build_lock(root):
            import os, time
            (root / f"tmp-{os.getpid()}-x").mkdir()
            print("locked", flush=True)
            time.sleep(120)
    else:
        if mode == "start-together":
            import time
            while time.time() < float(sys.argv[3]):
                time.sleep(0.005)
        lib, built = cache.ensure_built(ext, Path(s["root"]), timeout=120)
        print(json.dumps({"lib": str(lib), "built": built}), flush=True)
    """
)


def child(ext, root, *args, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, spec(ext, root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_build_records_size_and_hash_and_reuses_without_rebuilding(tmp_path, capsys):
    ext = tiny(tmp_path)
    lib, built = cache.ensure_built(ext, tmp_path / "cache")
    assert built and lib.exists()
    record = json.loads((lib.parent / cache.MANIFEST).read_text())
    assert record["size"] == lib.stat().st_size
    assert record["sha256"] == sha256_of(lib)
    assert "compiling the fused C++ kernels" in capsys.readouterr().err  # progress is shown
    mtime = lib.stat().st_mtime_ns
    again, built = cache.ensure_built(ext, tmp_path / "cache")
    assert (again, built) == (lib, False)
    assert lib.stat().st_mtime_ns == mtime
    assert not list(lib.parent.glob(f"{cache.TMP_PREFIX}*")), "the build folder was not removed"


def _replace(path: Path, data: bytes) -> None:
    """Damage at rest, as a copy or a full disk leaves it: a new file under the old name. (This
    process has the library loaded; rewriting the mapped file in place would SIGBUS it.)"""
    tmp = path.with_suffix(".damaged")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _truncate(lib: Path) -> None:
    _replace(lib, lib.read_bytes()[: lib.stat().st_size // 3])


def _garbage_same_size(lib: Path) -> None:
    _replace(lib, os.urandom(lib.stat().st_size))


def _no_manifest(lib: Path) -> None:
    (lib.parent / cache.MANIFEST).unlink()


def _bad_manifest(lib: Path) -> None:
    (lib.parent / cache.MANIFEST).write_text('{"size": ')


@pytest.mark.parametrize(
    "damage, why",
    [
        (_truncate, "bytes, the build recorded"),
        (_garbage_same_size, "sha256 differs"),
        (_no_manifest, "has no manifest.json"),
        (_bad_manifest, "unreadable"),
    ],
)
def test_damaged_library_is_never_loaded_and_is_rebuilt(tmp_path, capsys, damage, why):
    root = tmp_path / "cache"
    ext = tiny(tmp_path)
    lib, _ = cache.ensure_built(ext, root)
    good = lib.read_bytes()
    damage(lib)
    found, reason = cache.verify(ext, root)
    assert found is None and why in reason
    capsys.readouterr()
    lib2, built = cache.ensure_built(ext, root)
    assert built and lib2 == lib
    err = capsys.readouterr().err
    assert "rebuilding the kernels: " in err and why in err
    assert cache.verify(ext, root)[0] == lib
    assert len(lib.read_bytes()) == len(good)


def test_build_killed_with_sigkill_leaves_no_blocking_lock(tmp_path, capsys):
    root = tmp_path / "cache"
    ext = tiny(tmp_path)
    holder = child(ext, root, "hold")
    assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    folder = root / ext.name
    assert (folder / cache.LOCK).exists() and list(folder.glob("tmp-*")), "nothing left behind?"
    start = time.monotonic()
    lib, built = cache.ensure_built(ext, root, timeout=30)
    assert built and time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert f"removed the leftovers of an interrupted build (process {holder.pid})" in err
    assert not list(folder.glob("tmp-*"))


def test_live_builder_is_waited_for_with_a_timeout_naming_it(tmp_path, capsys):
    root = tmp_path / "cache"
    ext = tiny(tmp_path)
    holder = child(ext, root, "hold")
    try:
        assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
        with pytest.raises(
            cache.CacheError,
            match=rf"timed out after \d+ s waiting for process "
            rf"{holder.pid} to finish building",
        ):
            cache.ensure_built(ext, root, timeout=1.0)
        assert f"waiting for process {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_build_timeout_from_the_environment_is_checked(monkeypatch):
    monkeypatch.setenv("LSTMLAB_BUILD_TIMEOUT", "soon")
    with pytest.raises(cache.CacheError, match="LSTMLAB_BUILD_TIMEOUT: expected a number"):
        cache._timeout()
    monkeypatch.setenv("LSTMLAB_BUILD_TIMEOUT", "2.5")
    assert cache._timeout() == 2.5


def test_two_concurrent_builds_agree_and_build_once(tmp_path):
    root = tmp_path / "cache"
    ext = tiny(tmp_path)
    at = str(time.time() + 3)  # both start together, after their imports
    procs = [child(ext, root, "start-together", at) for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["built"] for r in results) == [False, True]
    assert results[0]["lib"] == results[1]["lib"]
    assert cache.verify(ext, root)[0] == Path(results[0]["lib"])


def _read_only(folder: Path, script: list[str]) -> subprocess.CompletedProcess:
    """Run ``script`` with ``folder`` read-only: a private read-only bind mount when we are root
    (root ignores file modes), else by taking the write permission away."""
    if os.geteuid() == 0:
        mount = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
        cmd = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *script]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    try:
        for p in modes:
            p.chmod(p.stat().st_mode & ~0o222)
        return subprocess.run(script, capture_output=True, text=True, timeout=120)
    finally:
        for p, m in modes.items():
            p.chmod(m)


@pytest.mark.skipif(sys.platform != "linux", reason="bind mounts / permissions of Linux")
def test_valid_read_only_cache_loads_without_locking_and_damaged_one_says_what_to_do(tmp_path):
    root = tmp_path / "cache"
    ext = tiny(tmp_path)
    lib, _ = cache.ensure_built(ext, root)
    (lib.parent / cache.LOCK).unlink()
    probe = "import os,sys; open(os.path.join(sys.argv[1], 'x'), 'w')"
    denied = _read_only(root, [sys.executable, "-c", probe, str(lib.parent)])
    if denied.returncode == 0 or "unshare" in denied.stderr or "mount" in denied.stderr:
        pytest.skip(f"cannot make a read-only folder here: {denied.stderr[-300:]}")
    load = (
        "import json,sys; from pathlib import Path; from lstmlab.kernels import cache;"
        "import torch; s=json.loads(sys.argv[1]);"
        "e=cache.Extension(s['name'], tuple(Path(p) for p in s['sources']));"
        "lib, built = cache.ensure_built(e, Path(s['root'])); torch.ops.load_library(str(lib));"
        "import ctypes; print(built, ctypes.CDLL(str(lib)).lstmlab_tiny_answer())"
    )
    ok = _read_only(root, [sys.executable, "-c", load, spec(ext, root)])
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["False", "42"]
    assert not (lib.parent / cache.LOCK).exists(), "a valid cache must be used without a lock"
    _truncate(lib)
    bad = _read_only(root, [sys.executable, "-c", load, spec(ext, root)])
    assert bad.returncode != 0
    assert "cannot be written" in bad.stderr and "TORCH_EXTENSIONS_DIR" in bad.stderr
    assert "is damaged" in bad.stderr


def test_compile_error_carries_the_compilers_message(tmp_path):
    ext = tiny(tmp_path, "int broken( { return 1; }\n")
    with pytest.raises(cache.BuildError) as e:
        cache.ensure_built(ext, tmp_path / "cache")
    message = str(e.value)
    assert f"compiling {ext.sources[0].name} failed" in message
    assert "error:" in message and ext.sources[0].name in message  # the compiler's own line
    assert e.value.log is not None and "error" in e.value.log.read_text()
    assert not list((tmp_path / "cache" / ext.name).glob("*.so"))
