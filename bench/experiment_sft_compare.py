"""The experiment's two SFT starting points, paired on the same prompts: the helpful-only SFT model (current design)
against the first design's SFT model (helpful answers and refusals), judged by the same judges, per language.

    OMP_NUM_THREADS=2 .venv/bin/python bench/experiment_sft_compare.py   (from the repository root; reads runs/experiment)
"""
import json, pandas as pd
from pathlib import Path
from multialign_nb.data import load_corpus, repo_data_dir
from multialign_nb.evaluate import evaluate_responses, judge_responses, train_judges
R = Path("runs/experiment")
runs = json.loads((R / "runs.json").read_text())
judges = train_judges(load_corpus(repo_data_dir()), "intfloat/multilingual-e5-small", seed=0)
read = lambda key: pd.read_json(next((R / "responses").glob(f"SFT-{key}-*.jsonl")), lines=True, dtype={"id": str, "group": str})
new = judge_responses(read(runs["SFT"]["model_key"]), judges)
old = judge_responses(read(runs["SFT, helpful answers and refusals (first design)"]["model_key"]), judges)
cmp = evaluate_responses(new, old, n_boot=1000)
n, o = cmp["results"]["model"]["langs"], cmp["results"]["base"]["langs"]
c = lambda d: "-" if not d or d["value"] is None else f"{d['value']:+.2f} [{d['ci_low']:+.2f}, {d['ci_high']:+.2f}]"
rows = [{"lang": l, "usable_first": o[l]["usable_rate"]["value"], "usable_helpful": n[l]["usable_rate"]["value"],
         "harmful_first": o[l]["harmful_rate"]["value"], "harmful_helpful": n[l]["harmful_rate"]["value"],
         "harmful_usable_helpful": (n[l].get("harmful_rate_usable") or {}).get("value"),
         "harmful_diff": c(cmp["comparison"][l].get("harmful_rate_diff")),
         "overref_first": o[l]["over_refusal"]["value"], "overref_helpful": n[l]["over_refusal"]["value"], "in_lang_helpful": (n[l].get("in_lang_rate") or {}).get("value")}
        for l in cmp["comparison"]]
pd.set_option("display.width", 250)
print(pd.DataFrame(rows).set_index("lang").round(2).to_string())
