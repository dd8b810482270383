"""Chapter 10's experiment on tiny models: every model keyed before training, trained only when something it feeds is missing."""
import json, shutil
import pytest
from multialign_nb.data import load_corpus, repo_data_dir
from multialign_nb.evaluate import load_prompts, train_judges
from multialign_nb.experiment import run_experiment
from multialign_nb.models import tiny_causal_lm, tiny_encoder


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("exp")
    lm, tok = tiny_causal_lm(); lm.save_pretrained(d / "lm"); tok.save_pretrained(d / "lm")
    enc, etok = tiny_encoder(); enc.save_pretrained(d / "enc"); etok.save_pretrained(d / "enc")
    judges = train_judges(load_corpus(repo_data_dir()), str(d / "enc"))
    prompts = load_prompts(repo_data_dir() / "evalset.jsonl", langs=["en", "fr"], limit_per_lang=3)
    kw = dict(seeds=(0,), methods={"DPO(SFT)": {}}, policy=str(d / "lm"), sft_steps=2, dpo_steps=2, prompts=prompts,
              max_new_tokens=4, judges=judges, bf16=False, log=lambda m: None)
    return d, kw


def test_kept_answers_need_no_training(setup, monkeypatch):
    d, kw = setup
    res, runs = run_experiment(out=d / "first", **kw)
    assert set(res) == {"SFT", "DPO(SFT) s0"} and set(runs) == {"SFT", "DPO(SFT) s0"}
    assert all(len(r) == len(kw["prompts"]) for r in res.values())
    # a fresh checkout holds only what git keeps: the answers, the diagnostics and the run log
    kept = d / "kept"
    for part in ("responses", "diagnostics", "runs.json"):
        (shutil.copytree if part != "runs.json" else shutil.copy)(d / "first" / part, kept / part)
    import multialign_nb.experiment as ex
    monkeypatch.setattr(ex, "train_preference", lambda *a, **k: pytest.fail("trained although every answer was kept"))
    again, runs2 = run_experiment(out=kept, **kw)
    assert runs2 == runs
    for k in res: assert again[k]["response"].tolist() == res[k]["response"].tolist()


def test_a_changed_setting_trains_again(setup):
    d, kw = setup
    _, runs = run_experiment(out=d / "first", **{**kw, "dpo_steps": 3})
    first = json.loads((d / "first" / "runs.json").read_text())
    assert runs["SFT"]["model_key"] == first["SFT"]["model_key"]  # the SFT model is shared
    assert runs["DPO(SFT) s0"]["steps"] == 3
    assert len(list((d / "first" / "responses").glob("DPO(SFT)_s0-*"))) == 2  # the old model's answers and the new one's
