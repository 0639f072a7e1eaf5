"""Guard against stale numba caches.

numba's ``cache=True`` keys a cached function on the file that defines it. A function that
inlines a sampler or rule from *another* file (the claims kernel inlines ``engine/rng.py``,
``engine/samplers.py`` and ``rules/kernel.py``) keeps its old machine code when only that
other file changes — after an upgrade, or while developing — and would silently compute with
the old samplers. So the cache is stamped with a hash of every source file of the package;
when the sources change, every cached ``.nbi``/``.nbc`` file under the package is deleted
before anything is compiled or loaded. numba reads its cache at a function's first call, so
the entry points call :func:`ensure_fresh_package_cache` before running anything compiled:
``simi`` (:func:`simi_actuarial.cli.main`), :func:`simi_actuarial.api.simulate` and
:func:`~simi_actuarial.api.compare`, and a Dask worker's batch task. Importing the package
does nothing of the kind.

Only numba's default cache location (``__pycache__`` beside the sources) and
``NUMBA_CACHE_DIR`` are handled; where neither is writable nothing is cached or cleared.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

STAMP_NAME = "simi_numba_cache.stamp"


def source_digest(*roots: Path) -> str:
    """SHA-256 over the relative paths and contents of every ``.py`` file under ``roots``."""
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _cache_dirs(root: Path) -> list[Path]:
    dirs = [root]
    override = os.environ.get("NUMBA_CACHE_DIR")
    if override:
        dirs.append(Path(override))
    return [d for d in dirs if d.is_dir()]


def clear_if_stale(root: Path, *sources: Path) -> bool:
    """Delete numba's cached code under ``root`` when the sources (``root`` and ``sources``)
    changed since the last stamp; returns True when it cleared. Never raises for an
    unwritable location (then there is no cache to go stale)."""
    digest = source_digest(root, *sources)
    stamp = root / "__pycache__" / STAMP_NAME
    try:
        if stamp.is_file() and stamp.read_text(encoding="ascii").strip() == digest:
            return False
        for base in _cache_dirs(root):
            for pattern in ("*.nbi", "*.nbc"):
                for cached in base.rglob(pattern):
                    if base == root or root.name in cached.parts:
                        cached.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(digest, encoding="ascii")
        os.replace(tmp, stamp)
    except OSError:
        return False
    return True


_checked = False


def ensure_fresh_package_cache() -> bool:
    """:func:`clear_if_stale` for this package, once per process (later calls return
    ``False`` at once); True when cached code was dropped."""
    global _checked
    if _checked:
        return False
    _checked = True
    return clear_if_stale(Path(__file__).resolve().parent)


def kernel_cached() -> bool:
    """Whether compiled code of the claims kernel (``engine/kernel.py``) is in the cache,
    i.e. whether the next run loads it instead of compiling it (~20-60 s)."""
    root = Path(__file__).resolve().parent
    for base in _cache_dirs(root):
        for cached in base.rglob("kernel.*.nbi"):
            if "engine" in cached.parts or cached.name.startswith("kernel.simulate"):
                return True
    return False
