"""Samples per second of the contrastive training step (multialign_nb's info_nce_loss through embed_texts)
against sentence-transformers' MultipleNegativesRankingLoss training step, on the same encoder
(converted multilingual-e5-small), batch (16 en -> xx prompt pairs from the corpus), frozen word
embeddings and optimizer; plus the full joint step. Target: ratio >= 0.9.

    OMP_NUM_THREADS=2 .venv/bin/python bench/contrastive.py [steps]
"""
import os, random, resource, sys, time
import torch
from multialign_nb.data import load_corpus, repo_data_dir
from multialign_nb.models import load_encoder, converted_dir, resolve_model
from multialign_nb.contrastive import embed_texts, info_nce_loss, JointAligner, ContrastiveConfig, ContrastiveTrainer, joint_items, JointCollator

STEPS, BATCH = int(sys.argv[1]) if len(sys.argv) > 1 else 16, 16
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
corpus = load_corpus(repo_data_dir()); rng = random.Random(0)
groups = list(corpus.groups().values())
batches = []
for _ in range(STEPS + 2):
    picks = rng.sample(groups, BATCH)
    batches.append(([g["en"]["text"] for g in picks], [g[rng.choice(corpus.langs[1:])]["text"] for g in picks]))


def timed(step):
    for b in batches[:2]: step(b)  # warm-up
    t = time.perf_counter()
    for b in batches[2:]: step(b)
    return STEPS * BATCH / (time.perf_counter() - t)


def ours():
    model, tok = load_encoder("intfloat/multilingual-e5-small"); model.train()
    model.get_input_embeddings().requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-5)
    def step(b):
        loss = info_nce_loss(embed_texts(model, tok, b[0]), embed_texts(model, tok, b[1]))  # one padded batch per column, as MNRL
        loss.backward(); opt.step(); opt.zero_grad()
    return timed(step)


def sentence_transformers_mnrl():
    from sentence_transformers import SentenceTransformer, models as st_models
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    path = str(resolve_model("intfloat/multilingual-e5-small"))
    tr = st_models.Transformer(path); st = SentenceTransformer(modules=[tr, st_models.Pooling(tr.get_word_embedding_dimension(), "mean"), st_models.Normalize()], device="cpu")
    st.train(); st[0].auto_model.get_input_embeddings().requires_grad_(False)
    loss_fn = MultipleNegativesRankingLoss(st)
    opt = torch.optim.AdamW([p for p in st.parameters() if p.requires_grad], lr=2e-5)
    def step(b):
        feats = [st.preprocess(["query: " + t for t in texts]) for texts in b]
        loss = loss_fn(feats, None); loss.backward(); opt.step(); opt.zero_grad()
    return timed(step)


def joint():
    enc, tok = load_encoder("intfloat/multilingual-e5-small")
    aligner = JointAligner(enc, tok).train(); enc.get_input_embeddings().requires_grad_(False)
    args = ContrastiveConfig(output_dir="/tmp/bench-joint", use_cpu=True, report_to="none")
    trainer = ContrastiveTrainer(aligner, args, None); collate = JointCollator()
    items = joint_items(corpus)
    opt = torch.optim.AdamW([p for p in aligner.parameters() if p.requires_grad], lr=2e-5)
    def step(_):
        loss = trainer.compute_loss(aligner, collate(rng.sample(items, BATCH))); loss.backward(); opt.step(); opt.zero_grad()
    return timed(step)


if __name__ == "__main__":
    a = ours(); print(f"multialign_nb info_nce_loss step: {a:.1f} samples/s (peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB)", flush=True)
    b = sentence_transformers_mnrl(); print(f"sentence-transformers MNRL step:   {b:.1f} samples/s", flush=True)
    print(f"ratio ours / MNRL: {a / b:.2f} (target >= 0.9)", flush=True)
    c = joint(); print(f"full joint step (prompts + responses + 2 hard negatives + labels + head): {c:.1f} items/s; "
                       f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB", flush=True)
