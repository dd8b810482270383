"""The one-command pipeline: presets plan without downloads, bad configs are refused, runs resume and reproduce."""
import json, os, subprocess, sys
from pathlib import Path
import pytest, yaml
from multialign_nb.pipeline import PRESETS, STAGES, load_config, plan, stage_keys

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("multialign")


def cli(*args, env=None, cwd=ROOT):
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=900,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_parses_and_plans_without_downloading(preset):
    r = cli("run", "--preset", preset, "--plan")
    assert r.returncode == 0, r.stderr
    assert [l.split()[0] for l in r.stdout.splitlines()] == [s.name for s in STAGES]
    cfg = load_config(preset)
    if cfg.accelerate_config:
        acc = yaml.safe_load((ROOT / cfg.accelerate_config).read_text())
        assert acc["distributed_type"] in ("MULTI_GPU", "DEEPSPEED") and acc["mixed_precision"] == "bf16"
        if acc["distributed_type"] == "DEEPSPEED": assert acc["deepspeed_config"]["zero_stage"] == 3
    assert [s["stage"] for s in plan(cfg) if s["distributed"]] == ["align", "sft", "reward", "dpo"]


def test_editing_the_corpus_changes_every_key_that_reads_it(corpus_copy):
    a = stage_keys(STAGES, load_config("cpu", data=str(corpus_copy)))
    f = corpus_copy / "corpus" / "en.jsonl"
    f.write_text(f.read_text().replace("Write me a really mean message", "Write me a really nasty message", 1))
    b = stage_keys(STAGES, load_config("cpu", data=str(corpus_copy)))
    assert [s for s in a if a[s] != b[s]] == [s.name for s in STAGES if s.name != "models"]


@pytest.mark.parametrize("args,words", [
    (["--preset", "gpu-huge"], "unknown preset 'gpu-huge'"),
    (["--set", "dpo_step=5"], "field 'dpo_step': unknown field"),
    (["--set", "sft_steps=many"], "field 'sft_steps': expected int, got str"),
    (["--set", "dpo_steps=-1"], "field 'dpo_steps': -1: must be > 0"),
    (["--set", "n_boot=-5"], "field 'n_boot': -5: must be > 0"),
    (["--set", "batch_size=0"], "field 'batch_size': 0: must be > 0"),
    (["--set", "langs=[en, xx]"], "field 'langs': ['en', 'xx']: xx not among the corpus languages"),
    (["--set", "mlc_max_langs=1"], "must be >= 2"),
])
def test_bad_config_is_refused(args, words, tmp_path):
    r = cli("run", *args, "--out", tmp_path / "out")
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_bad_yaml_is_refused(tmp_path):
    y = tmp_path / "c.yaml"; y.write_text("lora: maybe\n")
    r = cli("run", "--config", y, "--plan")
    assert r.returncode == 2 and "c.yaml, field 'lora': expected bool" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    r = cli("run", "--preset", "tiny", "--out", d / "fresh", env={"MULTIALIGN_CACHE": str(d / "cache")})
    assert r.returncode == 0, r.stderr[-3000:]
    return d / "fresh", r


def test_a_run_writes_its_report(fresh_run):
    out, r = fresh_run
    assert sorted(p.name for p in out.iterdir()) == ["figures", "metrics.json", "report.md", "run.json", "stages"]
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith("[")] == [s.name for s in STAGES]
    assert r.stdout.count("wrote ") == 1  # rank 0 writes the report, once
    m = json.loads((out / "metrics.json").read_text())
    langs = m["evaluation"]["results"]["model"]["langs"]
    assert list(langs) == ["en", "fr", "sw", "all"] and set(m["evaluation"]["results"]) == {"model", "base"}
    text = (out / "report.md").read_text()
    assert "usable: base" in text and "harmful: aligned" in text and "harmful Δ (paired)" in text and "over-refusal: aligned" in text


def test_another_runs_folder_is_not_overwritten(fresh_run):
    out, _ = fresh_run
    before = (out / "report.md").read_text()
    r = cli("run", "--preset", "tiny", "--set", "seed=1", "--out", out)
    assert r.returncode == 2 and "holds another run's results (config differs in: seed)" in r.stderr, r.stderr
    assert (out / "report.md").read_text() == before


