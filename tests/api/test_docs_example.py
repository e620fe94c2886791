"""docs/api.md's "Evaluate your own model" is the file docs/examples/evaluate_your_model.py,
verbatim and under 40 lines, and it runs: from the class to the LaTeX table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "evaluate_your_model.py"


def test_the_documented_example_is_the_file_and_runs(tmp_path) -> None:
    code = EXAMPLE.read_text()
    assert len(code.splitlines()) < 40
    assert f"```python\n{code}```" in (REPO / "docs" / "api.md").read_text()
    env = {**os.environ, "SDBENCH_RESULTS": str(tmp_path / "results")}
    done = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\\begin{tabular}" in done.stdout and "\\end{table" in done.stdout
    mu_law = [line for line in done.stdout.splitlines() if line.startswith("mu-law &")]
    assert len(mu_law) == 1 and mu_law[0].split(" & ")[1] == "192"  # kbps: 8 bits x 24 kHz
    assert list((tmp_path / "results" / "runs").glob("resynthesis-val-*/summary.csv"))
