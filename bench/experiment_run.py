"""Runs (or resumes) chapter 10's experiment in the background: `python bench/experiment_run.py [seeds...]`.
Every step is cached by content in runs/experiment (answers, verdicts, diagnostics and the run log are kept in git),
so a stopped run picks up where it stopped. Chapter 10 reads the same caches."""
import sys, time
from multialign_nb.experiment import run_experiment

if __name__ == "__main__":
    seeds = tuple(int(s) for s in sys.argv[1:]) or (0, 1, 2)
    t = time.time()
    run_experiment(seeds=seeds, log=lambda m: print(time.strftime("%H:%M:%S"), m, flush=True))
    print(f"done in {time.time() - t:.0f} s", flush=True)
