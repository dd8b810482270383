"""bf16 autocast against float32 for the default policy on this CPU: seconds per training micro-batch (the model's own
loss), seconds per trl SFT step (the pipeline's path: trl computes log-probabilities over the vocabulary in float32
chunks), seconds for a batch of greedy answers, and how far the outputs move (loss difference; identical answers out of N).

    OMP_NUM_THREADS=2 .venv/bin/python bench/precision.py [--model ID] [--per-lang N] [--max-new-tokens T]
"""
import argparse, json, sys, time
import torch
from multialign_nb.data import repo_data_dir
from multialign_nb.evaluate import generate, load_prompts
from multialign_nb.models import bf16_native, load_causal_lm


def main(argv=None):
    a = argparse.ArgumentParser()
    a.add_argument("--model", default="google/gemma-3-270m")
    a.add_argument("--per-lang", type=int, default=2)
    a.add_argument("--max-new-tokens", type=int, default=40)
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--sft-steps", type=int, default=4)
    args = a.parse_args(argv)
    from peft import LoraConfig, get_peft_model
    model, tok = load_causal_lm(args.model)
    torch.manual_seed(0)
    pm = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
    x = torch.randint(10, 20000, (2, 200))  # one SFT micro-batch: 2 sequences of 200 tokens

    def step(bf16):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16): out = pm(input_ids=x, labels=x)
        out.loss.backward(); pm.zero_grad()
        return out.loss.item()

    train, losses = {False: [], True: []}, {}
    for _ in range(args.rounds):  # alternate, so that a slow spell hits both
        for bf16 in (False, True):
            t = time.time(); losses[bf16] = step(bf16); train[bf16].append(time.time() - t)
    sft = {}
    import tempfile
    from multialign_nb.pipeline import _mlc_train, load_config
    from multialign_nb.preference import train_preference
    ds = _mlc_train(load_config("cpu", policy=args.model)).select(range(32))
    for bf16 in (False, True):
        with tempfile.TemporaryDirectory() as d:
            run = train_preference("sft", args.model, ds, f"{d}/run", max_steps=args.sft_steps, batch_size=2, grad_accum=2, learning_rate=3e-4, bf16=bf16)
            log = json.loads(open(f"{run}/sft/log_history.json").read())
            sft[bf16] = next(r["train_runtime"] for r in log if "train_runtime" in r) / args.sft_steps
    del pm, model
    gm, tok = load_causal_lm(args.model)  # generation as the pipeline does it: a plain (merged) model
    prompts = load_prompts(repo_data_dir(), limit_per_lang=args.per_lang)["text"].tolist()
    gen, texts = {False: [], True: []}, {}
    for _ in range(2):  # alternate, so that a slow spell hits both
        for bf16 in (False, True):
            t = time.time(); texts[bf16] = generate(gm, tok, prompts, max_new_tokens=args.max_new_tokens, bf16=bf16); gen[bf16].append(time.time() - t)
    gen = {k: min(v) for k, v in gen.items()}
    med = lambda v: sorted(v)[len(v) // 2]
    print(json.dumps({"model": args.model, "bf16_native": bf16_native(), "threads": torch.get_num_threads(),
                      "train_s_per_microbatch": {"fp32": round(med(train[False]), 2), "bf16": round(med(train[True]), 2)},
                      "train_speedup": round(med(train[False]) / med(train[True]), 2),
                      "trl_sft_s_per_step": {"fp32": round(sft[False], 2), "bf16": round(sft[True], 2)},
                      "trl_sft_speedup": round(sft[False] / sft[True], 2),
                      "loss": {"fp32": round(losses[False], 4), "bf16": round(losses[True], 4)},
                      "generate_s": {"fp32": round(gen[False], 1), "bf16": round(gen[True], 1)}, "prompts": len(prompts),
                      "generate_speedup": round(gen[False] / gen[True], 2),
                      "identical_answers": f"{sum(a == b for a, b in zip(texts[False], texts[True]))}/{len(prompts)}"}, indent=1))


if __name__ == "__main__":
    main()
