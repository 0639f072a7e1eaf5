"""notebooks/ageing_effects.ipynb: committed without outputs; runs end to end (tiny settings)."""

import json
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = "notebooks/ageing_effects.ipynb"


def test_committed_notebook_has_no_outputs(repo_root):
    nb = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "notebook has no code"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata
    # the parameters the test overrides are read at the top
    assert "SIMI_NB_PATHS" in code[0].source and "SIMI_NB_INSURED" in code[0].source


def test_notebook_executes_end_to_end(repo_root, tmp_path, monkeypatch):
    # a kernel for this very interpreter (not whatever "python3" kernel the machine has)
    spec = tmp_path / "kernels" / "simi-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simi test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("SIMI_NB_PATHS", "12")
    monkeypatch.setenv("SIMI_NB_INSURED", "20000")
    monkeypatch.setenv("SIMI_NB_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(repo_root / NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="simi-test",
                                     resources={"metadata": {"path": str(repo_root / "notebooks")}})
    client.execute()  # raises CellExecutionError on any failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 10
    text = "".join(o.get("text", "") for o in outputs)
    assert "12 paths" in text and "20,000 insured" in text
    assert "Ageing explains" in text
    tables = "".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    for expected in ("indexed starting line", "ageing measured last", "higher line (12,000)",
                     "required standard"):
        assert expected in tables
