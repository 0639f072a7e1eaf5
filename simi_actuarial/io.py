"""Writing results: every file atomically (temporary file + rename), the manifest last;
every file of a run confined to its output directory (:func:`confined_path`).

Money rule: amounts are float64 CNY from the kernel to the files and never rounded in a
computation. Rounding happens on output only: ``summary.csv`` (:func:`write_csv`) writes
every number with 10 significant digits (``%.10g``; a relative error below 5e-11, far below
any Monte Carlo error); ``paths.parquet`` keeps the exact float64 values; ``simi reimburse``
rounds each person's amounts half-to-even to cents (``claims/reimburse.py``).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success,
    delete it on any error, so ``target`` is never half-written."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def confined_path(out_dir: str | Path, name: str) -> Path:
    """``out_dir / name``, refusing any ``name`` that would leave ``out_dir``: absolute
    paths, ``..``, path separators, NUL bytes, empty names (:class:`ValueError`)."""
    text = str(name)
    if (not text or text in (".", "..") or "/" in text or "\\" in text or "\0" in text
            or os.path.isabs(text) or Path(text).name != text):
        raise ValueError(f"output file name {text!r} is not a plain file name inside "
                         f"{out_dir}")
    return Path(out_dir) / text


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(target: str | Path, data) -> None:
    write_text(target, json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_csv(target: str | Path, frame) -> None:
    """CSV without index; floats with 10 significant digits (see the money rule above)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g")


def write_parquet(target: str | Path, frame) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def _json_default(obj):
    import numpy as np

    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
