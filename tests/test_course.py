"""The notebooks as a course: every chapter ends with exercises (solutions that assert) and take-aways, the index
links every chapter, and stored outputs hold no tracebacks, stderr chunks or local paths."""
import json, re
from pathlib import Path

import pytest

NBS = Path(__file__).resolve().parents[1] / "nbs"
CHAPTERS = sorted(p for p in NBS.glob("[0-9][0-9]_*.ipynb"))


def _cells(p): return json.loads(p.read_text(encoding="utf-8"))["cells"]
def _src(c): return "".join(c["source"])


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_exercises_and_takeaways(nb):
    cells = _cells(nb)
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _src(c).startswith(("## Exercises", "## Take-aways"))]
    assert [_src(cells[i]).split("\n")[0] for i in heads] == ["## Exercises", "## Take-aways"], nb.name
    solutions = [c for c in cells[heads[0]:heads[1]] if c["cell_type"] == "code"]
    assert len(solutions) >= 2, f"{nb.name}: fewer than 2 exercises"
    for c in solutions:
        s = _src(c)
        assert s.startswith("# Solution to exercise"), f"{nb.name}: a code cell among the exercises is not a solution"
        assert re.search(r"\b(assert|test_eq|test_close|test_fail)\b", s), f"{nb.name}: a solution asserts nothing"
        assert c["metadata"].get("jupyter", {}).get("source_hidden"), f"{nb.name}: a solution is not collapsed"


def test_index_links_every_chapter():
    index = "".join(_src(c) for c in _cells(NBS / "index.ipynb"))
    missing = [p.name for p in CHAPTERS if f"nbs/{p.name}" not in index]
    assert not missing, f"index does not link {missing}"


@pytest.mark.parametrize("nb", CHAPTERS + [NBS / "index.ipynb"], ids=lambda p: p.stem)
def test_stored_outputs_are_clean(nb):
    for i, c in enumerate(_cells(nb)):
        for o in c.get("outputs", []):
            assert o["output_type"] != "error", f"{nb.name} cell {i}: an error output"
            assert o.get("name") != "stderr", f"{nb.name} cell {i}: stderr output (progress bars, warnings)"
            text = "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
            assert "Traceback (most recent call last)" not in text, f"{nb.name} cell {i}: a traceback"
            assert not re.search(r"(/work/|/root/|/home/\w+)", text), f"{nb.name} cell {i}: a local path"
