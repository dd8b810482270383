"""The package outside the checkout: a wheel installed into a folder of its own, run from elsewhere, finds its bundled data."""
import json, os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    d = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(d), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return next(d.glob("multialign_nb-*.whl"))


def test_the_wheel_carries_the_data_and_the_license(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "multialign_nb/bundled/corpus/en.jsonl" in names and "multialign_nb/bundled/evalset.jsonl" in names
    assert "multialign_nb/bundled/train/pairs.jsonl" in names and "multialign_nb/bundled/labelled/outputs.jsonl" in names
    assert not any("_parts" in n for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Python: >=3.11" in meta and "License" in meta


def test_installed_outside_the_checkout_it_reads_its_bundled_corpus(wheel, tmp_path):
    "`multialign data stats` from another folder, the wheel alone on the path (its dependencies from this venv)."
    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    work = tmp_path / "elsewhere"; work.mkdir()
    code = "import multialign_nb, sys; from multialign_nb.cli import main; print(multialign_nb.__file__, file=sys.stderr); sys.exit(main(['data', 'stats', '--json']))"
    r = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)}, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert str(site) in r.stderr  # the installed copy ran, not the checkout
    s = json.loads(r.stdout)
    assert s["complete"] is True and s["groups"] >= 100 and str(site) in s["path"]
