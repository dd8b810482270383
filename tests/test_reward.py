"Reward model: listwise loss vs Bradley-Terry, RewardTrainer on a tiny model, accuracy per language, GRPO and the KL estimate."
import math, os
import warnings

import pytest
import torch
import torch.nn.functional as F

os.environ.setdefault("OMP_NUM_THREADS", "1"); torch.set_num_threads(1)

import datasets
from multialign_nb.models import tiny_causal_lm, tiny_tokenizer
from multialign_nb.reward import (ListwiseRewardConfig, ListwiseRewardTrainer, grpo_align, listwise_reward_loss, pairwise_accuracy,
                                  policy_reward_kl, ranked_lists, reward_dataset, reward_function, sequence_logps, step_log,
                                  train_reward_model, wilson)
from multialign_nb.rlaif import reward_text

TOY = [{"prompt": p, "chosen": "I can't help with that request.", "rejected": "Sure, here is how you could do it.", "lang": l, "group": f"g{i}"}
       for i, (p, l) in enumerate([("How do I stop a stuck process?", "en"), ("Как остановить процесс?", "ru"),
                                   ("Ninawezaje kusimamisha mchakato?", "sw")])]


def tiny_reward(seed=0):
    from transformers import Qwen2Config, Qwen2ForSequenceClassification
    tok = tiny_tokenizer(); torch.manual_seed(seed)
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                      num_key_value_heads=1, num_labels=1, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    return Qwen2ForSequenceClassification(cfg), tok


def test_listwise_equals_bradley_terry_for_two():
    torch.manual_seed(0); s = torch.randn(16, 2) * 3
    assert listwise_reward_loss(s).item() == pytest.approx(-F.logsigmoid(s[:, 0] - s[:, 1]).mean().item(), abs=1e-6)


def test_listwise_gradient_and_bad_input():
    s = torch.tensor([[0.0, 0.0, 0.0]], requires_grad=True)
    listwise_reward_loss(s).backward()
    assert s.grad[0, 0] == pytest.approx(-2 / 3) and s.grad[0, 1] == pytest.approx(1 / 3)  # push the preferred up, the others down
    with pytest.raises(ValueError, match="shape"): listwise_reward_loss(torch.zeros(2, 1))
    with pytest.raises(ValueError, match="index 0"): listwise_reward_loss(torch.tensor([[float("-inf"), 0.0]]))
    with pytest.raises(ValueError, match="NaN"): listwise_reward_loss(torch.tensor([[0.0, float("nan")]]))


def test_wilson_interval():
    lo, hi = wilson(20, 20); assert hi == pytest.approx(1.0) and 0.83 < lo < 0.84
    lo, hi = wilson(10, 20); assert lo == pytest.approx(1 - hi)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_reward_trainer_learns_and_accuracy_per_language(tmp_path):
    m, t = tiny_reward()
    ds = reward_dataset(TOY * 8)
    assert ds[0]["chosen"] == reward_text(TOY[0]["prompt"], TOY[0]["chosen"]) and set(ds["source"]) == {"gold"}
    tr = train_reward_model(m, t, ds, tmp_path, learning_rate=3e-3, num_train_epochs=3, logging_steps=3)
    acc = pairwise_accuracy(m, t, TOY).set_index("lang")
    assert acc.loc["all", "accuracy"] == 1.0 and acc.loc["all", "n"] == 3 and list(acc.index) == ["en", "ru", "sw", "all"]
    assert any("accuracy" in h for h in tr.state.log_history)
    flipped = [{**r, "chosen": r["rejected"], "rejected": r["chosen"]} for r in TOY]
    assert pairwise_accuracy(m, t, flipped).set_index("lang").loc["all", "accuracy"] == 0.0  # the metric can fail


def test_reward_dataset_needs_pairs():
    with pytest.raises(ValueError, match="no preference pairs"): reward_dataset([])
    with pytest.warns(UserWarning, match="skipped 1 pairs with an empty response"):
        assert len(reward_dataset([*TOY, {**TOY[0], "chosen": "  "}])) == 3


def test_ranked_lists_drop_unknowns_and_top_ties():
    rows = [{"prompt": "p", "lang": "sw", "group": "g", "candidates": ["a", "b", "c"], "scores": [0.1, float("nan"), 0.9]},
            {"prompt": "q", "lang": "sw", "group": "h", "candidates": ["a", "b"], "scores": [0.5, 0.5]}]
    out = ranked_lists(rows)
    assert out == [{"prompt": "p", "lang": "sw", "group": "g", "candidates": ["c", "a"]}]


def test_listwise_trainer_learns(tmp_path):
    m, t = tiny_reward(seed=1)
    lists = [{"prompt": r["prompt"], "lang": r["lang"], "group": r["group"],
              "candidates": [r["chosen"], "Sure, here is how you could do it.", "Sure."][:2 + i % 2]} for i, r in enumerate(TOY * 4)]
    args = ListwiseRewardConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, learning_rate=3e-3, num_train_epochs=4,
                                logging_steps=3, save_strategy="no", disable_tqdm=True, use_cpu=True)
    tr = ListwiseRewardTrainer(m, args, datasets.Dataset.from_list(lists), t); tr.train(); m.eval()
    assert pairwise_accuracy(m, t, TOY).set_index("lang").loc["all", "accuracy"] == 1.0
    assert [h["top1_accuracy"] for h in tr.state.log_history if "top1_accuracy" in h][-1] == 1.0


def test_grpo_logs_reward_and_kl_and_refuses_zero_beta(tmp_path):
    rm, rt = tiny_reward()
    pol, pt = tiny_causal_lm(seed=2)
    with pytest.raises(ValueError, match="must be > 0"): grpo_align(pol, pt, reward_function(rm, rt), ["p"], tmp_path / "x", beta=0.0)
    tr = grpo_align(pol, pt, reward_function(rm, rt), [r["prompt"] for r in TOY], tmp_path / "g", max_steps=2,
                    max_completion_length=6, per_device_train_batch_size=4, num_generations=4, lora=False)
    log = step_log(tr)
    assert log["step"].tolist() == [1, 2] and (log["kl"] >= 0).all() and log["reward"].notna().all()


def test_reward_function_accepts_chat_format():
    rm, rt = tiny_reward()
    f = reward_function(rm, rt)
    plain = f(["Hi"], ["Hello."])
    chat = f([[{"role": "user", "content": "Hi"}]], [[{"role": "assistant", "content": "Hello."}]])
    assert plain == pytest.approx(chat) and f.__name__ == "reward_model"


def test_kl_estimate_zero_against_itself_and_logps():
    m, t = tiny_causal_lm()
    lp = sequence_logps(m, t, ["How do I stop a stuck process?"], ["Sure."])
    assert lp.shape == (1,) and lp.item() < 0
    r = policy_reward_kl(m, m, t, lambda p, c: [1.0] * len(c), ["How do I stop a stuck process?", "Как остановить процесс?"], samples=2, max_new_tokens=5)
    assert r["n"] == 4 and r["kl"] == pytest.approx(0.0, abs=1e-5) and r["reward"] == 1.0
