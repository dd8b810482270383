"""Project-level checks: README generated from the notebook, splits reproducible, package in sync."""
import importlib.util, json
from pathlib import Path
from multialign_nb.data import load_corpus, make_splits, group_strata, SPLITS

ROOT = Path(__file__).resolve().parent.parent


def test_readme_matches_index_notebook():
    spec = importlib.util.spec_from_file_location("make_readme", ROOT / "tools" / "make_readme.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    assert (ROOT / "README.md").read_text(encoding="utf-8") == mod.render(), "README.md drifted from nbs/index.ipynb: run `make readme`"


def test_stored_splits_are_the_documented_procedure():
    corpus = load_corpus(ROOT / "data")
    stored = json.loads((ROOT / "data" / "splits.json").read_text())
    assert stored == make_splits(group_strata(corpus.rows))
    n = {s: len(stored[s]) for s in SPLITS}; total = sum(n.values())
    assert 0.6 < n["train"] / total < 0.8 and 0.05 < n["dev"] / total < 0.15 and 0.15 < n["test"] / total < 0.25


def test_loading_is_deterministic():
    a, b = load_corpus(ROOT / "data"), load_corpus(ROOT / "data")
    assert a.rows == b.rows and a.splits == b.splits
