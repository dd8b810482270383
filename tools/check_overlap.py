"""Character 5-gram overlap of prompts against reference prompt sets (corpus, parallel prompts, evaluation set, MultiJail).

    python tools/check_overlap.py CANDIDATES.jsonl [--against PATH ...] [--max 0.4] [--langs en,zh]

CANDIDATES: a JSONL file in the parallel format ({"id", "translation": {lang: text}}) or the flat prompt format
({"id", "lang", "text"}) or English preference rows ({"group", "prompt", ...}). Each candidate prompt is compared, language by language, with every reference prompt:
overlap = share of the candidate's character 5-grams (lower-cased, spaces folded) that occur in the reference.
Prints the worst pairs and exits with 1 when any overlap exceeds --max (2 on unreadable input).
"""
import argparse, csv, json, sys
from pathlib import Path

from multialign_nb.data import overlaps  # the check the pipeline runs before training

def read_prompts(path):
    "(id, lang, text) triples from a corpus folder, a MultiJail CSV, or a JSONL file (parallel or flat rows)."
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.glob("*.jsonl")): yield from read_prompts(f)
        return
    if p.suffix == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                for lang in ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv"):
                    if r.get(lang): yield (f"multijail-{r['id']}", lang, r[lang])
        return
    for line, raw in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip(): continue
        try: r = json.loads(raw)
        except json.JSONDecodeError as e: sys.exit(f"{p}:{line}: not JSON ({e.msg})")
        if "translation" in r:
            for lang, text in r["translation"].items(): yield (r.get("id", f"line{line}"), lang, text)
        elif "text" in r and "lang" in r: yield (r.get("group") or r.get("id", f"line{line}"), r["lang"], r["text"])
        elif "prompt" in r: yield (r.get("group") or r.get("id", f"line{line}"), r.get("lang", "en"), r["prompt"])
        else: sys.exit(f"{p}:{line}: neither a 'translation', a 'lang'/'text' nor a 'prompt' row")

def main(argv=None):
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("candidates", nargs="+")
    ap.add_argument("--against", nargs="*", default=[str(here / "data" / "corpus"), str(here / "data" / "parallel.jsonl"),
                                                   str(here / "data" / "evalset.jsonl"), str(here.parent / "shared" / "data" / "multijail" / "MultiJail.csv")])
    ap.add_argument("--max", type=float, default=0.4)
    ap.add_argument("--langs", default=None)
    ap.add_argument("--show", type=int, default=8)
    a = ap.parse_args(argv)
    cands = [c for f in a.candidates for c in read_prompts(f)]
    refs = [r for f in a.against if Path(f).exists() and Path(f).resolve() not in {Path(c).resolve() for c in a.candidates} for r in read_prompts(f)]
    if a.langs: cands = [c for c in cands if c[1] in a.langs.split(",")]
    res = overlaps(cands, refs)
    bad = [r for r in res if r[0] > a.max]
    print(f"{len(cands)} candidate prompts against {len(refs)} references; largest overlap {res[0][0]:.2f}" if res else "no candidates")
    for s, cid, lang, rid, text in res[:a.show]: print(f"  {s:.2f}  {cid} [{lang}] ~ {rid}: {text[:90]}")
    if bad: print(f"{len(bad)} prompts over {a.max}"); return 1
    return 0

if __name__ == "__main__": sys.exit(main())
