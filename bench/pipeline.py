"""Wall time and peak memory of the whole pipeline, per stage (targets for the cpu preset on a 2-core machine:
under 20 minutes and under 6 GB peak). Runs `multialign run` in a fresh process into a fresh folder (model
conversions already in the cache are reused: run bench/models.py for those) and prints the stage table: each
stage's seconds and its own peak RSS (the pipeline resets the peak at each stage's start on Linux).

    .venv/bin/python bench/pipeline.py [--preset cpu] [--out runs/bench-cpu]
"""
import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path


def main(argv=None):
    a = argparse.ArgumentParser()
    a.add_argument("--preset", default="cpu")
    a.add_argument("--out", default=None)
    args = a.parse_args(argv)
    out = Path(args.out or f"runs/bench-{args.preset}")
    if out.exists(): shutil.rmtree(out)
    exe = Path(sys.executable).with_name("multialign")
    t = time.time()
    subprocess.run([str(exe), "run", "--preset", args.preset, "--out", str(out)], check=True,
                   env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")})
    wall = time.time() - t
    stages = json.loads((out / "run.json").read_text())["stages"]
    peak = max(s["peak_rss_gb"] for s in stages.values())  # the child resets its peak per stage, so its ru_maxrss is only the last window's
    for name, s in stages.items(): print(json.dumps({"stage": name, "seconds": s["seconds"], "peak_rss_gb": s["peak_rss_gb"]}))
    print(json.dumps({"preset": args.preset, "wall_s": round(wall, 1), "wall_min": round(wall / 60, 1), "peak_rss_gb": round(peak, 2)}))


if __name__ == "__main__":
    main()
