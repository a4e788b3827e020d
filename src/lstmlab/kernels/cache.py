"""A compiled-library cache that survives crashes, damage, concurrency and read-only disks.

``torch.utils.cpp_extension.load`` alone builds in place and guards the build with a lock file
that nobody removes when the builder dies (``kill -9``, the OOM killer): every later process then
waits forever. It also loads whatever ``.so`` it finds, so a truncated library kills the process
with SIGBUS on every run. Here, instead:

- each build runs in a private temporary folder; the finished library is moved into place with
  one atomic rename and only then described by ``manifest.json`` (its size and sha256);
- a cached library is loaded only when it matches its manifest; anything else is rebuilt;
- a valid cache is used without taking any lock, so a read-only cache works;
- builders serialise on ``flock`` (released by the kernel when its holder dies, so a killed build
  never leaves a lock that blocks), with a timeout and a message naming the holder's pid;
- leftovers of interrupted builds are removed with a message.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lstmlab.files import sha256_of, write_bytes_atomic

__all__ = [
    "Extension",
    "CacheError",
    "BuildError",
    "cache_root",
    "extension_dir",
    "verify",
    "ensure_built",
    "build_lock",
]

MANIFEST = "manifest.json"
LOCK = "build.lock"
TMP_PREFIX = "tmp-"
#: Seconds to wait for another process's build before giving up (env LSTMLAB_BUILD_TIMEOUT).
DEFAULT_TIMEOUT = 1200.0


class CacheError(RuntimeError):
    """The cache cannot be used (not writable, lock held too long)."""


class BuildError(RuntimeError):
    """The compiler failed; the message carries its diagnostics, ``log`` the full output."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class Extension:
    """What to compile. ``name`` must change whenever the result would (hash of the inputs)."""

    name: str
    sources: tuple[Path, ...]
    cflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()

    @property
    def library(self) -> str:
        return f"{self.name}.so"


def cache_root() -> Path:
    """``$TORCH_EXTENSIONS_DIR``, else torch's default extensions folder."""
    root = os.environ.get("TORCH_EXTENSIONS_DIR")
    if root:
        return Path(root)
    from torch.utils.cpp_extension import get_default_build_root

    return Path(get_default_build_root())


def extension_dir(ext: Extension, root: Path | None = None) -> Path:
    return (root or cache_root()) / ext.name


def verify(ext: Extension, root: Path | None = None) -> tuple[Path | None, str]:
    """(library path, "") when the cached library matches its manifest, else (None, why)."""
    folder = extension_dir(ext, root)
    lib, manifest = folder / ext.library, folder / MANIFEST
    if not lib.exists():
        return None, "not built yet"
    try:
        record = json.loads(manifest.read_text())
        size, digest = int(record["size"]), str(record["sha256"])
    except FileNotFoundError:
        return None, f"{lib} has no {MANIFEST} (an interrupted or foreign build)"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, f"{manifest} is unreadable ({type(e).__name__}: {e})"
    actual = lib.stat().st_size
    if actual != size:
        return None, f"{lib} is damaged: {actual} bytes, the build recorded {size}"
    if sha256_of(lib) != digest:
        return None, f"{lib} is damaged: its sha256 differs from the one the build recorded"
    return lib, ""


def _say(message: str) -> None:
    print(f"lstmlab: {message}", file=sys.stderr, flush=True)


def _timeout() -> float:
    raw = os.environ.get("LSTMLAB_BUILD_TIMEOUT", "")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise CacheError(f"LSTMLAB_BUILD_TIMEOUT: expected a number of seconds > 0, got {raw!r}")
    return value


