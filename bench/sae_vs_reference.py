"""SAE training: the package's trainer against dictionary_learning's MatryoshkaBatchTopKTrainer (what DeBiasLens used).

Both train a Matryoshka BatchTopK SAE, d_in 768 -> 6144 latents, k 20, groups [0.0625, 0.125, 0.25, 0.5625], from the
same starting weights (the reference's initialisation, copied into ours) on the same batches in the same order, with
the same learning rate, warm-up, decay, threshold start and dead-latent rule. The data are pre-scaled to unit mean
squared norm per dimension (what dictionary_learning's `normalize_activations` does), so both see the same inputs.
FVU, L0 and the dead fraction are measured on held-out samples with the same evaluation code for both.

The reference is not a dependency of the package: `make bench` installs `dictionary-learning` with `--no-deps` plus
`einops` (all its trainer imports); its package `__init__` imports nnsight, so this script loads the trainer's modules
without running it.

    python bench/sae_vs_reference.py [--threads 1] [--steps 150] [--batch-size 2048]
"""
import argparse
import importlib.util
import platform
import sys
import time
import types
import warnings
from pathlib import Path

import torch

from debiaslens_nb.activations import TensorActivations
from debiaslens_nb.sae import SAE, SAEConfig
from debiaslens_nb.sae_training import evaluate_sae, planted_dictionary, train_sae

D_IN, EXPANSION, K, FRACTIONS = 768, 8, 20, [0.0625, 0.125, 0.25, 0.5625]


def reference_trainer_class():
    "dictionary_learning's MatryoshkaBatchTopKTrainer, imported without the package `__init__` (it needs nnsight)."
    spec = importlib.util.find_spec("dictionary_learning")
    if spec is None:
        sys.exit("dictionary_learning is not installed: pip install --no-deps dictionary-learning==0.1.0 einops")
    root = Path(spec.submodule_search_locations[0])
    for name, path in (("dictionary_learning", root), ("dictionary_learning.trainers", root / "trainers")):
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(path)]
        sys.modules[name] = pkg
    from dictionary_learning.trainers.matryoshka_batch_top_k import MatryoshkaBatchTopKTrainer
    return MatryoshkaBatchTopKTrainer


def unit_scaled(x: torch.Tensor) -> torch.Tensor:
    "`x` scaled so that the mean squared norm is d (dictionary_learning's activation normalisation)."
    return x / (x.pow(2).sum(1).mean() / x.shape[1]).sqrt()


def train_reference(trainer, src: TensorActivations, steps: int, batch_size: int, seed: int) -> float:
    "Seconds for `steps` reference updates on the same batch stream `train_sae` reads."
    batches = src.iter_batches(batch_size, seed=seed)
    t0 = time.perf_counter()
    for step in range(steps):
        trainer.update(step, next(batches).float())
    return time.perf_counter() - t0


def as_package_sae(ae, cfg: SAEConfig) -> SAE:
    "The reference's trained weights and threshold in the package's SAE (same layout), for the same evaluation."
    sae = SAE(cfg, seed=0)
    with torch.no_grad():
        for name in ("W_enc", "b_enc", "W_dec", "b_dec"): getattr(sae, name).copy_(getattr(ae, name))
        sae.threshold.copy_(ae.threshold)
    return sae.eval()


def encoder_ceiling(batch_size: int, repeats: int = 10) -> float:
    """Samples/s of the encoder pre-activation alone (one [B, 768] x [768, 6144] addmm): the ceiling of any exact
    trainer, which must compute every pre-activation to find the batch top-k."""
    x, w, b = torch.randn(batch_size, D_IN), torch.randn(D_IN, D_IN * EXPANSION), torch.randn(D_IN * EXPANSION)
    out = torch.empty(batch_size, D_IN * EXPANSION)
    torch.addmm(b, x, w, out=out)
    t0 = time.perf_counter()
    for _ in range(repeats): torch.addmm(b, x, w, out=out)
    return repeats * batch_size / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--samples", type=int, default=65536)
    ap.add_argument("--held-out", type=int, default=16384)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*never fired.*")
    Trainer = reference_trainer_class()
    x, _ = planted_dictionary(n=args.samples + args.held_out, d=D_IN, n_atoms=4096, active=20, seed=0, noise=0.05)
    x = unit_scaled(x)
    train, held_out = TensorActivations(x[: args.samples]), x[args.samples:]
    steps, bs = args.steps, args.batch_size
    warmup, decay_start = max(1, steps // 20), int(0.8 * steps)
    cfg = SAEConfig(d_in=D_IN, expansion_factor=EXPANSION, kind="matryoshka_batchtopk", k=K,
                    group_fractions=tuple(FRACTIONS), auxk_alpha=1 / 32, input_norm="none")
    print(f"# SAE training: d_in {D_IN}, d_sae {D_IN * EXPANSION}, k {K}, Matryoshka BatchTopK, batch {bs}, {steps} "
          f"steps, torch {torch.__version__}, {platform.processor() or platform.machine()}, FVU on {args.held_out:,} "
          "held-out samples\n")
    print("| threads | trainer | samples/s | seconds | FVU | L0 | dead fraction |")
    print("|---|---|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        ref = Trainer(steps=steps, activation_dim=D_IN, dict_size=D_IN * EXPANSION, k=K, layer=0, lm_name="bench",
                      group_fractions=FRACTIONS, warmup_steps=warmup, decay_start=decay_start,
                      threshold_start_step=warmup, seed=0, device="cpu")
        ours = SAE(cfg, seed=0)
        with torch.no_grad():
            for name in ("W_enc", "b_enc", "W_dec"): getattr(ours, name).copy_(getattr(ref.ae, name))
        res = train_sae(ours, train, steps=steps, batch_size=bs, lr=ref.lr, seed=0, warmup_steps=warmup,
                        decay_start=decay_start, threshold_start_step=warmup, dead_after=ref.dead_feature_threshold,
                        progress=False, eval_samples=1, dead_warning=1.0)
        ref_seconds = train_reference(ref, train, steps, bs, seed=0)
        rows = [("ours", res.seconds, evaluate_sae(ours.eval(), held_out)),
                ("dictionary_learning", ref_seconds, evaluate_sae(as_package_sae(ref.ae, cfg), held_out))]
        for name, secs, m in rows:
            print(f"| {threads} | {name} | {steps * bs / secs:,.0f} | {secs:.1f} | {m['fvu']:.4f} | {m['l0']:.1f} "
                  f"| {m['dead_fraction']:.3f} |")
        print(f"| {threads} | **ratio** | **{ref_seconds / res.seconds:.2f}x** | | "
              f"{rows[0][2]['fvu'] - rows[1][2]['fvu']:+.4f} | | |")
        print(f"| {threads} | encoder matmul alone (ceiling) | {encoder_ceiling(bs):,.0f} | | | | |", flush=True)


if __name__ == "__main__":
    main()
