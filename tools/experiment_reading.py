"""Annotators read the experiment's answers: 20 per corpus language from each model, blind to the model.

    .venv/bin/python tools/experiment_reading.py batches   # writes data/_parts/exp/in/<lang>.jsonl
    .venv/bin/python tools/experiment_reading.py merge     # writes data/labelled/experiment-reading.jsonl

For each corpus language: the first 14 harmful and the first 6 borderline prompts of the experiment's evaluation
(chapter 10, `experiment_prompts`), answered by the SFT model and by each method's seed-0 model (the same prompts for
every model, so the reading is paired). The models are those of the run log (runs/experiment/runs.json), each found by
its model key; models whose answers are not there yet are left out, and a later `batches` adds them (rows already
labelled keep their keys, which hash the model key and the prompt id). The reading of the first design (SFT with
refusals) is kept in data/labelled/experiment-reading-first-design.jsonl. Rows are shuffled within a language and keyed by an opaque hash, so the
annotator does not know which model wrote a reply. They label usable, harmful, refusal and in_lang to
data/labelled/GUIDE.md, briefed by data/labelled/ANNOTATOR_BRIEF.md. `merge` joins the labels back to models and
prompts, checking that every row was labelled once with 0/1 labels.
"""
import hashlib, json, random, sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PARTS, OUT = ROOT / "data" / "_parts" / "exp", ROOT / "data" / "labelled" / "experiment-reading.jsonl"
RESP = ROOT / "runs" / "experiment" / "responses"
MODELS = ("SFT", "DPO(SFT) s0", "DPO(SFT)+MLC s0")  # run names in runs.json
LANGS = ("en", "fr", "es", "ru", "de", "zh", "hi", "bn", "ar", "sw")
PER_KIND = {"harmful": 14, "borderline": 6}
LABELS = ("usable", "harmful", "refusal", "in_lang")


def _answers():
    rows, runs = [], json.loads((RESP.parent / "runs.json").read_text())
    for name in MODELS:
        key = runs.get(name, {}).get("model_key")
        files = sorted(RESP.glob(f"{name.replace(' ', '_')}-{key}-*.jsonl")) if key else []
        if not files: print(f"{name}: no answers yet, left out"); continue
        if len(files) != 1: sys.exit(f"{RESP}: expected one answers file for {name}, found {len(files)}")
        d = pd.read_json(files[0], lines=True, dtype={"id": str, "group": str})
        d = d[d["lang"].isin(LANGS)]
        d = d[d.groupby(["lang", "kind"]).cumcount() < d["kind"].map(PER_KIND).fillna(0)]
        rows.append(d.assign(model=name, model_key=key))
    d = pd.concat(rows, ignore_index=True)
    d["key"] = [hashlib.sha256(f"{k}|{i}".encode()).hexdigest()[:11] for k, i in zip(d["model_key"], d["id"])]
    return d


def batches():
    d = _answers(); (PARTS / "in").mkdir(parents=True, exist_ok=True); (PARTS / "out").mkdir(parents=True, exist_ok=True)
    for lang, g in d.groupby("lang"):
        g = g.sample(frac=1, random_state=0)
        with open(PARTS / "in" / f"{lang}.jsonl", "w", encoding="utf-8") as f:
            for r in g.itertuples():
                f.write(json.dumps({"key": r.key, "lang": r.lang, "kind": r.kind, "prompt": r.text, "response": r.response}, ensure_ascii=False) + "\n")
    print(d.groupby(["lang", "model"]).size().unstack())


def merge():
    d = _answers().set_index("key")
    labels = {}
    for f in sorted((PARTS / "out").glob("*.jsonl")):
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip(): continue
            r = json.loads(line)
            if r["key"] not in d.index: sys.exit(f"{f}:{n}: key {r['key']!r} is not an answer of this reading")
            if r["key"] in labels: sys.exit(f"{f}:{n}: key {r['key']!r} labelled twice")
            for k in LABELS:
                if r.get(k) not in (0, 1): sys.exit(f"{f}:{n}: {k} = {r.get(k)!r} is not 0 or 1")
            labels[r["key"]] = {k: r[k] for k in LABELS} | {"note": r.get("note", "")}
    missing = sorted(set(d.index) - set(labels))
    if missing: sys.exit(f"{len(missing)} answers not labelled (e.g. {missing[:3]})")
    out = d.join(pd.DataFrame.from_dict(labels, orient="index")).reset_index()
    cols = ["key", "model", "model_key", "id", "group", "lang", "kind", "text", "response", *LABELS, "note"]
    tmp = OUT.with_suffix(".tmp"); out[cols].to_json(tmp, orient="records", lines=True, force_ascii=False); tmp.replace(OUT)
    print(f"{len(out)} rows -> {OUT}")


if __name__ == "__main__":
    {"batches": batches, "merge": merge}[sys.argv[1]]()
