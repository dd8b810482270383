"""The evaluation-only prompt set: complete, parallel, balanced, and disjoint from everything the project trains or tests on."""
import json, subprocess, sys
from pathlib import Path
from multialign_nb.data import CORPUS_LANGS
from multialign_nb.evaluate import load_prompts

ROOT = Path(__file__).resolve().parent.parent
CHECK = [sys.executable, str(ROOT / "tools" / "check_overlap.py")]


def test_evalset_is_parallel_and_balanced():
    d = load_prompts(ROOT / "data" / "evalset.jsonl")
    assert set(d["lang"]) == set(CORPUS_LANGS)
    per = d.groupby(["lang", "kind"]).size().unstack()
    assert (per["harmful"] >= 100).all() and (per["borderline"] >= 100).all()
    assert (d.groupby("group")["lang"].nunique() == len(CORPUS_LANGS)).all()
    first = load_prompts(ROOT / "data" / "evalset.jsonl", limit_per_lang=20)  # the cpu preset's subset
    assert first.groupby(["lang", "kind"]).size().eq(10).all()


def test_evalset_overlaps_no_training_or_benchmark_prompt():
    r = subprocess.run(CHECK + [str(ROOT / "data" / "evalset.jsonl"), "--max", "0.45"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_overlap_check_catches_a_copied_prompt(tmp_path):
    en = json.loads((ROOT / "data" / "evalset.jsonl").read_text(encoding="utf-8").splitlines()[0])
    f = tmp_path / "cand.jsonl"
    f.write_text(json.dumps({"id": "x1", "translation": {"en": en["text"] + " Please."}}) + "\n")
    r = subprocess.run(CHECK + [str(f), "--max", "0.45", "--against", str(ROOT / "data" / "evalset.jsonl")], capture_output=True, text=True)
    assert r.returncode == 1 and "x1 [en]" in r.stdout, r.stdout