@contextlib.contextmanager
def build_lock(folder: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the folder's build lock (``flock``; a dead holder releases it by dying).

    Waits at most ``timeout`` seconds (``LSTMLAB_BUILD_TIMEOUT``, default 20 minutes) for a live
    holder, saying once who it waits for; on a filesystem without ``flock`` it proceeds unlocked,
    which is still safe because every build runs in its own folder and lands by atomic rename.
    """
    timeout = _timeout() if timeout is None else timeout
    path = folder / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start, told = time.monotonic(), False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):  # ENOLCK, EOPNOTSUPP: no flock
                    break
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            waited = time.monotonic() - start
            if waited >= timeout:
                raise CacheError(
                    f"timed out after {waited:.0f} s waiting for process {holder} to finish "
                    f"building the kernels in {folder} (lock {path}); if that process is stuck, "
                    "stop it, or raise LSTMLAB_BUILD_TIMEOUT"
                )
            if not told:
                _say(f"waiting for process {holder}, which is building the kernels in {folder}")
                told = True
            time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(folder: Path) -> None:
    """Delete temporary build folders of processes that are gone (killed mid-build)."""
    for tmp in folder.glob(f"{TMP_PREFIX}*"):
        try:
            pid = int(tmp.name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        if pid == os.getpid() or (pid > 0 and _pid_alive(pid)):
            continue
        shutil.rmtree(tmp, ignore_errors=True)
        _say(f"removed the leftovers of an interrupted build (process {pid}): {tmp}")


class _Progress:
    """Says that a build started, how long it has been running (every ``every`` s), and ends."""

    def __init__(self, folder: Path, every: float = 30.0) -> None:
        self.folder, self.every = folder, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            _say(f"... still compiling ({time.monotonic() - self.start:.0f} s)")

    def __enter__(self) -> _Progress:
        self.start = time.monotonic()
        _say(
            f"compiling the fused C++ kernels into {self.folder} (once per machine and version; "
            "20 s to 2 minutes; `lstmlab build` does it ahead of time)"
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self.start
        if exc[0] is None:
            _say(f"kernels built in {self.seconds:.0f} s")


def _compile(ext: Extension, build_dir: Path, folder: Path) -> Path:
    """Compile ``ext`` in ``build_dir`` (this also loads it into the process); its path."""
    compiler = os.environ.get("CXX") or "c++"
    if shutil.which(compiler) is None:
        raise BuildError(
            f"no C++ compiler: {compiler!r} was not found on PATH (install one, e.g. "
            "`apt-get install g++`, or set CXX)"
        )
    from torch.utils.cpp_extension import load as cpp_load

    try:
        cpp_load(
            ext.name,
            [str(s) for s in ext.sources],
            extra_cflags=list(ext.cflags),
            extra_ldflags=list(ext.ldflags),
            extra_include_paths=list(ext.include_paths),
            build_directory=str(build_dir),
            is_python_module=False,
            verbose=bool(os.environ.get("LSTMLAB_VERBOSE_BUILD")),
        )
    except Exception as e:  # noqa: BLE001 - reworded below with the compiler's own lines
        output = str(e)
        log = folder / "build-error.log"
        with contextlib.suppress(OSError):
            log.write_text(output)
        errors = [ln for ln in output.splitlines() if "error" in ln.lower()][:12]
        detail = "\n".join(errors) if errors else output[-2000:]
        raise BuildError(
            f"compiling {', '.join(s.name for s in ext.sources)} failed:\n{detail}\n"
            f"(full compiler output: {log})",
            log,
        ) from e
    built = sorted(build_dir.glob(f"{ext.name}*.so"))  # torch adds _v1, ... on a rebuild
    if len(built) != 1:
        raise BuildError(f"the build in {build_dir} produced {len(built)} libraries, expected 1")
    return built[0]


def ensure_built(
    ext: Extension, root: Path | None = None, *, timeout: float | None = None
) -> tuple[Path, bool]:
    """The verified library of ``ext`` and whether this call built it (and so already loaded it).

    A valid cache is returned without locking or writing anything. Otherwise the library is
    (re)built under the lock and moved into place atomically, then its manifest is written.
    """
    lib, why = verify(ext, root)
    if lib is not None:
        return lib, False
    folder = extension_dir(ext, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as e:
        raise CacheError(
            f"the kernel cache {folder} needs a build ({why}) but cannot be written "
            f"({e.strerror}); set TORCH_EXTENSIONS_DIR to a writable folder"
        ) from e
    with build_lock(folder, timeout):
        lib, why = verify(ext, root)  # another process may have finished while we waited
        if lib is not None:
            return lib, False
        if why != "not built yet":
            _say(f"rebuilding the kernels: {why}")
        _remove_leftovers(folder)
        build_dir = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=folder))
        try:
            with _Progress(folder) as progress:
                built = _compile(ext, build_dir, folder)
            target = folder / ext.library
            record = {
                "library": ext.library,
                "size": built.stat().st_size,
                "sha256": sha256_of(built),
                "build_seconds": round(progress.seconds, 1),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            os.replace(built, target)
            manifest = json.dumps(record, indent=1).encode()
            # 0o644: readable by everyone who shares the cache
            write_bytes_atomic(folder / MANIFEST, manifest, mode=0o644)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (folder / "build-error.log").unlink()
        return target, True