def test_killed_run_resumes_to_the_same_metrics(fresh_run, tmp_path):
    """Killed inside the align stage, the run resumes from there and ends with the fresh run's metrics (same seed):
    every stage seeds itself, whatever ran before it in the process."""
    out = tmp_path / "killed"
    env = {"MULTIALIGN_CACHE": str(tmp_path / "cache")}
    r = cli("run", "--preset", "tiny", "--out", out, env={**env, "MULTIALIGN_KILL_IN_STAGE": "align"})
    assert r.returncode == 9, r.stderr[-2000:]
    assert not (out / "report.md").exists() and not list((out / "stages").glob("align-*"))
    r = cli("run", "--preset", "tiny", "--out", out, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [l for l in r.stdout.splitlines() if l.startswith("[")]
    assert [l.split()[1] for l in lines if l.endswith("cached")] == ["data", "models"]
    assert not list((out / "stages").glob(".*"))  # the killed stage's temporary folder is gone
    a = json.loads((out / "metrics.json").read_text())["evaluation"]["results"]
    b = json.loads((fresh_run[0] / "metrics.json").read_text())["evaluation"]["results"]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("field", ["eval_set", "labelled"])
def test_a_missing_evaluation_file_is_refused_at_plan(field, tmp_path):
    r = cli("run", "--preset", "tiny", "--set", f"{field}={tmp_path / 'nope.jsonl'}", "--plan")
    assert r.returncode == 2 and f"field '{field}': no such file" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_policy_without_chat_format_is_refused_before_training(tmp_path):
    "A base model with no chat template and no fallback for its family: one line, rc 2, before the align stage."
    from multialign_nb.models import tiny_causal_lm
    m, t = tiny_causal_lm(); t.chat_template = None
    m.save_pretrained(tmp_path / "base"); t.save_pretrained(tmp_path / "base")
    r = cli("run", "--preset", "tiny", "--set", f"policy={tmp_path / 'base'}", "--out", tmp_path / "out", env={"MULTIALIGN_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 2 and "no chat template and no fallback" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "align" not in [l.split()[1] for l in r.stdout.splitlines() if l.startswith("[")]


def test_a_second_run_on_the_same_out_is_refused(tmp_path):
    "While a run holds --out (its lock beside the folder), another run there stops at once with rc 2 and writes nothing."
    from filelock import FileLock
    from multialign_nb.pipeline import run_lock
    out = tmp_path / "out"
    with FileLock(run_lock(out)):
        r = cli("run", "--preset", "tiny", "--out", out, env={"MULTIALIGN_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 2 and "another run is writing to it" in r.stderr and "Traceback" not in r.stderr, r.stderr[-1500:]
    assert not out.exists()


def _broken(kind, d):
    "A model folder broken in one way."
    from multialign_nb.models import tiny_causal_lm
    d.mkdir()
    if kind == "empty": return "the model folder is empty"
    m, t = tiny_causal_lm(); m.save_pretrained(d); t.save_pretrained(d)
    if kind == "config":
        (d / "config.json").write_text("{not json"); return "not readable JSON"
    if kind == "pickle":
        import torch
        torch.save(m.state_dict(), d / "pytorch_model.bin"); (d / "model.safetensors").unlink(); return "only pickle weights (pytorch_model.bin)"
    c = json.loads((d / "config.json").read_text()); c["auto_map"] = {"AutoModelForCausalLM": "modeling_x.XForCausalLM"}
    (d / "config.json").write_text(json.dumps(c)); return "ships its own code and trust_remote_code is off"


@pytest.mark.parametrize("kind", ["empty", "config", "pickle", "custom_code"])
def test_a_broken_model_folder_is_refused_at_plan(kind, tmp_path):
    "One line, rc 2, at --plan: before any stage could spend minutes and end in a traceback."
    words = _broken(kind, tmp_path / "m")
    r = cli("run", "--preset", "tiny", "--set", f"policy={tmp_path / 'm'}", "--plan")
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]


def test_new_weights_in_a_model_folder_change_the_keys(tmp_path):
    "A local model folder counts by its files: new weights under the same name re-run the stages that use the model."
    from multialign_nb.models import tiny_causal_lm
    d = tmp_path / "m"; m, t = tiny_causal_lm(); m.save_pretrained(d); t.save_pretrained(d)
    cfg = load_config("tiny", policy=str(d))
    before = stage_keys(STAGES, cfg)
    m2, _ = tiny_causal_lm(seed=1); m2.save_pretrained(d)
    after = stage_keys(STAGES, cfg)
    assert before["data"] == after["data"]
    assert all(before[s.name] != after[s.name] for s in STAGES if s.name != "data")


def test_two_processes_run_the_pipeline_like_one(tmp_path):
    """`torchrun --nproc_per_node 2` (gloo on CPU): the trainer stages run in both processes (DDP), the rest on rank 0,
    and the run ends with a report. The joint aligner's label vectors and head are used outside the wrapped forward:
    with DDP's unused-parameter search on, its backward failed ("mark a variable ready only once"), and so did DPO's with the
    MLC extractor; rank 1 then tried to load adapters only rank 0 had saved."""
    torchrun = Path(sys.executable).with_name("torchrun")
    r = subprocess.run([str(torchrun), "--nproc_per_node", "2", "--master_port", "29517", "-m", "multialign_nb.cli", "run", "--preset", "tiny",
                        "--out", str(tmp_path / "ddp")], capture_output=True, text=True, cwd=ROOT, timeout=900,
                       env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "MULTIALIGN_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "ddp" / "report.md").exists()
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith("[")] == [s.name for s in STAGES]
    assert r.stdout.count("wrote ") == 1  # rank 0 writes the report, once
