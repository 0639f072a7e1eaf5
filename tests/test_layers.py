"""The package's layering, pinned by the import-linter contracts in ``pyproject.toml``:
each package imports only the layers below it (``scenario`` at the bottom, ``cli`` at the
top), siblings on one layer do not import each other, the random streams import nothing of
the package, and the CUDA backend sits above the kernels (no import cycle between them).
Imports inside functions count too."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe) if exe.exists() else "lint-imports", "--no-cache", "--config",
           str(REPO / "pyproject.toml")]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_import_contracts_are_kept():
    out = _lint(REPO)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contracts have teeth: a copy of the package whose scenario layer imports the
    rules layer fails them."""
    shutil.copytree(REPO / "simi_actuarial", tmp_path / "simi_actuarial",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    base = tmp_path / "simi_actuarial" / "scenario" / "base.py"
    base.write_text(base.read_text() + "\nfrom ..rules import arrays  # noqa\n")
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys; from importlinter.cli import lint_imports; "
         f"sys.exit(lint_imports(config_filename={str(REPO / 'pyproject.toml')!r}, "
         "no_cache=True))"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Package layers BROKEN" in out.stdout
    assert "simi_actuarial.scenario.base -> simi_actuarial.rules.arrays" in out.stdout
