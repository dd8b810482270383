"""Step time and peak memory of a DPO + MLC training step (multialign_nb's MLCDPOTrainer) against plain trl DPOTrainer
on the same model, data, batch, LoRA adapter and precomputed reference log-probs. Each variant runs in a fresh process
(peak RSS is per process). Target: MLC step time / plain DPO step time <= 1.3.

This VM's step times drift by up to 40 % between runs minutes apart, so the variants are run in rounds (in order, then
in reverse order, alternating) and each ratio is the median over rounds of the ratio to the plain DPO run of the same round.

    OMP_NUM_THREADS=2 .venv/bin/python bench/preference.py [--tiny] [--steps N] [--batch B] [--max-length L] [--rounds R]
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

VARIANTS = {"trl DPO": dict(mlc_weight=0.0), "DPO+MLC, 2 langs/step": dict(mlc_weight=0.5, mlc_max_langs=2),
            "DPO+MLC, 3 langs/step": dict(mlc_weight=0.5, mlc_max_langs=3), "DPO+MLC, 4 langs/step": dict(mlc_weight=0.5, mlc_max_langs=4),
            "DPO+MLC, all 10 langs": dict(mlc_weight=0.5)}


def run_one(name, tiny, steps, batch, max_length):
    import torch, datasets, transformers, warnings
    warnings.filterwarnings("ignore"); datasets.disable_progress_bars(); transformers.logging.set_verbosity_error()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import DPOConfig, DPOTrainer
    from multialign_nb.data import load_corpus, mlc_dataset, repo_data_dir
    from multialign_nb.models import load_causal_lm, tiny_causal_lm
    from multialign_nb.preference import MLCDPOConfig, MLCDPOTrainer
    model, tok = tiny_causal_lm() if tiny else load_causal_lm("HuggingFaceTB/SmolLM2-135M-Instruct")
    data = mlc_dataset(load_corpus(repo_data_dir()))["train"].shuffle(seed=0).select(range(batch * (steps + 2)))
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    common = dict(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=batch, max_steps=steps + 2, save_strategy="no", logging_steps=1000,
                  max_length=max_length, precompute_ref_log_probs=True, learning_rate=2e-4, disable_tqdm=True, seed=0)
    times = []

    class Clock(TrainerCallback):
        def on_step_begin(self, *a, **k): self.t = time.perf_counter()
        def on_step_end(self, *a, **k): times.append(time.perf_counter() - self.t)
    if name == "trl DPO":
        args = DPOConfig(**common, bf16=False, gradient_checkpointing=False, use_cpu=not torch.cuda.is_available(), report_to="none")
        trainer = DPOTrainer(model, args=args, train_dataset=data.remove_columns(["variants", "variant_langs", "group", "kind"]), processing_class=tok, peft_config=lora)
    else:
        trainer = MLCDPOTrainer(model, args=MLCDPOConfig(**common, **VARIANTS[name]), train_dataset=data, processing_class=tok, peft_config=lora)
    trainer.add_callback(Clock()); trainer.train()
    timed = times[2:]  # two warm-up steps
    print(json.dumps({"name": name, "step_s": sum(timed) / len(timed), "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))


def main():
    p = argparse.ArgumentParser(); p.add_argument("--tiny", action="store_true"); p.add_argument("--steps", type=int, default=4)
    p.add_argument("--batch", type=int, default=4); p.add_argument("--max-length", type=int, default=256); p.add_argument("--one")
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    if a.one: return run_one(a.one, a.tiny, a.steps, a.batch, a.max_length)
    model = "tiny test model" if a.tiny else "SmolLM2-135M-Instruct"
    print(f"{model}, LoRA r=16 all linear, batch {a.batch} pairs, max_length {a.max_length}, reference log-probs precomputed, "
          f"{a.steps} timed steps after 2 warm-up, {a.rounds} rounds, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    runs = {name: [] for name in VARIANTS}
    for r in range(a.rounds):
        for name in (list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]):
            cmd = [sys.executable, __file__, "--one", name, "--steps", str(a.steps), "--batch", str(a.batch), "--max-length", str(a.max_length)] + (["--tiny"] if a.tiny else [])
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode: sys.exit(out.stderr[-3000:])
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"round {r + 1}: " + ", ".join(f"{n} {runs[n][r]['step_s']:.2f} s" for n in VARIANTS), flush=True)
    base = [x["step_s"] for x in runs["trl DPO"]]
    for name, xs in runs.items():
        steps = [x["step_s"] for x in xs]; ratios = [s / b for s, b in zip(steps, base)]
        print(f"{name:36s} step {statistics.median(steps):.3f} s  ratio {statistics.median(ratios):.2f} (rounds: {', '.join(f'{q:.2f}' for q in ratios)})  "
              f"peak RSS {max(x['peak_rss_gb'] for x in xs):.2f} GB", flush=True)


if __name__ == "__main__":
    main()
