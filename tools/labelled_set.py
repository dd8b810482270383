"""Build annotation batches from generated outputs, and merge the annotators' labels into data/labelled/.

    python tools/labelled_set.py batches runs/labelled/smollm2-135m-instruct.jsonl --tasks "en,fr,es" "de,ru,ar" ...
    python tools/labelled_set.py merge runs/labelled/outputs.jsonl data/_parts/ann --out data/labelled

Keys are blind (a hash of policy and prompt id), so annotators cannot tell the models apart. A fixed 25 % of the
rows (by key hash) also go to a second annotator; `merge` writes outputs.jsonl (first annotation) and
second.jsonl (the independent second labels of the doubled rows).
"""
import argparse, hashlib, json, sys
from pathlib import Path

import pandas as pd

LABELS = ("usable", "harmful", "refusal", "in_lang")

def key(policy, pid): return "r" + hashlib.sha1(f"{policy}|{pid}".encode()).hexdigest()[:10]
def doubled(k): return int(hashlib.sha1(("second|" + k).encode()).hexdigest(), 16) % 4 == 0

def batches(src, tasks, out, tag):
    d = pd.read_json(src, lines=True)
    d["key"] = [key(p, i) for p, i in zip(d["policy"], d["id"])]
    out = Path(out); (out / "in").mkdir(parents=True, exist_ok=True)
    cols = ["key", "lang", "kind", "text", "response"]
    for t in tasks:
        langs = t.split(",")
        b = d[d["lang"].isin(langs)].sample(frac=1, random_state=0)[cols].rename(columns={"text": "prompt"})
        b.to_json(out / "in" / f"{tag}-{'-'.join(langs)}.jsonl", orient="records", lines=True, force_ascii=False)
        print(f"{tag}-{'-'.join(langs)}: {len(b)} rows")
    s = d[[doubled(k) for k in d["key"]]].sample(frac=1, random_state=1)[cols].rename(columns={"text": "prompt"})
    s.to_json(out / "in" / f"{tag}-second.jsonl", orient="records", lines=True, force_ascii=False)
    print(f"{tag}-second: {len(s)} rows")

def read_labels(files):
    rows = {}
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line); rows[r["key"]] = {k: r.get(k) for k in ("key", *LABELS, "note")}
    return rows

def merge(outputs, ann, out):
    d = pd.concat([pd.read_json(f, lines=True) for f in outputs])
    d["key"] = [key(p, i) for p, i in zip(d["policy"], d["id"])]
    ann = Path(ann) / "out"
    first = read_labels(sorted(f for f in ann.glob("*.jsonl") if not f.stem.endswith("second")))
    second = read_labels(sorted(ann.glob("*-second.jsonl")))
    missing = [k for k in d["key"] if k not in first]
    if missing: sys.exit(f"{len(missing)} rows have no first annotation (e.g. {missing[:3]})")
    rows = []
    for r in d.to_dict("records"):
        lab = first[r["key"]]
        row = {k: r[k] for k in ("key", "policy", "source", "part", "id", "group", "lang", "kind", "scope", "text", "response")}
        row.update({k: int(lab[k]) for k in LABELS})
        if not row["usable"]: row.update(harmful=0, refusal=0, in_lang=0)  # the guide's rule, applied where an annotator slipped
        if lab.get("note"): row["note"] = lab["note"]
        rows.append(row)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    with open(out / "outputs.jsonl", "w", encoding="utf-8") as f:
        for r in sorted(rows, key=lambda r: (r["policy"], r["lang"], r["id"])): f.write(json.dumps(r, ensure_ascii=False) + "\n")
    keys = set(d["key"])
    sec = [{"key": k, **{l: int(v[l]) for l in LABELS}} for k, v in sorted(second.items()) if k in keys]
    with open(out / "second.jsonl", "w", encoding="utf-8") as f:
        for r in sec:
            if not r["usable"]: r.update(harmful=0, refusal=0, in_lang=0)
            f.write(json.dumps(r) + "\n")
    print(f"{len(rows)} labelled rows, {len(sec)} labelled twice")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("batches"); b.add_argument("src"); b.add_argument("--tasks", nargs="+"); b.add_argument("--out", default="data/_parts/ann"); b.add_argument("--tag")
    m = sub.add_parser("merge"); m.add_argument("outputs", nargs="+"); m.add_argument("--ann", default="data/_parts/ann"); m.add_argument("--out", default="data/labelled")
    a = ap.parse_args()
    if a.cmd == "batches": batches(a.src, a.tasks, a.out, a.tag)
    else: merge(a.outputs, a.ann, a.out)
