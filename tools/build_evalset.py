"""Assemble data/evalset.jsonl (the evaluation-only prompt set) from its writers' slices, with checks.

    python tools/build_evalset.py data/_parts/eval-*.jsonl --out data/evalset.jsonl

Each slice row: {"id", "kind": harmful|borderline, "category", "type", "translation": {lang: text}} over the ten corpus
languages. The output has one row per prompt and language (the flat prompt format `load_prompts` reads), groups in
the order h01, b01, h02, b02, ... per slice, slices interleaved, so that the first 2k groups of every language hold k
harmful and k borderline prompts. Refuses incomplete rows, and pairs of prompts (across slices) whose English texts
share more than --max-dup of their character 5-grams.
"""
import argparse, itertools, json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_overlap import grams

LANGS = ("en", "es", "fr", "de", "ru", "ar", "hi", "zh", "bn", "sw")

def main(argv=None):
    ap = argparse.ArgumentParser(); ap.add_argument("slices", nargs="+"); ap.add_argument("--out", default="data/evalset.jsonl")
    ap.add_argument("--max-dup", type=float, default=0.5)
    a = ap.parse_args(argv)
    slices = []
    for f in a.slices:
        rows = [json.loads(l) for l in Path(f).read_text(encoding="utf-8").splitlines() if l.strip()]
        for r in rows:
            missing = [l for l in LANGS if not str(r["translation"].get(l, "")).strip()]
            if missing: sys.exit(f"{f}: {r['id']}: no text for {missing}")
            if r["kind"] not in ("harmful", "borderline"): sys.exit(f"{f}: {r['id']}: kind {r['kind']!r}")
        h = [r for r in rows if r["kind"] == "harmful"]; b = [r for r in rows if r["kind"] == "borderline"]
        slices.append([x for pair in itertools.zip_longest(h, b) for x in pair if x])
    order = [r for tier in itertools.zip_longest(*[[s[i:i + 2] for i in range(0, len(s), 2)] for s in slices]) for pair in tier if pair for r in pair]
    en = [(r["id"], grams(r["translation"]["en"])) for r in order]
    dups = [(len(g & h) / min(len(g), len(h)), i, j) for (i, g), (j, h) in itertools.combinations(en, 2) if len(g & h) / min(len(g), len(h)) > a.max_dup]
    if dups: sys.exit("near-duplicates: " + ", ".join(f"{i}~{j} ({s:.2f})" for s, i, j in sorted(dups, reverse=True)[:10]))
    with open(a.out, "w", encoding="utf-8") as out:
        for lang in LANGS:
            for r in order:
                out.write(json.dumps({"id": f"{r['id']}-{lang}", "group": r["id"], "lang": lang, "kind": r["kind"], "scope": "global",
                                      "category": r.get("category"), "type": r.get("type"), "text": r["translation"][lang].strip()}, ensure_ascii=False) + "\n")
    kinds = {k: sum(r["kind"] == k for r in order) for k in ("harmful", "borderline")}
    print(f"wrote {a.out}: {len(order)} groups ({kinds}) x {len(LANGS)} languages = {len(order) * len(LANGS)} prompts")

if __name__ == "__main__": sys.exit(main())
