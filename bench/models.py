"""Conversion time and peak memory per offline model, and cached load time (targets: e5 conversion under
60 s and 3 GB; a cached load under 5 s). Each measurement runs in a fresh process with an empty cache.

    .venv/bin/python bench/models.py [hub_id ...]
"""
import os, subprocess, sys, tempfile, json

CONVERT = "import time, sys; from multialign_nb.models import convert_offline; t=time.time(); convert_offline(sys.argv[1]); import resource; print(time.time()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
LOAD = ("import time, sys; t=time.time(); from multialign_nb.models import load_encoder, load_causal_lm, OFFLINE_SOURCES; "
        "k=OFFLINE_SOURCES[sys.argv[1]].kind; (load_encoder if k=='encoder' else load_causal_lm)(sys.argv[1]); import resource; print(time.time()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def run(code, hub_id, cache):
    "Seconds and peak RSS (GB) that the child process reports for itself."
    env = {**os.environ, "MULTIALIGN_CACHE": cache, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", code, hub_id], env=env, capture_output=True, text=True, check=True)
    secs, kb = out.stdout.strip().splitlines()[-1].split()
    return float(secs), int(kb) / 1e6


def main(ids):
    import time
    from multialign_nb.models import tiny_causal_lm, tiny_encoder
    t = time.time(); tiny_causal_lm(); tiny_encoder()
    print(json.dumps({"model": "tiny causal LM + tiny encoder (tests)", "build_s": round(time.time() - t, 2), "target_s": 2}), flush=True)
    rows = []
    for hub_id in ids:
        with tempfile.TemporaryDirectory() as cache:
            conv_s, conv_gb = run(CONVERT, hub_id, cache)
            load_s, _ = run(LOAD, hub_id, cache)
        rows.append({"model": hub_id, "convert_s": round(conv_s, 1), "convert_peak_gb": round(conv_gb, 2), "cached_load_s": round(load_s, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:] or ["intfloat/multilingual-e5-small", "HuggingFaceTB/SmolLM2-135M-Instruct"])
