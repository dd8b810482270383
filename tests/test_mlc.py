"""The MLC loss and extractor: exact formula, rank-1 behaviour, masking, finite gradients, bad input named."""
import math, tempfile
import pytest, torch
import torch.nn.functional as F
from multialign_nb.mlc import (MLCExtractor, check_layer, group_reps, load_extractor, mlc_diagnostics, mlc_loss, prompt_states,
                               save_extractor, top_singular_share)
from multialign_nb.models import last_token_states, tiny_causal_lm

torch.set_num_threads(1)


def direct(reps, tau):
    "The paper's formula written out: normalise rows, SVD, -log softmax of the top singular value."
    out = []
    for g in reps:
        s = torch.linalg.svd(F.normalize(g.double(), dim=-1)).S
        out.append(-(s[0] / tau - torch.logsumexp(s / tau, 0)))
    return torch.stack(out).mean()


@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_loss_equals_direct_computation(tau):
    reps = torch.randn(3, 6, 12, generator=torch.Generator().manual_seed(1))
    assert mlc_loss(reps, tau=tau).item() == pytest.approx(direct(reps, tau).item(), rel=1e-4)


def test_collinear_groups_score_lower_antiparallel_included():
    v = torch.randn(16, generator=torch.Generator().manual_seed(2))
    collinear = torch.stack([v, -v, 2 * v, -0.1 * v])[None]
    noisy = (collinear + torch.randn(1, 4, 16, generator=torch.Generator().manual_seed(3)))
    assert mlc_loss(collinear, tau=0.5) < mlc_loss(noisy, tau=0.5)
    assert mlc_loss(collinear, tau=0.5).item() == pytest.approx(math.log(1 + 3 * math.exp(-2 / 0.5)), rel=1e-4)
    assert top_singular_share(collinear).item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("tau", [0.1, 1.0])
def test_gradient_finite_for_identical_vectors(tau):
    x = torch.randn(8).repeat(2, 5, 1).clone().requires_grad_(True)
    mlc_loss(x, tau=tau).backward()
    assert torch.isfinite(x.grad).all()


def test_mask_equals_smaller_group():
    reps = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(4))
    mask = torch.tensor([[True, False, True, True, False], [True] * 5])
    small = reps[0, [0, 2, 3]][None]
    want = (mlc_loss(small) + mlc_loss(reps[1:])) / 2
    padded = reps.clone(); padded[0, 1] = float("nan")
    assert mlc_loss(padded, mask=mask).item() == pytest.approx(want.item(), rel=1e-5)


@pytest.mark.parametrize("bad,words", [(float("nan"), "NaN or inf in groups [1]"), (float("inf"), "NaN or inf in groups [1]")])
def test_nan_in_reps_is_named(bad, words):
    reps = torch.randn(3, 4, 8); reps[1, 2, 0] = bad
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")): mlc_loss(reps)


def test_layer_out_of_range_names_the_range():
    model, tok = tiny_causal_lm(layers=2)
    with pytest.raises(ValueError, match=r"layer 5 is out of range: this model has hidden-state indices 0 \(embeddings\) to 2"):
        prompt_states(model, tok, ["hi"], layer=5)
    with pytest.raises(ValueError, match="out of range"): check_layer(model, -1)


def test_prompt_states_match_models_last_token_states_and_keep_grad():
    model, tok = tiny_causal_lm(layers=3)
    prompts = ["How do I stop a stuck process?", "如何停止进程？"]
    for layer in range(4):
        got = prompt_states(model, tok, prompts, layer=layer)
        assert got.requires_grad
        assert torch.allclose(got.detach(), last_token_states(model, tok, prompts, layer=layer), atol=1e-5)


def test_group_reps_mask_and_extractor_roundtrip():
    model, tok = tiny_causal_lm()
    ext = MLCExtractor(64, dim=16, centre=True).train()
    reps, mask = group_reps(model, tok, [["Hi", "Hola"], ["Hello", "Salut"]], [["en", "es"], ["en", "fr"]], extractor=ext)
    assert reps.shape == (2, 3, 16) and mask.tolist() == [[True, True, False], [True, False, True]]
    assert int(ext.count) == 3 and ext.mean.abs().sum() > 0  # one running-mean update per language batch
    d = tempfile.mkdtemp(); save_extractor(ext, d); back = load_extractor(d)
    h = torch.randn(4, 64)
    assert torch.allclose(back(h), ext.eval()(h)) and back.config == ext.config


def test_diagnostics_chance_and_ranges():
    model, tok = tiny_causal_lm()
    texts = {"en": ["How do I stop a stuck process?", "Write a short poem about the rain."],
             "fr": ["Comment arrêter un processus ?", "Écris un poème."]}
    (rep,) = mlc_diagnostics(model, tok, texts, layers=1)
    assert rep["chance"] == 0.5 and 0 <= rep["retrieval"] <= 1 and 0 < rep["global_top_share"] <= 1
    assert "mlc_loss@0.1" in rep and "mlc_loss_centred@1" in rep
