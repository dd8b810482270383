"""Writes data/splits.json from the corpus files: groups stratified by kind and scope, split by hash (see nbs/00_data).

Run after adding groups; existing groups keep their split only as long as their stratum's order is unchanged,
so prefer adding groups in batches and saying so in data/README.md.
"""
import json, sys
from pathlib import Path
from multialign_nb.data import read_jsonl, validate_row, make_splits, group_strata, atomic_write

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
rows = [validate_row(row, f, line) for f in sorted((folder / "corpus").glob("*.jsonl")) for line, row in read_jsonl(f)]
splits = make_splits(group_strata(rows))
text = "{\n" + ",\n".join(f' "{s}": {json.dumps(g)}' for s, g in splits.items()) + "\n}\n"
atomic_write(folder / "splits.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
print({s: len(g) for s, g in splits.items()})
