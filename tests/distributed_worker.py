"""Started by `torchrun` from test_distributed.py: one rank of a multi-process SAE training or collection.

Usage: distributed_worker.py MODE OUT [ARG]; MODE is `train` (every SAE kind), `train-killed` / `train-resume` (ARG:
one kind), `collect` or `collect-killed` (ARG: the tiny CLIP's folder; rank 1 dies on its last batch, after rank 0's
part is complete)."""
import json
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from PIL import Image
from safetensors.torch import save_file

from debiaslens_nb.activations import MANIFEST, TensorActivations
from debiaslens_nb.collect import collect_activations
from debiaslens_nb.models import load_vlm
from debiaslens_nb.sae import SAE, SAEConfig, planted_dictionary, train_sae

KINDS = {"topk": {}, "batchtopk": {}, "matryoshka_batchtopk": {}, "msae": {"topk_levels": (4, 8)}}
TRAIN = dict(steps=40, batch_size=128, dead_after=256, checkpoint_every=10, progress=False)


def images(n: int = 22) -> list:
    "The same small images in every process (and in the test)."
    return [Image.new("RGB", (32, 32), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)) for i in range(n)]


def fresh(kind: str) -> SAE:
    return SAE(SAEConfig(d_in=16, d_sae=64, kind=kind, k=4, **KINDS[kind]), seed=0)


def train(out: Path, mode: str, kinds) -> None:
    x, _ = planted_dictionary(n=2048, d=16, n_atoms=24, active=3, seed=1)
    for kind in kinds:
        sae, src = fresh(kind), TensorActivations(x)
        if mode == "train-killed":                   # every rank dies during step 25: the last checkpoint is step 20
            real = src.iter_batches
            def dying(batch_size, seed=0, start=0, real=real):
                for i, b in enumerate(real(batch_size, seed, start)):
                    if start + i == 25: raise SystemExit(3)
                    yield b
            src.iter_batches = dying
        result = train_sae(sae, src, checkpoint_dir=out / f"ckpt-{kind}", resume=mode == "train-resume", **TRAIN)
        if dist.get_rank() == 0:
            save_file({k: v.contiguous() for k, v in sae.state_dict().items()}, str(out / f"{kind}.safetensors"))
            log = {"losses": result.losses, "resumed_from": result.resumed_from}
            (out / f"{kind}.json").write_text(json.dumps(log))


def collect(out: Path, clip_dir: str, mode: str) -> None:
    vlm = load_vlm(clip_dir)
    if mode == "collect-killed" and dist.get_rank() == 1:
        real = vlm._images
        def dying(batch):
            if int(batch.shape[0]) < 4:              # the last, short batch of rank 1
                while not (out / "store" / "rank-000-of-002" / MANIFEST).is_file(): time.sleep(0.1)
                raise SystemExit(3)
            return real(batch)
        vlm._images = dying
    collect_activations(vlm, "image.block1", images(), tokens="random:2", batch_size=4, shard_size=6,
                        directory=out / "store", progress=False)


if __name__ == "__main__":
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    mode, out = sys.argv[1], Path(sys.argv[2])
    if mode.startswith("train"): train(out, mode, sys.argv[3:] or list(KINDS))
    else: collect(out, sys.argv[3], mode)
    dist.barrier()
    dist.destroy_process_group()
