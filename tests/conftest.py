import os, shutil
from pathlib import Path
import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus_copy(tmp_path):
    "A writable copy of the project's corpus folder (corpus/*.jsonl and splits.json)."
    dst = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "corpus", dst / "corpus")
    shutil.copy(ROOT / "data" / "splits.json", dst / "splits.json")
    return dst
