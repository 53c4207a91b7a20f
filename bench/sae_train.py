"""SAE training throughput: our sparse trainer vs a straightforward dense implementation.

Matryoshka BatchTopK at DeBiasLens' shape scaled to a CPU: d_in 768, expansion 8 (6144 latents), k 20,
group fractions [0.0625, 0.125, 0.25, 0.5625]. Both trainers start from the same initialisation, see the
same batches in the same order and use the same optimiser, schedule, threshold and AuxK rules; only the
training step differs. The straightforward step is fp32 with a dense top-k over the flattened batch, a
dense code, one dense decode per prefix group, autograd, and per-step Python renormalisation.

    python bench/sae_train.py [--threads 1] [--steps 120] [--batch-size 2048]
"""
import argparse
import platform
import time

import torch

from debiaslens_nb.activations import TensorActivations
from debiaslens_nb.sae import SAE, SAEConfig
from debiaslens_nb.sae_training import (_lr_factor, _update_threshold, default_lr, evaluate_sae, fit_input_norm,
                                        geometric_median, planted_dictionary, train_sae)


def dense_auxk(sae, xn, acts, residual, since_fired, dead_after):
    dead = since_fired >= dead_after
    n_dead = int(dead.sum())
    if n_dead == 0: return torch.zeros(())
    k_aux = min(sae.cfg.d_in // 2, n_dead)
    v, i = torch.where(dead[None], acts, float("-inf")).topk(k_aux, dim=1, sorted=False)
    z = torch.zeros_like(acts).scatter(1, i, v)
    l2 = (residual - z @ sae.W_dec).pow(2).sum(-1).mean()
    return (l2 / (residual - residual.mean(0)).pow(2).sum(-1).mean()).nan_to_num(0.0)


def train_straightforward(sae, x, steps, batch_size, seed=0):
    "The plain dense trainer with the same hyper-parameters as `train_sae`'s defaults."
    src = TensorActivations(x)
    fit_input_norm(sae, src)
    lr = default_lr(sae.cfg.d_sae)
    opt = torch.optim.Adam(sae.parameters(), lr=lr, betas=(0.9, 0.999))
    warmup, decay_start = min(1000, steps // 20), int(0.8 * steps)
    dead_after = min(10_000_000, steps * batch_size // 5)
    since = torch.zeros(sae.cfg.d_sae, dtype=torch.long)
    batches = src.iter_batches(batch_size, seed=seed)
    t0 = time.perf_counter()
    for step in range(steps):
        xn = sae.normalize(next(batches))
        if step == 0:
            with torch.no_grad(): sae.b_dec.copy_(geometric_median(xn))
        for g in opt.param_groups: g["lr"] = lr * _lr_factor(step, steps, warmup, decay_start)
        h = (xn - sae.b_dec) @ sae.W_enc + sae.b_enc
        acts = torch.relu(h)
        flat = acts.flatten().topk(sae.cfg.k * len(xn), sorted=False)
        z = torch.zeros_like(acts).flatten().scatter(0, flat.indices, flat.values).view_as(acts)
        bounds = sae.cfg.group_bounds
        recon_loss = sum((xn - (z[:, :hi] @ sae.W_dec[:hi] + sae.b_dec)).pow(2).sum(-1).mean() for hi in bounds) / len(
            bounds
        )
        residual = (xn - (z @ sae.W_dec + sae.b_dec)).detach()
        loss = recon_loss + sae.cfg.auxk_alpha * dense_auxk(sae, xn, acts.detach(), residual, since, dead_after)
        opt.zero_grad(); loss.backward()
        with torch.no_grad():
            since += len(xn); since[(z > 0).any(0)] = 0
            w = sae.W_dec
            w.grad -= (w.grad * w).sum(1, keepdim=True) * w
        torch.nn.utils.clip_grad_norm_(sae.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for r in range(0, w.shape[0], 512):  # Python-level renormalisation, block by block
                w[r:r + 512] /= w[r:r + 512].norm(dim=1, keepdim=True)
            if step > warmup: _update_threshold(sae, z[z > 0], len(xn), 0.999)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--samples", type=int, default=65536)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, _ = planted_dictionary(n=args.samples, d=768, n_atoms=4096, active=20, seed=0, noise=0.05)
    cfg = SAEConfig(d_in=768, expansion_factor=8, kind="matryoshka_batchtopk", k=20, auxk_alpha=0.03)
    rows = []
    ours = SAE(cfg, seed=0)
    res = train_sae(ours, x, steps=args.steps, batch_size=args.batch_size, progress=False, eval_samples=16384)
    rows.append(("ours (sparse step)", res.seconds, res.metrics))
    plain = SAE(cfg, seed=0)
    secs = train_straightforward(plain, x, args.steps, args.batch_size)
    plain.eval()
    rows.append(("straightforward (dense)", secs, evaluate_sae(plain, x, max_samples=16384)))
    print(
        f"# SAE training: d_in 768, d_sae 6144, k 20, matryoshka_batchtopk, batch {args.batch_size}, "
        f"{args.steps} steps, {args.threads} torch thread(s), torch "
        f"{torch.__version__}, {platform.processor() or platform.machine()}"
    )
    print("| trainer | samples/s | seconds | FVU | L0 | dead fraction |")
    print("|---|---|---|---|---|---|")
    for name, s, m in rows:
        print(
            f"| {name} | {args.steps * args.batch_size / s:,.0f} | {s:.1f} "
            f"| {m['fvu']:.4f} | {m['l0']:.1f} | {m['dead_fraction']:.3f} |"
        )
    ratio = rows[1][1] / rows[0][1]
    print(f"\nspeed-up: {ratio:.2f}x; FVU difference: {rows[0][2]['fvu'] - rows[1][2]['fvu']:+.4f}")


if __name__ == "__main__":
    main()
