"""Round 2 of the labelled set: real outputs of the policies trained the way the pipeline now trains them.

    OMP_NUM_THREADS=2 .venv/bin/python tools/labelled_round2.py --bench runs/policy-languages --out runs/labelled2

Policies: Gemma-3-270m after the pipeline's SFT (chat format with the Gemma fallback template, BOS first; 60 steps on
the corpus's and data/train's English pairs) and SmolLM2-135M-Instruct after the same SFT, as trained by
bench/policy_languages.py. Held out: their responses (from that bench) to the evaluation-only set's first 20 groups
per language. Learn: the same models answering training-pair groups (data/train) in all ten languages; 30 groups
for Gemma, 15 for SmolLM2, drawn with a fixed seed. Greedy decoding, the bench's token budget. Writes
<out>/<policy>.jsonl in the labelled set's row format, without labels (then `tools/labelled_set.py batches`).
"""
import argparse, json, random
from pathlib import Path

import pandas as pd

POLICIES = {"gemma-3-270m-sft-v2": "gemma-sft", "smollm2-135m-sft": "smollm2-sft"}  # labelled-set name -> bench name
LEARN_GROUPS = {"gemma-3-270m-sft-v2": 30, "smollm2-135m-sft": 15}
COLS = ["policy", "source", "part", "id", "group", "lang", "kind", "scope", "text", "response"]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="runs/policy-languages")
    ap.add_argument("--out", default="runs/labelled2")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    a = ap.parse_args(argv)
    import torch; torch.manual_seed(0)
    from multialign_nb.data import CORPUS_LANGS, read_jsonl, repo_data_dir
    from multialign_nb.evaluate import generate
    from multialign_nb.preference import load_trained
    bench, out = Path(a.bench), Path(a.out); out.mkdir(parents=True, exist_ok=True)
    variants = {r["id"]: r for _, r in read_jsonl(repo_data_dir() / "train" / "variants.jsonl")}
    for policy, name in POLICIES.items():
        f = out / f"{policy}.jsonl"
        if f.exists(): continue
        held = pd.read_json(bench / f"{name}.jsonl", lines=True).assign(policy=policy, source="evalset", part="heldout", scope="global")
        groups = random.Random(0).sample(sorted(variants), LEARN_GROUPS[policy])
        learn = pd.DataFrame([{"id": f"{g}-{l}", "group": g, "lang": l, "kind": variants[g]["kind"], "scope": "global", "text": variants[g]["translation"][l]}
                              for g in groups for l in CORPUS_LANGS])
        model, tok = load_trained(bench / f"train-{name}")
        learn["response"] = generate(model, tok, learn["text"].tolist(), max_new_tokens=a.max_new_tokens, batch_size=16)
        learn = learn.assign(policy=policy, source="train", part="learn")
        pd.concat([held[COLS], learn[COLS]]).to_json(f, orient="records", lines=True, force_ascii=False)
        print(f"{policy}: {len(held)} held-out and {len(learn)} learn responses", flush=True)


if __name__ == "__main__":
    main()
