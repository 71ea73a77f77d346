"""scripts/mutants.py's list, on lists made up here: a stale or ambiguous original, a
mutant without tests and an unknown key are refused with one line before anything runs.

Run: scripts/pyrun -m pytest tests/test_mutants.py -q
"""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
import mutants  # noqa: E402


def write(tmp_path, body):
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "a.c").write_text("int f(int x)\n{\n\treturn x < 1;\n}\nint g;\n")
    p = tmp_path / "list.txt"
    p.write_text(body)
    return p


GOOD = "[flip]\nfile = src/a.c\noriginal = x < 1\nreplacement = x > 1\ntests = c:test_x\n"


def test_a_good_list(tmp_path):
    m = mutants.load_list(write(tmp_path, GOOD + "[nl]\nfile = src/a.c\n"
                                "original = {\\n\\treturn\nreplacement = {\\n\\treturn !\n"
                                "tests = py:tests/x.py\nreason = why\n"), tmp_path)
    assert [x["id"] for x in m] == ["flip", "nl"]
    assert m[1]["original"] == "{\n\treturn" and m[1]["reason"] == "why"


@pytest.mark.parametrize("body, needle", [
    ("[gone]\nfile = src/a.c\noriginal = x <= 1\nreplacement = y\ntests = c:t\n", "found 0 times"),
    ("[twice]\nfile = src/a.c\noriginal = x\nreplacement = y\ntests = c:t\n", "found 2 times"),
    ("[nofile]\nfile = src/b.c\noriginal = x\nreplacement = y\ntests = c:t\n", "src/b.c"),
    ("[notests]\nfile = src/a.c\noriginal = x < 1\nreplacement = x > 1\n", "no tests"),
    ("[same]\nfile = src/a.c\noriginal = x < 1\nreplacement = x < 1\ntests = c:t\n", "equals"),
    ("[key]\nfile = src/a.c\noriginal = x < 1\nreplacement = x > 1\ntests = c:t\nwhy = z\n",
     "unknown keys"),
    ("[kind]\nfile = src/a.c\noriginal = x < 1\nreplacement = x > 1\ntests = sh:t\n", "sh:t"),
    ("# nothing\n", "no mutants"),
])
def test_bad_lists_are_refused(tmp_path, body, needle):
    with pytest.raises(mutants.ListError, match=needle):
        mutants.load_list(write(tmp_path, body), tmp_path)


def test_a_stale_list_stops_the_run_with_one_line(tmp_path):
    p = write(tmp_path, "[gone]\nfile = scripts/mutants.py\noriginal = no such text, "
                        "anywhere\nreplacement = y\ntests = c:t\n")
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), str(ROOT / "scripts" / "mutants.py"),
                        "--list", str(p), "--check"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "found 0 times" in r.stderr
