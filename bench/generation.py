"""Batched against one-prompt-at-a-time generation with the default policy (target: batched >= 3x faster).

Both generate greedily for the same prompts (the corpus test split, a few per language, every corpus language)
with the same max_new_tokens; the script also checks that the two give the same texts.

    OMP_NUM_THREADS=2 .venv/bin/python bench/generation.py [--model ID] [--per-lang N] [--max-new-tokens T] [--batch-size B]
"""
import argparse, json, resource, time
import torch
from multialign_nb.data import repo_data_dir
from multialign_nb.evaluate import generate, load_prompts
from multialign_nb.models import load_causal_lm


def main(argv=None):
    a = argparse.ArgumentParser()
    a.add_argument("--model", default="HuggingFaceTB/SmolLM2-135M-Instruct")
    a.add_argument("--per-lang", type=int, default=4)
    a.add_argument("--max-new-tokens", type=int, default=32)
    a.add_argument("--batch-size", type=int, default=16)
    args = a.parse_args(argv)
    model, tok = load_causal_lm(args.model)
    prompts = load_prompts(repo_data_dir(), limit_per_lang=args.per_lang)["text"].tolist()
    generate(model, tok, prompts[:2], max_new_tokens=4)  # warm-up
    t = time.time(); batched = generate(model, tok, prompts, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size); tb = time.time() - t
    t = time.time(); single = [generate(model, tok, [p], max_new_tokens=args.max_new_tokens)[0] for p in prompts]; ts = time.time() - t
    same = sum(a == b for a, b in zip(batched, single))
    print(json.dumps({"model": args.model, "prompts": len(prompts), "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size,
                      "threads": torch.get_num_threads(), "batched_s": round(tb, 1), "sequential_s": round(ts, 1),
                      "speedup": round(ts / tb, 2), "identical_texts": f"{same}/{len(prompts)}",
                      "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)}))


if __name__ == "__main__":
    main()
