"""Activation collection: cold (runs the model) vs warm (cache hit) for the same inputs.

Random open_clip ViT-B-16, 256 images (64x64 RGB noise, preprocessed to 224), CLS token of image.block11.

    python bench/activation_cache.py [--threads 1] [--n 256]
"""
import argparse
import os
import tempfile
import time

import numpy as np
import torch
from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["DEBIASLENS_CACHE"] = cache
        from debiaslens_nb.collect import collect_activations
        from debiaslens_nb.models import load_vlm
        torch.manual_seed(0)
        vlm = load_vlm("ViT-B-16", pretrained=None)
        rng = np.random.default_rng(0)
        images = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(args.n)]
        vlm.fingerprint()  # computed once per model object; not part of either timing
        t = time.perf_counter()
        cold = collect_activations(vlm, "image.block11", images, tokens="cls", batch_size=32, progress=False)
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        warm = collect_activations(vlm, "image.block11", images, tokens="cls", batch_size=32, progress=False)
        t_warm = time.perf_counter() - t
        assert warm.dir == cold.dir and torch.equal(warm.tensor(), cold.tensor())
    print(f"# collect_activations, ViT-B-16 image.block11 CLS, {args.n} images, {args.threads} torch thread(s)")
    print("| call | seconds |")
    print("|---|---|")
    print(f"| cold (model runs) | {t_cold:.2f} |")
    print(f"| warm (cache hit) | {t_warm:.3f} |")
    print(f"\nspeed-up: {t_cold / t_warm:.0f}x")


if __name__ == "__main__":
    main()
