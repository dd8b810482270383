"""The English training pairs and their MLC variants: complete, validated, and disjoint from every evaluation set."""
import json, shutil
from collections import Counter
import pytest
from multialign_nb.data import (CORPUS_LANGS, HARM_CATEGORIES, DataError, check_no_overlap, load_train_pairs, repo_data_dir,
                                train_prompts)
from multialign_nb.pipeline import _all_eval_prompts, _mlc_train, load_config

TRAIN = repo_data_dir() / "train"


@pytest.fixture(scope="module")
def pairs():
    return load_train_pairs(TRAIN / "pairs.jsonl", TRAIN / "variants.jsonl")


def test_at_least_500_pairs_over_every_category(pairs):
    assert len(pairs) >= 500
    rows = [json.loads(l) for l in (TRAIN / "pairs.jsonl").read_text().splitlines()]
    assert set(Counter(r["category"] for r in rows if r["kind"] == "harmful")) == set(HARM_CATEGORIES)
    assert {r["kind"] for r in rows} == {"harmful", "borderline", "benign"}
    assert pairs[0]["variant_langs"] == list(CORPUS_LANGS[1:]) and all(len(v) == 9 for v in pairs["variants"])


def test_no_training_prompt_overlaps_an_evaluation_prompt(pairs):
    "Every prompt in every language against the corpus test split, the evaluation-only set and MultiJail (when present)."
    assert check_no_overlap(train_prompts(pairs), _all_eval_prompts(load_config("cpu")), max_share=0.4) <= 0.4


def test_the_pipeline_trains_on_them(pairs):
    ds, dropped = _mlc_train(load_config("cpu"), report=True)
    assert len(ds) == len(pairs) + 73 - len(dropped) and set(pairs["group"]) <= set(ds["group"])


def _copy(tmp_path):
    shutil.copytree(TRAIN, tmp_path / "train")
    return tmp_path / "train" / "pairs.jsonl", tmp_path / "train" / "variants.jsonl"


def _edit(path, n, fn):
    lines = path.read_text(encoding="utf-8").splitlines()
    r = json.loads(lines[n]); fn(r); lines[n] = json.dumps(r, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_variants_row_missing_a_language(tmp_path):
    p, v = _copy(tmp_path)
    _edit(v, 4, lambda r: r["translation"].pop("sw"))
    with pytest.raises(DataError, match=r"variants.jsonl.*line 5.*translation.*lacks sw"): load_train_pairs(p, v, langs=list(CORPUS_LANGS))


def test_a_group_without_variants(tmp_path):
    p, v = _copy(tmp_path)
    lines = v.read_text(encoding="utf-8").splitlines(); gone = json.loads(lines[2])["id"]
    v.write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"no translations of group {gone}"): load_train_pairs(p, v)


def test_a_training_prompt_copied_from_the_evaluation_set_is_refused_before_training(tmp_path):
    p, v = _copy(tmp_path)
    ev = json.loads((repo_data_dir() / "evalset.jsonl").read_text(encoding="utf-8").splitlines()[0])
    _edit(p, 7, lambda r: r.update(prompt=ev["text"] + " Thanks."))
    cfg = load_config("cpu", train_pairs=str(p))
    with pytest.raises(DataError, match=f"pairs.jsonl.*shares .* with evaluation prompt {ev['group']}"): _mlc_train(cfg)


def test_a_bad_category_names_file_line_and_field(tmp_path):
    p, v = _copy(tmp_path)
    _edit(p, 0, lambda r: r.update(category="Spam"))
    with pytest.raises(DataError, match=r"pairs.jsonl.*line 1.*category"): load_train_pairs(p, v)
