"""Multi-process extraction and data-parallel SAE training: throughput with 1 and 2 processes, and an estimate of
the paper's scale (ViT-L/14 on ImageNet-1k, 8 GPUs) from measured per-item costs.

Extraction: a random-weight open_clip ViT-B/16, `--images` noise images preprocessed to 224 px, 2 random tokens per
image of image.block11 (DeBiasLens' rule), batches of 8. Training: a Matryoshka BatchTopK SAE at DeBiasLens' shape
(d_in 768, expansion 8, k 20), global batch `--batch-size`, `--steps` steps. Each configuration runs through
`torchrun` (gloo) with one torch thread per process; "1 process, 2 threads" is the single-process baseline that uses
both cores too. Times are measured inside the ranks, after the model is loaded and before the final barrier, so they
exclude process start-up; the start-up (torchrun, imports, model) is reported apart.

    python bench/distributed.py [--images 48] [--steps 40] [--batch-size 2048]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch


def worker(task: str, out: Path, images: int, steps: int, batch_size: int) -> None:
    "One rank (run by torchrun): time the task between two barriers; rank 0 writes the times."
    import numpy as np
    import torch.distributed as dist
    from PIL import Image

    from debiaslens_nb.collect import collect_activations
    from debiaslens_nb.models import load_vlm
    from debiaslens_nb.sae import SAE, SAEConfig, train_sae
    if int(os.environ.get("WORLD_SIZE", "1")) > 1: dist.init_process_group("gloo")
    sync = dist.barrier if dist.is_initialized() else (lambda: None)
    if task == "extract":
        torch.manual_seed(0)
        vlm = load_vlm("ViT-B-16", pretrained=None)
        rng = np.random.default_rng(0)
        pics = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(images)]
        sync(); t0 = time.perf_counter()
        collect_activations(vlm, "image.block11", pics, tokens="random:2", batch_size=8, directory=out / "store",
                            progress=False)
        sync(); seconds, work = time.perf_counter() - t0, images
    else:
        x = torch.randn(16384, 768, generator=torch.Generator().manual_seed(0))
        sae = SAE(SAEConfig(d_in=768, expansion_factor=8, kind="matryoshka_batchtopk", k=20), seed=0)
        sync(); t0 = time.perf_counter()
        train_sae(sae, x, steps=steps, batch_size=batch_size, progress=False, eval_samples=1)
        sync(); seconds, work = time.perf_counter() - t0, steps * batch_size
    if not dist.is_initialized() or dist.get_rank() == 0:
        (out / "result.json").write_text(json.dumps({"seconds": seconds, "work": work}))
    if dist.is_initialized(): dist.destroy_process_group()


def run(task: str, nproc: int, threads: int, args) -> dict:
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "DEBIASLENS_CACHE": d}
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", __file__,
               "--worker", task, "--out", d, "--images", str(args.images), "--steps", str(args.steps),
               "--batch-size", str(args.batch_size)]
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        r = json.loads((Path(d) / "result.json").read_text())
    return {**r, "wall": wall, "per_second": r["work"] / r["seconds"]}


def vit_l14_image_seconds() -> float:
    "Seconds per image of a random-weight ViT-L/14 forward at 224 px on this CPU, one thread (4 images, after warm-up)."
    import open_clip
    torch.set_num_threads(1)
    model = open_clip.create_model("ViT-L-14", pretrained=None).eval()
    x = torch.randn(4, 3, 224, 224)
    with torch.no_grad():
        model.encode_image(x[:1])
        t0 = time.perf_counter(); model.encode_image(x)
    return (time.perf_counter() - t0) / 4


def vit_l14_sae_step_seconds(batch_size: int = 4096) -> float:
    "Seconds per training step of the paper's ViT-L/14 SAE shape (d_in 1024, 8192 latents, k 20), one CPU thread."
    from debiaslens_nb.sae import SAE, SAEConfig, train_sae
    torch.set_num_threads(1)
    x = torch.randn(2 * batch_size, 1024, generator=torch.Generator().manual_seed(0))
    sae = SAE(SAEConfig(d_in=1024, expansion_factor=8, kind="matryoshka_batchtopk", k=20), seed=0)
    r = train_sae(sae, x, steps=3, batch_size=batch_size, progress=False, eval_samples=1)
    return r.seconds / 3


VIT_L14_GFLOP = 2 * 24 * (257 * 12 * 1024**2 + 2 * 257**2 * 1024) / 1e9   # multiply-adds x 2: 24 blocks, 257 tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=48)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--worker", choices=["extract", "train"])
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.worker:
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        return worker(args.worker, Path(args.out), args.images, args.steps, args.batch_size)
    print(f"# {platform.node()}: {os.cpu_count()} cores, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}")
    rows = []
    for task, unit in (("extract", "images/s"), ("train", "vectors/s")):
        base = None
        for nproc, threads in ((1, 1), (1, 2), (2, 1)):
            r = run(task, nproc, threads, args)
            base = base or r["per_second"]
            rows.append((task, f"{nproc} x {threads} thread", r["seconds"], r["wall"] - r["seconds"],
                         f"{r['per_second']:.1f} {unit}", r["per_second"] / base))
    print("| task | processes x threads | measured (s) | start-up (s) | throughput | vs 1 x 1 |")
    print("|---|---|---:|---:|---:|---:|")
    for task, conf, s, start, tp, ratio in rows:
        print(f"| {task} | {conf} | {s:.1f} | {start:.1f} | {tp} | {ratio:.2f}x |")
    per_image, per_step = vit_l14_image_seconds(), vit_l14_sae_step_seconds()
    print(f"\nViT-L/14 forward at 224 px, one CPU thread: {per_image:.2f} s per image "
          f"({VIT_L14_GFLOP:.0f} GFLOP: {VIT_L14_GFLOP / per_image:.0f} GFLOP/s)")
    print(f"SAE step at ViT-L/14's shape (1024 -> 8192, k 20, batch 4096), one CPU thread: {per_step:.2f} s")
    images, tokens, steps = 1_281_167, 2, 110_000
    print(f"ImageNet-1k on this CPU, one thread: extraction {images * per_image / 3600:,.0f} h, "
          f"SAE training ({steps:,} steps) {steps * per_step / 3600:,.0f} h; store of {tokens} tokens per image "
          f"(fp32): {images * tokens * 1024 * 4 / 1e9:.1f} GB, "
          f"of every token (fp16): {images * 257 * 1024 * 2 / 1e9:,.0f} GB")


if __name__ == "__main__":
    main()
