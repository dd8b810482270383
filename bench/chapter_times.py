"""How long each chapter's notebook takes to run in its test mode (the cells CI runs: `#| slow` cells skipped).

    OMP_NUM_THREADS=2 .venv/bin/python bench/chapter_times.py [--only 00_data 04_evaluation]

One `nbdev_test --path nbs/<chapter>.ipynb` per chapter, timed from the outside, so imports count. The slow cells
(real-model training and evaluation) are what the chapters' stored outputs come from; their times are in the
chapters and in the sections above.
"""
import argparse, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(only=None):
    rows = []
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        if only and nb.stem not in only: continue
        t = time.time()
        r = subprocess.run([str(ROOT / ".venv" / "bin" / "nbdev_test"), "--path", str(nb), "--n_workers", "1"],
                           cwd=ROOT, capture_output=True, text=True)
        rows.append((nb.stem, time.time() - t, "ok" if r.returncode == 0 else "FAILED"))
        print(f"{nb.stem:18} {rows[-1][1]:7.1f} s  {rows[-1][2]}", flush=True)
    print(f"{'all':18} {sum(r[1] for r in rows):7.1f} s")
    return 0 if all(r[2] == "ok" for r in rows) else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--only", nargs="*"); a = ap.parse_args()
    sys.exit(main(a.only))
