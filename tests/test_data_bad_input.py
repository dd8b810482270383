"""Malformed corpus files: each gets one clear error naming file, line and field, and nothing is written."""
import json
import pytest
from multialign_nb.cli import main


def lines(path): return path.read_text(encoding="utf-8").split("\n")


def rewrite(path, i, fn):
    "Replace line `i` (0-based) of `path` by fn(row dict) serialised back."
    ls = lines(path); row = json.loads(ls[i]); fn(row)
    ls[i] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(ls), encoding="utf-8")


def run_stats(folder, capsys, tmp_path):
    "Run `multialign data stats` with --plot over an existing plot; return (status, stderr, plot bytes kept)."
    plot = tmp_path / "old.png"; plot.write_bytes(b"previous run's plot")
    status = main(["data", "stats", str(folder), "--plot", str(plot)])
    err = capsys.readouterr().err
    return status, err, plot.read_bytes() == b"previous run's plot"


def truncate(d):
    p = d / "corpus" / "fr.jsonl"; ls = lines(p); ls[3] = ls[3][: len(ls[3]) // 2]; p.write_text("\n".join(ls), encoding="utf-8")
def missing_field(d): rewrite(d / "corpus" / "de.jsonl", 4, lambda r: r.pop("kind"))
def unknown_lang(d): rewrite(d / "corpus" / "es.jsonl", 2, lambda r: r.update(lang="xx"))
def empty_text(d): rewrite(d / "corpus" / "hi.jsonl", 6, lambda r: r.update(text="   "))
def empty_response(d): rewrite(d / "corpus" / "ru.jsonl", 6, lambda r: r["rejected"].update(text=""))
def bad_safety(d): rewrite(d / "corpus" / "zh.jsonl", 1, lambda r: r["chosen"].update(safety=1.5))
def wrong_type(d): rewrite(d / "corpus" / "bn.jsonl", 1, lambda r: r["chosen"].update(refusal="yes"))
def mixed_scripts(d): rewrite(d / "corpus" / "ru.jsonl", 5, lambda r: r.update(text=r["text"] + " 我们"))
def wrong_language(d): rewrite(d / "corpus" / "ar.jsonl", 3, lambda r: r.update(text="Please explain how this works."))
def bom(d):
    p = d / "corpus" / "sw.jsonl"; p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
def crlf(d):
    p = d / "corpus" / "en.jsonl"; p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
def duplicate_id(d):
    p = d / "corpus" / "fr.jsonl"; ls = lines(p); ls.insert(9, ls[2]); p.write_text("\n".join(ls), encoding="utf-8")
def group_missing_lang(d):
    p = d / "corpus" / "sw.jsonl"; ls = lines(p); del ls[4]; p.write_text("\n".join(ls), encoding="utf-8")
def split_overlap(d):
    s = json.loads((d / "splits.json").read_text()); s["dev"].append(s["train"][0])
    (d / "splits.json").write_text(json.dumps(s, indent=1))


CASES = [  # (mutation, file named in the error, line named, field named or None, words of the message)
    (truncate, "fr.jsonl", 4, None, "not valid JSON"),
    (missing_field, "de.jsonl", 5, "kind", "missing field"),
    (unknown_lang, "es.jsonl", 3, "lang", "unknown language code 'xx'"),
    (empty_text, "hi.jsonl", 7, "text", "empty text"),
    (empty_response, "ru.jsonl", 7, "rejected.text", "empty text"),
    (bad_safety, "zh.jsonl", 2, "chosen.safety", "must be in [0, 1]"),
    (wrong_type, "bn.jsonl", 2, "chosen.refusal", "expected bool"),
    (mixed_scripts, "ru.jsonl", 6, "text", "mixed scripts"),
    (wrong_language, "ar.jsonl", 4, "text", "mostly Latin letters"),
    (bom, "sw.jsonl", 1, None, "byte-order mark"),
    (crlf, "en.jsonl", 1, None, "CRLF"),
    (duplicate_id, "fr.jsonl", 10, "id", "duplicate id"),
    (group_missing_lang, "en.jsonl", 5, "group", "has no 'sw' row"),
    (split_overlap, "splits.json", None, "dev", "is in both train and dev"),
]


@pytest.mark.parametrize("mutate,file,line,field,words", CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_corpus_gets_one_clear_error(corpus_copy, capsys, tmp_path, mutate, file, line, field, words):
    mutate(corpus_copy)
    status, err, plot_kept = run_stats(corpus_copy, capsys, tmp_path)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert file in err and words in err, err
    if line is not None: assert f", line {line}" in err, err
    if field is not None: assert f"field '{field}'" in err, err
    assert plot_kept, "a failed run must not touch an existing output file"


def test_untouched_copy_is_valid(corpus_copy, capsys, tmp_path):
    "The mutations above are what fails: the unmodified copy passes and writes the plot."
    plot = tmp_path / "new.png"
    assert main(["data", "stats", str(corpus_copy), "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".new")] == []


def test_not_a_data_path(tmp_path, capsys):
    assert main(["data", "stats", str(tmp_path)]) == 2
    assert "not a corpus folder" in capsys.readouterr().err
