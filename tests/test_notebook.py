"""docs/notebooks/quickstart.ipynb runs from top to bottom (nbclient), so it cannot rot; and
it shows what it says: the stances of the default run, a parameter's effect, a sweep."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pyarrow")  # the sweep cell needs the sweep extra


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        data = out.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/markdown", ""))
    return "".join(parts)


def test_quickstart_notebook_runs_and_shows_its_results(tmp_path, monkeypatch):
    # a kernel on this very interpreter (a venv's python, not whatever `python` is on PATH)
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") is not None for c in code)
    joined = "\n".join(_text(c) for c in code)
    assert "Coalition of the willing" in joined and "30 actors" in joined
    assert "deploy_after_ceasefire" in joined  # the stance table of the last meeting
    assert "FR" in joined
    assert "bandwagon_40" in joined  # the comparison of the two runs
    assert "compromise" in joined and "eum" in joined  # the sweep's design points
    assert "### Actors (30)" in joined and "| code | name |" in joined  # describe's tables
