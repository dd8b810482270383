"""The `multialign` console script end to end, as a user runs it."""
import json, subprocess, sys
from pathlib import Path
import pytest
from multialign_nb.data import HARM_CATEGORIES, CORPUS_LANGS, shared_multijail

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("multialign")


def cli(*args):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_stats_json_on_the_corpus():
    r = cli("data", "stats", "data/", "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["languages"] == list(CORPUS_LANGS) and s["complete"] is True
    k = s["groups_by_kind"]
    assert s["groups"] == sum(k.values()) >= 100
    assert k["harmful"] >= 60 and k["benign"] >= 25 and k["borderline"] >= 15
    assert set(s["categories"]) == set(HARM_CATEGORIES) and min(s["categories"].values()) >= 5
    assert all(s["local_by_lang"][l] >= 5 for l in CORPUS_LANGS if l != "en")
    n_local = sum(s["local_by_lang"].values())
    assert s["responses"] == 2 * (s["groups"] * len(CORPUS_LANGS) + n_local)


def test_stats_table_and_plot(tmp_path):
    out = tmp_path / "runs" / "data.png"
    r = cli("data", "stats", "data/", "--plot", str(out))
    assert r.returncode == 0, r.stderr
    header = r.stdout.splitlines()[1]
    assert "benign" in header and "borderline" in header and "harmful" in header and "responses" in header
    assert [l.split()[0] for l in r.stdout.splitlines()[2:] if not l.startswith("wrote")] == list(CORPUS_LANGS)
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_stats_on_aya_fixture():
    r = cli("data", "stats", "tests/fixtures/aya", "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["source"] == "aya" and s["languages"] == ["en", "hi"] and s["prompts"] == 7
    assert s["local_by_lang"] == {"en": 1, "hi": 1} and s["complete"] is False


def test_stats_on_multijail():
    path = shared_multijail()
    if path is None: pytest.skip("../shared/data/multijail/MultiJail.csv is absent")
    r = cli("data", "stats", str(path), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["groups"] == 315 and s["prompts"] == 3150 and len(s["languages"]) == 10 and s["groups_by_kind"]["harmful"] == 315


def test_unknown_subcommand_is_a_usage_error():
    r = cli("data", "nosuch")
    assert r.returncode == 2 and "invalid choice" in r.stderr


@pytest.mark.parametrize("make,why", [
    (lambda d: (d / "thesis").mkdir() or (d / "thesis" / "thesis.tex").write_text("hi"), "holds other files"),
    (lambda d: (d / "thesis").write_text("a file"), "is a file"),
])
def test_eval_never_overwrites_a_users_folder(make, why, tmp_path):
    "`eval --out` on a folder with other files, or on a file: rc 2 before any work, nothing lost, no temp folder."
    make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    r = cli("eval", "--model", "tiny-nonexistent", "--prompts", "data/", "--out", str(tmp_path / "thesis"))
    assert r.returncode == 2 and why in r.stderr and "Traceback" not in r.stderr, r.stderr[-1500:]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_eval_refuses_the_working_directory():
    r = cli("eval", "--model", "tiny-nonexistent", "--prompts", "data/", "--out", ".")
    assert r.returncode == 2 and "working directory" in r.stderr, r.stderr[-1500:]
