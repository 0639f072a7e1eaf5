"""Every file of a run stays inside the chosen output directory; file names that would leave
it are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simi_actuarial.cli import main
from simi_actuarial.io import confined_path


@settings(max_examples=300, deadline=None)
@given(name=st.text(alphabet=st.sampled_from(list("ab./\\\x00~ ")), max_size=8)
       | st.sampled_from(["..", ".", "", "/etc/passwd", "../x", "a/../../b", "x\x00y",
                          "C:\\x", "~/.bashrc", "summary.csv"]))
def test_confined_path_never_leaves_the_directory(name):
    out = Path("/data/run")
    try:
        p = confined_path(out, name)
    except ValueError as exc:
        assert "not a plain file name" in str(exc)
        return
    assert p.parent == out and p.name == name
    assert os.path.normpath(p).startswith(str(out) + os.sep)


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/b", "", "x\x00y", "a\\..\\b"])
def test_traversal_names_are_refused(name):
    with pytest.raises(ValueError):
        confined_path("/data/run", name)


def test_run_writes_only_inside_its_directory(repo_root, tmp_path):
    out = tmp_path / "nested" / "out"
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "3",
               "--out", str(out), "--quiet"])
    assert rc == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert written == ["nested", "nested/out", "nested/out/manifest.json",
                       "nested/out/paths.parquet", "nested/out/results.xlsx",
                       "nested/out/summary.csv"]


def test_symlinked_checkpoint_directory_is_refused(repo_root, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / ".checkpoint").symlink_to(elsewhere)
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "3",
               "--out", str(out), "--quiet"])
    assert rc == 2 and "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_output_directory_that_is_a_file(repo_root, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("keep me")
    scenario = str(repo_root / "tests/data/small_guangxi.yaml")
    assert main(["run", scenario, "--paths", "2", "--out", str(f), "--quiet"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["run", scenario, "--paths", "2", "--out", str(f / "x"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert f.read_text() == "keep me"
