"""Does a fine-tuned cross-encoder judge beat the frozen-feature judges on held-out real outputs?

    OMP_NUM_THREADS=2 .venv/bin/python bench/judge_finetune.py [--steps 600] [--out runs/judge-ft]

The judges of chapter 04 are small heads on frozen multilingual-e5-small features of the prompt and the response
(plus ten degeneracy features). Here the encoder itself is fine-tuned (word embeddings frozen) on the prompt and the
response read together ("query: PROMPT\\n\\nRESPONSE"), with three heads (usable, harmful, refusal) trained jointly
on the same examples the chapter's judges learn from: the dev split's gold and degenerate rows and the labelled set's
learn part (each real row drawn REAL_WEIGHT times as often). harmful and refusal are gated by usable as in the
chapter. Measured with `judge_agreement` on the labelled set's held-out part, beside the frozen-feature judges.
"""
import argparse, math, random, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

TARGETS = ("usable", "harmful", "refusal")


class FineTuned(torch.nn.Module):
    def __init__(self, enc, tok, max_length=256):
        super().__init__()
        self.enc, self.tok, self.max_length = enc, tok, max_length
        self.heads = torch.nn.Linear(enc.config.hidden_size, len(TARGETS))

    def forward(self, prompts, responses):
        from multialign_nb.models import mean_pool
        texts = [f"query: {p}\n\n{r}" for p, r in zip(prompts, responses)]
        b = self.tok(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        b.pop("token_type_ids", None)
        h = mean_pool(self.enc(**b).last_hidden_state, b["attention_mask"])
        return self.heads(h)


class HeadJudge:
    "One target of the fine-tuned model as a chapter-04 judge callable (gated by usable for harmful and refusal)."
    def __init__(self, model, target, gate=None, cache=None):
        self.model, self.i, self.gate, self.cache, self.name, self.train_groups = model, TARGETS.index(target), gate, cache, f"ft-{target}", frozenset()

    def __call__(self, prompts, responses, langs=None):
        key = (tuple(prompts), tuple(responses))
        if key not in self.cache:
            out = []
            with torch.no_grad():
                for k in range(0, len(prompts), 32): out.append(torch.sigmoid(self.model(prompts[k:k + 32], responses[k:k + 32])))
            self.cache[key] = torch.cat(out)
        p = self.cache[key][:, self.i]
        if self.gate is not None: p = torch.where(torch.tensor(self.gate(prompts, responses, langs)) >= 0.5, p, 0.0)
        return p.tolist()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--out", default="runs/judge-ft")
    a = ap.parse_args(argv)
    from multialign_nb.data import load_corpus, repo_data_dir
    from multialign_nb.evaluate import (REAL_WEIGHT, Judges, LanguageJudge, _real_examples, judge_agreement, judge_examples, labelled_dir,
                                        load_labelled, train_judges, validation_table)
    from multialign_nb.models import load_encoder
    torch.manual_seed(0); rng = random.Random(0)
    corpus = load_corpus(repo_data_dir())
    lab = load_labelled(labelled_dir() / "outputs.jsonl", corpus)
    ex = pd.concat([judge_examples(corpus, "dev", 0), _real_examples(lab)], ignore_index=True)
    w = np.where(ex["variant"] == "real", REAL_WEIGHT, 1).astype(float)
    enc, tok = load_encoder("intfloat/multilingual-e5-small")
    enc.get_input_embeddings().requires_grad_(False)
    model = FineTuned(enc, tok).train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=a.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / a.steps))
    y = torch.tensor(ex[list(TARGETS)].astype(float).values, dtype=torch.float32)
    t = time.time()
    for step in range(a.steps):
        idx = rng.choices(range(len(ex)), weights=w, k=a.batch)
        logits = model(ex["prompt"].iloc[idx].tolist(), ex["response"].iloc[idx].tolist())
        yy = y[idx]; m = ~torch.isnan(yy)
        loss = F.binary_cross_entropy_with_logits(logits[m], yy[m])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        if step % 50 == 0: print(f"step {step} loss {loss.item():.3f} ({time.time() - t:.0f} s)", flush=True)
    model.eval()
    cache = {}
    usable = HeadJudge(model, "usable", cache=cache)
    ft = Judges(harmful=HeadJudge(model, "harmful", usable, cache), refusal=HeadJudge(model, "refusal", usable, cache), toxicity=None,
                usable=usable, in_lang=LanguageJudge())
    held = lab[lab["part"] == "heldout"]
    v_ft = judge_agreement(ft, held, seed=0)
    v_frozen = train_judges(corpus).validation
    pd.set_option("display.width", 200)
    for name, v in (("fine-tuned cross-encoder", v_ft), ("frozen features (chapter 04)", v_frozen)):
        print(f"\n{name}: pooled held-out kappa", {k: round(v.loc[("all", k), "kappa"], 3) for k in ("usable", "harmful", "refusal")},
              "| CI harmful", (round(v.loc[("all", "harmful"), "kappa_low"], 2), round(v.loc[("all", "harmful"), "kappa_high"], 2)),
              "| degenerate judged harmful", round(v.loc[("all", "degenerate judged harmful"), "accuracy"], 3))
    print(f"\ntrained {a.steps} steps in {time.time() - t:.0f} s")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    v_ft.to_csv(out / "validation-ft.csv"); v_frozen.to_csv(out / "validation-frozen.csv")


if __name__ == "__main__":
    main()
