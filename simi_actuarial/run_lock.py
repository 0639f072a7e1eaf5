"""One writer per output directory: ``simi run`` holds ``DIR/.simi-run.lock`` while it runs,
so a second ``simi run`` into the same directory at the same time is refused with a clear
message (exit 2) instead of interleaving checkpoints and outputs.

The lock is an advisory ``flock`` on that file: the operating system releases it when the
process ends, however it ends, so a crashed run never leaves a stale lock behind. The file
holds the owner's process id and start time, for the message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import SimiInputError

LOCK_NAME = ".simi-run.lock"


@contextmanager
def output_lock(out_dir: str | Path, option: str = "--out") -> Iterator[Path]:
    """Hold the lock of ``out_dir`` (created if missing; removed again if it was created
    here and is still empty at the end). Raises :class:`SimiInputError` naming ``option``
    when another process holds it."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise SimiInputError("simi run", [(option, f"{out} is a file, not a directory")])
    created = not out.exists()
    try:  # an OSError (permissions, a read-only or missing file system): exit 1, named
        out.mkdir(parents=True, exist_ok=True)
        path = out / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OSError(f"{option}: cannot write to {out}: {exc.strerror or exc}") from None
    try:
        if not _try_lock(fd) or not _still_at(fd, path):
            owner = os.read(fd, 200).decode(errors="replace").strip() or "unknown"
            raise SimiInputError("simi run", [(option, (
                f"another simi run is writing to {out} ({owner}); wait for it to finish "
                "or choose another output directory"))])
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        try:
            yield out
        finally:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()


def _still_at(fd: int, path: Path) -> bool:
    """The locked file is still the one at ``path`` (not one a finishing run unlinked after
    this process opened it)."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; do not block the run
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
