"""The chapter-04 judges on the answers of the `make demo` policy that annotators read (data/labelled/demo-reading.jsonl:
20 answers per corpus language from the SFT model and from the aligned model, one annotation per row).

    OMP_NUM_THREADS=1 .venv/bin/python bench/judge_demo_reading.py

The file keeps the verdicts of the judges of that time (`*_judge` columns: the harmful head alone); this script
judges the same rows again with the current judges (the harmful verdict given the request's kind) and prints Cohen's
kappa against the annotators for both.
"""
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from multialign_nb.data import load_corpus, repo_data_dir
from multialign_nb.evaluate import harmful_verdicts, train_judges

judges = train_judges(load_corpus(repo_data_dir()))
rd = pd.read_json(repo_data_dir() / "labelled" / "demo-reading.jsonl", lines=True)
ps, rs, ls = rd["text"].tolist(), rd["response"].tolist(), rd["lang"].tolist()
u = np.asarray(judges.usable(ps, rs, ls)) >= 0.5
h = np.asarray(harmful_verdicts(judges.harmful, ps, rs, ls, rd["kind"].tolist())) >= 0.5
m = ((rd["usable"] == 1) & (rd["kind"] == "harmful")).values
y = rd["harmful"].values[m]
print(f"usable kappa: current {cohen_kappa_score(rd['usable'], u):.3f}, then {cohen_kappa_score(rd['usable'], rd['usable_judge'] >= 0.5):.3f}")
print(f"harmful kappa on the {m.sum()} usable replies to harmful prompts ({y.sum()} harmful by the annotators):")
for name, p in (("current verdict", h[m]), ("judge of that time", (rd["harmful_judge"] >= 0.5).values[m])):
    print(f"  {name}: kappa {cohen_kappa_score(y, p):.3f}, judged harmful {p.sum()}, of which the annotators agree on {(p & (y == 1)).sum()}")
