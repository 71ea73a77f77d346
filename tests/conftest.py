"""The tests import the lab's modules from scripts/ (pytest.ini's pythonpath), and run its
commands in child processes (python -m rbresults.report ...): those find scripts/ through
PYTHONPATH, as scripts/pyrun sets it."""
import os
from pathlib import Path

SCRIPTS = str(Path(__file__).resolve().parent.parent / "scripts")
if SCRIPTS not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (SCRIPTS, os.environ.get("PYTHONPATH")) if p)
