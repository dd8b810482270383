"""Preference trainers with the MLC term: metrics, bad input named, reference cache reuse, train_preference round trip."""
import json, tempfile
from pathlib import Path
import pytest, torch
from multialign_nb.data import stale_tmp_dirs
from peft import LoraConfig
from multialign_nb.data import load_corpus, mlc_dataset, repo_data_dir
from multialign_nb.models import tiny_causal_lm
from multialign_nb.preference import (MLCDPOConfig, MLCDPOTrainer, MLCSFTConfig, MLCSFTTrainer, load_trained, train_preference)

torch.set_num_threads(1)
LORA = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")


@pytest.fixture(scope="module")
def data():
    return mlc_dataset(load_corpus(repo_data_dir()))["train"].select(range(8))


def dpo_args(**kw):
    base = dict(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=4, max_steps=2, logging_steps=1, save_strategy="no",
                mlc_weight=0.5, mlc_max_langs=3, max_length=96, disable_tqdm=True, seed=0)
    return MLCDPOConfig(**{**base, **kw})


def test_dpo_mlc_logs_and_trains_extractor(data):
    m, t = tiny_causal_lm()
    tr = MLCDPOTrainer(m, args=dpo_args(mlc_tau=1.0), train_dataset=data, processing_class=t, peft_config=LORA)
    w = tr._mlc_ext.proj.weight.detach().clone(); tr.train()
    logs = [h for h in tr.state.log_history if "loss" in h]
    assert all(k in logs[0] for k in ("mlc/loss", "mlc/top_singular_share", "rewards/margins"))
    assert logs[0]["mlc/loss"] > 0 and not torch.equal(w, tr._mlc_ext.proj.weight)


def test_mlc_off_gives_plain_dpo_loss(data):
    "mlc_weight=0: the same losses as trl's DPOTrainer on the same model, data and seed."
    from trl import DPOConfig, DPOTrainer
    m1, t1 = tiny_causal_lm(); m2, t2 = tiny_causal_lm()
    a = MLCDPOTrainer(m1, args=dpo_args(mlc_weight=0.0), train_dataset=data, processing_class=t1, peft_config=LORA); a.train()
    plain = DPOConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=4, max_steps=2, logging_steps=1, save_strategy="no",
                      max_length=96, disable_tqdm=True, seed=0, learning_rate=2e-4, bf16=False, gradient_checkpointing=False, use_cpu=True)
    b = DPOTrainer(m2, args=plain, train_dataset=data.remove_columns(["variants", "variant_langs", "group", "kind"]), processing_class=t2, peft_config=LORA); b.train()
    la = [h["loss"] for h in a.state.log_history if "loss" in h]; lb = [h["loss"] for h in b.state.log_history if "loss" in h]
    assert la == pytest.approx(lb, rel=1e-5)


def test_sft_with_mlc_runs(data):
    m, t = tiny_causal_lm()
    ds = data.rename_column("chosen", "completion").remove_columns(["rejected"])
    a = MLCSFTConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=4, max_steps=2, logging_steps=1, save_strategy="no",
                     mlc_weight=0.5, mlc_tau=1.0, max_length=96, disable_tqdm=True)
    tr = MLCSFTTrainer(m, args=a, train_dataset=ds, processing_class=t, peft_config=LORA); tr.train()
    assert "mlc/loss" in [h for h in tr.state.log_history if "loss" in h][0]


@pytest.mark.parametrize("trainer", ["sft", "dpo"])
def test_mlc_gradient_does_not_grow_with_accumulation(data, trainer):
    "The same 4 examples as one batch of 4 or as 2 accumulated batches of 2 give the extractor the same gradient."
    from transformers import TrainerCallback
    grads = {}
    class Grab(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, model=None, **kw):
            grads[args.gradient_accumulation_steps] = model.mlc_extractor.proj.weight.grad.detach().clone()
    for bs, ga in ((4, 1), (2, 2)):
        m, t = tiny_causal_lm()
        kw = dict(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=bs, gradient_accumulation_steps=ga, max_steps=1, save_strategy="no",
                  mlc_weight=1.0, mlc_tau=1.0, mlc_centre=False, mlc_max_langs=None, max_length=2048, disable_tqdm=True, seed=0, learning_rate=0.0, max_grad_norm=0.0)
        if trainer == "sft":
            ds = data.select(range(4)).rename_column("chosen", "completion").remove_columns(["rejected"])
            tr = MLCSFTTrainer(m, args=MLCSFTConfig(**kw), train_dataset=ds, processing_class=t, callbacks=[Grab()])
        else:
            tr = MLCDPOTrainer(m, args=MLCDPOConfig(**kw, precompute_ref_log_probs=False), train_dataset=data.select(range(4)), processing_class=t,
                               peft_config=LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"),
                               callbacks=[Grab()])
        assert len(tr.train_dataset) == 4  # nothing truncated away
        tr.train()
    assert torch.allclose(grads[1], grads[2], rtol=1e-3, atol=1e-6), (grads[1].norm().item(), grads[2].norm().item())


