"""Cost of debiasing a ViT-B/16 image encoder at its last block (block 11 of 12).

Random open_clip ViT-B-16 weights (offline), SAE 768 -> 6144 (expansion 8, matryoshka_batchtopk, k 20),
20 neurons zeroed, alpha 0.6. Plain encoding vs the CLS-only fast path (tokens="auto") vs every token
(tokens="all"); median of repeated runs on the same pixel batch.

    python bench/intervene_overhead.py [--threads 1] [--batch 16] [--repeats 7]
"""
import argparse
import statistics
import time

import torch

from debiaslens_nb.intervene import Intervention, attach
from debiaslens_nb.models import load_vlm
from debiaslens_nb.sae import SAE, SAEConfig


def timed(fn, repeats):
    fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vlm = load_vlm("ViT-B-16", pretrained=None)
    pixels = torch.randn(args.batch, 3, 224, 224)
    sae = SAE(SAEConfig(d_in=768, expansion_factor=8, k=20), seed=0)
    with torch.no_grad(): sae.threshold.fill_(0.1)
    iv = Intervention(sae, list(range(20)), alpha=0.6)
    site = "image.block11"

    def run(tokens=None):
        if tokens is None: return vlm.encode_images(pixels, batch_size=args.batch, progress=False)
        with attach(vlm, site, iv, tokens=tokens):
            return vlm.encode_images(pixels, batch_size=args.batch, progress=False)

    plain = timed(run, args.repeats)
    fast = timed(lambda: run("auto"), args.repeats)
    full = timed(lambda: run("all"), args.repeats)
    diff = (run("auto") - run("all")).abs().max().item()
    print(f"# ViT-B-16 image encoding, batch {args.batch}, {args.threads} torch thread(s), torch {torch.__version__}")
    print("| mode | seconds / batch | overhead vs plain |")
    print("|---|---|---|")
    for name, s in (("plain", plain), ("debiased, CLS token only (auto)", fast), ("debiased, all tokens", full)):
        print(f"| {name} | {s:.3f} | {100 * (s / plain - 1):+.1f}% |")
    print(f"\nmax |auto - all| over embeddings: {diff:.2e}")


if __name__ == "__main__":
    main()
