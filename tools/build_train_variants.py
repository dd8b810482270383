"""Assemble data/train/variants.jsonl (the MLC prompt variants of data/train/pairs.jsonl) from one file per language.

    .venv/bin/python tools/build_train_variants.py data/_parts/variants   # <dir>/<lang>.jsonl: {"id", "lang", "text"} per line

Each language file holds one translation per training group, in any order. Writes one row per group in the parallel
prompts format ({"id": group, "kind", "translation": {"en": prompt, lang: text, ...}}), then validates the result with
`load_train_pairs` (every group, every language, scripts as expected) and exits with 1 on a problem.
"""
import json, sys
from pathlib import Path

from multialign_nb.data import CORPUS_LANGS, load_train_pairs, read_jsonl

def main(parts, root=Path(__file__).resolve().parent.parent / "data" / "train"):
    pairs = [r for _, r in read_jsonl(root / "pairs.jsonl")]
    by = {r["group"]: {"id": r["group"], "kind": r["kind"], "translation": {"en": r["prompt"]}} for r in pairs}
    for lang in CORPUS_LANGS[1:]:
        f = Path(parts) / f"{lang}.jsonl"
        if not f.exists(): sys.exit(f"{f}: missing")
        for line, r in read_jsonl(f):
            if r.get("id") not in by: sys.exit(f"{f}:{line}: unknown group {r.get('id')!r}")
            by[r["id"]]["translation"][lang] = r["text"]
    out = root / "variants.jsonl"
    tmp = out.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(by[r["group"]], ensure_ascii=False) + "\n" for r in pairs), encoding="utf-8")
    tmp.replace(out)
    ds = load_train_pairs(root / "pairs.jsonl", out, langs=list(CORPUS_LANGS[1:]))
    print(f"{out}: {len(ds)} groups x {len(CORPUS_LANGS)} languages")

if __name__ == "__main__": main(sys.argv[1] if len(sys.argv) > 1 else "data/_parts/variants")
