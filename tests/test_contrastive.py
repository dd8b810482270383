"""Contrastive alignment and the safety head: bad input gives clear errors; training is reproducible."""
import math, tempfile
import datasets, pytest, torch
from multialign_nb.contrastive import (ContrastiveConfig, ContrastiveTrainer, JointAligner, JointCollator, info_nce_loss,
                                       joint_items)
from multialign_nb.data import load_corpus, repo_data_dir
from multialign_nb.models import tiny_encoder
from multialign_nb.safety import auroc, brier, ece, fit_temperature


@pytest.mark.parametrize("call,words", [
    (lambda: info_nce_loss(torch.zeros(0, 8), torch.zeros(0, 8)), "anchor: empty batch"),
    (lambda: info_nce_loss(torch.randn(3, 8), torch.randn(3, 8), groups=[7, 7, 7]), "single group has no negatives"),
    (lambda: info_nce_loss(torch.randn(3, 8), torch.full((3, 8), float("nan"))), "positive: NaN or inf in rows [0, 1, 2]"),
    (lambda: info_nce_loss(torch.randn(3, 8), torch.randn(3, 8), groups=["a", "b"]), "2 labels for 3 rows"),
    (lambda: ece([0.5, 0.2], [1, 2]), "labels must be 0 or 1"),
    (lambda: brier([float("nan")], [1]), "scores contain NaN"),
    (lambda: fit_temperature([], []), "no dev examples"),
])
def test_bad_input_is_named(call, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")): call()


def test_collator_rejects_out_of_range_safety():
    items = joint_items(load_corpus(repo_data_dir()))[:2]
    with pytest.raises(ValueError, match=r"safety must be in \[0, 1\], got -0.2"): JointCollator()([{**items[0], "safety": -0.2}])


def losses(seed):
    items = joint_items(load_corpus(repo_data_dir()))[:24]
    aligner = JointAligner(*tiny_encoder(seed=seed), prefix="")
    args = ContrastiveConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=8, max_steps=6, learning_rate=1e-3,
                             logging_steps=2, save_strategy="no", seed=seed, disable_tqdm=True, use_cpu=True)
    trainer = ContrastiveTrainer(aligner, args, datasets.Dataset.from_list(items)); trainer.train()
    return [h["loss"] for h in trainer.state.log_history if "loss" in h]


def test_training_is_reproducible_and_finite():
    a, b, c = losses(0), losses(0), losses(1)
    assert a == b and a != c and all(math.isfinite(x) for x in a)


def test_auroc_matches_hand_computation():
    # 3 safe x 2 unsafe pairs: safe scores 0.9, 0.6, 0.4; unsafe 0.5, 0.1 -> 5 of 6 pairs ordered
    assert auroc([0.9, 0.6, 0.4, 0.5, 0.1], [1, 1, 1, 0, 0]) == pytest.approx(5 / 6)


def test_a_cached_aligner_is_reused_only_for_the_same_settings(tmp_path):
    "`train_joint` reuses its folder for the same settings and data, and refuses it (not silently reuses it) for others."
    from multialign_nb.contrastive import train_joint
    enc, tok = tiny_encoder(); enc.save_pretrained(tmp_path / "enc"); tok.save_pretrained(tmp_path / "enc")
    kw = dict(per_device_train_batch_size=8, warmup_steps=0, logging_steps=1)
    a = train_joint(str(tmp_path / "enc"), out_dir=tmp_path / "al", max_steps=1, **kw)
    assert (tmp_path / "al" / "run.json").exists() and not list(tmp_path.glob(".al.tmp-*"))
    b = train_joint(str(tmp_path / "enc"), out_dir=tmp_path / "al", max_steps=1, **kw)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    with pytest.raises(ValueError, match="other settings, data or loss"):
        train_joint(str(tmp_path / "enc"), out_dir=tmp_path / "al", max_steps=2, **kw)