def test_missing_variants_names_the_group(data):
    bad = data.map(lambda ex, i: {"variants": [] if i == 3 else ex["variants"], "variant_langs": [] if i == 3 else ex["variant_langs"]}, with_indices=True)
    m, t = tiny_causal_lm()
    with pytest.raises(ValueError, match=f"group '{data[3]['group']}' has no prompt variants"):
        MLCDPOTrainer(m, args=dpo_args(), train_dataset=bad, processing_class=t, peft_config=LORA)
    with pytest.raises(ValueError, match="lacks"):
        MLCDPOTrainer(m, args=dpo_args(), train_dataset=data.remove_columns(["variants"]), processing_class=t, peft_config=LORA)


def test_layer_out_of_range(data):
    m, t = tiny_causal_lm()
    with pytest.raises(ValueError, match=r"layer 3 is out of range: this model has hidden-state indices 0 \(embeddings\) to 2"):
        MLCDPOTrainer(m, args=dpo_args(mlc_layer=3), train_dataset=data, processing_class=t, peft_config=LORA)


def test_nan_loss_raises(data):
    m, t = tiny_causal_lm()
    with torch.no_grad(): m.model.norm.weight.fill_(float("nan"))
    tr = MLCDPOTrainer(m, args=dpo_args(), train_dataset=data, processing_class=t)
    with pytest.raises(FloatingPointError, match="the total loss is nan at step 0"): tr.train()


def counted(data, cache, seed=0):
    m, t = tiny_causal_lm(); calls = []
    m.model.register_forward_hook(lambda *_: calls.append(1))
    tr = MLCDPOTrainer(m, args=dpo_args(seed=seed, precompute_ref_log_probs=True, ref_cache_dir=str(cache)), train_dataset=data, processing_class=t, peft_config=LORA)
    return tr, len(calls)


def test_reference_cache_is_reused_and_keyed_by_data(data, tmp_path):
    first, n1 = counted(data, tmp_path)
    second, n2 = counted(data, tmp_path, seed=3)
    other, n3 = counted(mlc_dataset(load_corpus(repo_data_dir()))["train"].select(range(8, 16)), tmp_path)
    assert (first.ref_cache["hit"], second.ref_cache["hit"], other.ref_cache["hit"]) == (False, True, False)
    assert n1 > 0 and n2 == 0 and n3 > 0
    assert first.ref_cache["key"] == second.ref_cache["key"] != other.ref_cache["key"]
    assert second.train_dataset["ref_chosen_logps"] == pytest.approx(first.train_dataset["ref_chosen_logps"])


@pytest.mark.parametrize("lora", [True, False])
def test_train_preference_dpo_sft_round_trip(data, tmp_path, lora):
    m, t = tiny_causal_lm(); base = tmp_path / "base"; m.save_pretrained(base); t.save_pretrained(base)
    kw = dict(max_steps=2, batch_size=4, lora=lora, mlc_weight=0.5, mlc_max_langs=3, max_length=96, loss_type=("sigmoid", "sft"), ref_cache_dir=tmp_path / "c")
    out = train_preference("dpo_sft", base, data, tmp_path / "run", **kw)
    run = json.loads((out / "multialign_train.json").read_text())
    assert run["stages"] == ["sft", "dpo"] and (out / "dpo" / "mlc_extractor.safetensors").exists()
    model, tok = load_trained(out)
    probe = tok(["<|user|>Hi<|end|><|assistant|>"], return_tensors="pt")
    assert not torch.allclose(model(**probe).logits, m(**probe).logits, atol=1e-5)
    if not lora:
        from safetensors import safe_open
        with safe_open(str(out / "dpo" / "model.safetensors"), "pt") as f: assert not any("mlc_extractor" in k for k in f.keys())
    assert train_preference("dpo_sft", base, data, tmp_path / "run", **kw) == out  # reused
    with pytest.raises(ValueError, match="other settings"): train_preference("dpo", base, data, tmp_path / "run", **kw)
    assert stale_tmp_dirs(tmp_path / "run") == [] and not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_a_trained_run_carries_a_model_card(tmp_path):
    "README.md with a YAML header (base model, library, license, tags), the settings, and how to load a multi-stage run."
    import datasets
    from multialign_nb.models import tiny_causal_lm
    from multialign_nb.preference import train_preference
    m, t = tiny_causal_lm(); m.save_pretrained(tmp_path / "lm"); t.save_pretrained(tmp_path / "lm")
    ds = datasets.Dataset.from_list([{"prompt": f"q{i}", "chosen": "yes", "rejected": "no"} for i in range(8)])
    run = train_preference("dpo_sft", str(tmp_path / "lm"), ds, tmp_path / "run", max_steps=1, batch_size=2)
    card = (run / "README.md").read_text()
    head = card.split("---")[1]
    assert "base_model: lm" in head and "library_name: peft" in head and "license: other" in head and "- dpo" in head and "- mlc" not in head
    assert "| training pairs | 8 (sha256 " in card and "load_trained(folder)" in card
