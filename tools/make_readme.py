"""Writes README.md from nbs/index.ipynb (what `nbdev_readme` does, without quarto).

Markdown cells are copied; code cells become fenced Python with their text output below; cells marked
`#| hide` are left out and `#|` directives are stripped. `--check` exits 1 when README.md has drifted.
"""
import json, os, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, README = ROOT / "nbs" / "index.ipynb", ROOT / "README.md"
HEADER = "<!-- Generated from nbs/index.ipynb by `make readme`: edit the notebook, not this file. -->\n\n"


def _src(cell): return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _outputs(cell):
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream": yield "".join(o["text"])
        elif "data" in o and "text/plain" in o["data"] and "image/png" not in o["data"]:
            yield "".join(o["data"]["text/plain"])


def render(nb_path=NB):
    "The README text for the notebook at `nb_path`."
    parts = []
    for cell in json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"]:
        lines = _src(cell).splitlines()
        directives = {l[3:].strip() for l in lines if l.startswith("#| ")}
        if "hide" in directives: continue
        body = "\n".join(l for l in lines if not l.startswith("#|")).strip()
        if cell["cell_type"] == "markdown": parts.append(body)
        elif cell["cell_type"] == "code" and body:
            parts.append(f"```python\n{body}\n```")
            out = "".join(_outputs(cell)).rstrip()
            if out: parts.append(f"```\n{out}\n```")
    return HEADER + "\n\n".join(parts) + "\n"


def main():
    text = render()
    if "--check" in sys.argv:
        ok = README.exists() and README.read_text(encoding="utf-8") == text
        print("README.md is up to date" if ok else "README.md differs from nbs/index.ipynb: run `make readme`")
        sys.exit(0 if ok else 1)
    fd, tmp = tempfile.mkstemp(dir=ROOT, suffix=".md.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f: f.write(text)
    os.replace(tmp, README)
    print(f"wrote {README.name} ({len(text)} characters)")


if __name__ == "__main__": main()
