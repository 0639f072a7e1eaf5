"""The numba cache guard: cached machine code is dropped when any source file changes."""

from simi_actuarial.numba_cache import STAMP_NAME, clear_if_stale, source_digest


def _tree(tmp_path):
    root = tmp_path / "pkg"
    (root / "engine" / "__pycache__").mkdir(parents=True)
    (root / "engine" / "kernel.py").write_text("x = 1\n")
    (root / "engine" / "rng.py").write_text("y = 2\n")
    cached = [root / "engine" / "__pycache__" / "kernel.f-10.py311.nbi",
              root / "engine" / "__pycache__" / "kernel.f-10.py311.1.nbc"]
    for c in cached:
        c.write_bytes(b"old machine code")
    return root, cached


def test_cache_cleared_when_another_file_changes(tmp_path):
    root, cached = _tree(tmp_path)
    assert clear_if_stale(root)  # no stamp yet: cleared and stamped
    assert not any(c.exists() for c in cached)
    assert (root / "__pycache__" / STAMP_NAME).read_text() == source_digest(root)
    for c in cached:  # numba writes its cache again
        c.write_bytes(b"new machine code")
    assert not clear_if_stale(root)  # same sources: kept
    assert all(c.exists() for c in cached)
    # a change in rng.py only (kernel.py untouched) must drop kernel.py's cached code
    (root / "engine" / "rng.py").write_text("y = 3\n")
    assert clear_if_stale(root)
    assert not any(c.exists() for c in cached)


def test_other_sources_count_too(tmp_path):
    root, cached = _tree(tmp_path)
    other = tmp_path / "lib"
    other.mkdir()
    (other / "severity.py").write_text("z = 1\n")
    clear_if_stale(root, other)
    for c in cached:
        c.write_bytes(b"code")
    (other / "severity.py").write_text("z = 2\n")
    assert clear_if_stale(root, other)
    assert not any(c.exists() for c in cached)


def test_package_stamp_is_current():
    from pathlib import Path

    import simi_actuarial

    root = Path(simi_actuarial.__file__).resolve().parent
    stamp = root / "__pycache__" / STAMP_NAME
    assert stamp.read_text().strip() == source_digest(root)


def test_importing_the_package_neither_hashes_nor_clears(tmp_path):
    """The guard is an explicit call at the entry points, not a side effect of ``import``."""
    import json
    import subprocess
    import sys

    code = ("import json, simi_actuarial, simi_actuarial.cli, simi_actuarial.numba_cache as n; "
            "checked = n._checked; simi_actuarial.cli.main(['validate', 'scenarios/default.yaml']);"
            " print(json.dumps([checked, n._checked]))")
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True]
