"""FaceWorld seed study: does DeBiasLens' evidence hold over seeds, not only on the seed it was built with?

For every tiny-CLIP seed (0, 1), every thread count the tiny CLIP trains with (1, 2) and every SAE seed (0-4),
run the faceworld profile's full pipeline (`prepare`) and record: social neurons found per group at tau = 0.9,
gender MaxSkew@k averaged over the four prompt sets before and after DeBiasLens-image (alpha = 0.6, gamma = 0),
zero-shot occupation accuracy, and whether the specificity matrix's diagonal dominates each row. It also
records MaxSkew with the same neurons removed completely (alpha = 1): what the neurons found can do at all, apart
from the blend.
A run meets the target when every gender, skin and age group has a neuron, MaxSkew drops >= 40% and accuracy
drops <= 3 points, and the diagonal dominates.

For every tiny CLIP it also measures a bound that no choice of neurons can beat by much: the *direction oracle*
replaces DeBiasLens' decode at the same site, token and blend weight by removing the exact gender direction
(the difference of the men's and women's mean pooled vectors on the localisation split: CLS, or the mean over tokens
for an average-pooled tower), h' = h - alpha ((h - m) . u) u.

    python bench/seed_study.py [--clip-seeds 0 1] [--threads 1 2] [--sae-seeds 0 1 2 3 4] [--quick] [--oracle-only]
                              [--json out.json]
"""
import argparse
import dataclasses
import json
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


import numpy as np  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from debiaslens_nb.figures import figure_maxskew_table, figure_specificity  # noqa: E402
from debiaslens_nb.report import faceworld_checks  # noqa: E402
from debiaslens_nb.cached_data import spec_items  # noqa: E402
from debiaslens_nb.pipeline import prepare  # noqa: E402
from debiaslens_nb.profiles import load_profile  # noqa: E402
from debiaslens_nb.intervene import attach  # noqa: E402
from debiaslens_nb.ceilings import DirectionOracle, gender_direction  # noqa: E402
from debiaslens_nb.metrics import max_skew  # noqa: E402
from debiaslens_nb.neurons import group_stats  # noqa: E402


def prompt_embeddings(ws) -> dict:
    "Unit text embeddings of each of the profile's prompt sets."
    return {ps: F.normalize(ws.vlm.encode_texts(texts, progress=False), dim=-1) for ps, texts in ws.prompt_sets.items()}


def direction_oracle(ws, alphas=(0.6, 1.0)):
    "Mean gender MaxSkew@k over the prompt sets for the plain model and the direction oracle at each alpha."
    p = ws.profile
    u, m = gender_direction(ws)
    prompts = prompt_embeddings(ws)

    def mean_skew(emb):
        e = F.normalize(emb, dim=-1)
        return float(np.mean([max_skew(q @ e.T, ws.labels["gender"], p.k[ps]) for ps, q in prompts.items()]))

    plain = ws.vlm.encode_images(ws.gallery, progress=False)
    out = {"plain": mean_skew(plain), "within_cell": within_cell_share(ws, plain, prompts)}
    for a in alphas:
        with attach(ws.vlm, ws.site, DirectionOracle(ws.sae, u, m, a)):
            out[a] = mean_skew(ws.vlm.encode_images(ws.gallery, progress=False))
    return out


def within_cell_share(ws, gallery_embeddings, prompts):
    """Median over the prompts of the share of a query's score variance over the gallery that lies within the cells
    of the world (occupation x gender x skin x age): how much the faces of one cell still differ for the query."""
    _, labels = spec_items(ws.profile.gallery, "image")
    cell = np.unique(np.stack([np.asarray(labels[c]) for c in ("occupation", "gender", "skin", "age")], 1), axis=0,
                     return_inverse=True)[1].ravel()
    e = F.normalize(gallery_embeddings, dim=-1)
    masks = [cell == c for c in np.unique(cell)]
    shares = []
    for q in prompts.values():
        s = (q @ e.T).numpy()
        within = sum(s[:, m].var(1) * m.sum() for m in masks) / len(cell)
        shares.append(within / s.var(1))
    return float(np.median(np.concatenate(shares)))


def firing_rates(ws):
    """Per group: its first social neuron and that neuron's firing rate on the group's and on the other groups' gallery
    faces (held out)."""
    z = ws.gallery_latents()
    out = {}
    for attr, lab in ws.labels.items():
        st = group_stats(z, lab, tau=ws.profile.tau)
        for g in st["groups"]:
            found = ws.neurons[attr].get(g) or []
            if found:
                j = found[0]
                out[g] = (j, float(st["rate"][g][j]), max(float(st["rate"][h][j]) for h in st["groups"] if h != g))
            else: out[g] = None
    return out


def faceworld_profile(clip_seed, threads, quick, site=None):
    "The faceworld profile with its tiny CLIP trained from `clip_seed` on `threads` threads (and DeBiasLens at `site`)."
    p = load_profile("faceworld", quick)
    p = dataclasses.replace(p, model=dataclasses.replace(p.model, seed=clip_seed, threads=threads))
    return dataclasses.replace(p, site=site) if site else p


def run(clip_seed, threads, sae_seed, quick, out, site=None):
    p = faceworld_profile(clip_seed, threads, quick, site)
    t0 = time.perf_counter()
    ws = prepare(p, quick=quick, seed=sae_seed, progress=False)
    table = figure_maxskew_table(ws, out, methods=["baseline", "debiaslens-image"])
    spec = figure_specificity(ws, out)
    checks = faceworld_checks(table, spec)
    removed = dataclasses.replace(ws, profile=dataclasses.replace(p, alpha=1.0))
    full = figure_maxskew_table(removed, f"{out}-alpha1", methods=["debiaslens-image"])
    return dict(
        clip_seed=clip_seed,
        threads=threads,
        sae_seed=sae_seed,
        seconds=time.perf_counter() - t0,
        rates=firing_rates(ws),
        maxskew=table["maxskew"],
        specificity=spec["matrix"],
        maxskew_alpha1=float(np.mean(list(full["maxskew"]["debiaslens-image"].values()))),
        accuracy_alpha1=full["accuracy"]["debiaslens-image"],
        **checks,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip-seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--sae-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--quick", action="store_true", help="the profile's quick settings (what the tests run)")
    ap.add_argument("--oracle-only", action="store_true", help="print the direction-oracle table only")
    ap.add_argument("--site", default=None, help="DeBiasLens' site instead of the profile's (e.g. image.block2)")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args()
    print("Direction oracle (no SAE, no neurons): mean gender MaxSkew@k over the four prompt sets\n")
    print(
        "| CLIP seed | CLIP threads | score variance within cells | plain | oracle alpha = 0.6 | reduction |"
        " oracle alpha = 1.0 | reduction |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for clip_seed in args.clip_seeds:
        for threads in args.threads:
            p = faceworld_profile(clip_seed, threads, args.quick, args.site)
            o = direction_oracle(prepare(p, quick=args.quick, seed=0, progress=False))
            print(
                f"| {clip_seed} | {threads} | {100 * o['within_cell']:.0f}% | {o['plain']:.3f} | "
                f"{o[0.6]:.3f} | {100 * (1 - o[0.6] / o['plain']):.0f}% |"
                f" {o[1.0]:.3f} | {100 * (1 - o[1.0] / o['plain']):.0f}% |",
                flush=True,
            )
    print()
    if args.oracle_only: return
    rows = []
    print(
        "| CLIP seed | CLIP threads | SAE seed | neurons (gender / skin / "
        "age groups with one) | MaxSkew before -> after (mean of 4 sets) |"
        " reduction | accuracy before -> after | diagonal dominates | meets |"
        " neurons removed fully (alpha = 1): MaxSkew, reduction, accuracy |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for clip_seed in args.clip_seeds:
            for threads in args.threads:
                for sae_seed in args.sae_seeds:
                    r = run(
                        clip_seed,
                        threads,
                        sae_seed,
                        args.quick,
                        os.path.join(tmp, f"{clip_seed}-{threads}-{sae_seed}"),
                        args.site,
                    )
                    rows.append(r)
                    cov = " / ".join(
                        f"{r['groups_with_neuron'][a]}/{r['groups'][a]}" for a in ("gender", "race", "age")
                    )
                    print(
                        f"| {clip_seed} | {threads} | {sae_seed} | {cov} | "
                        f"{r['maxskew_before']:.3f} -> {r['maxskew_after']:.3f} |"
                        f" {100 * r['reduction']:.0f}% | {r['accuracy_before']:.3f} -> {r['accuracy_after']:.3f} |"
                        f" {'yes' if r['diagonal_dominates'] else 'no'} | {'yes' if r['meets'] else '**no**'} |"
                        f" {r['maxskew_alpha1']:.3f}, {100 * (1 - r['maxskew_alpha1'] / r['maxskew_before']):.0f}%,"
                        f" {r['accuracy_alpha1']:.3f} |",
                        flush=True,
                    )
    print(f"\n{sum(r['meets'] for r in rows)} of {len(rows)} runs meet every target.")
    groups = list(rows[0]["rates"])
    print(
        "\nFiring rate of each group's first social neuron on the held-out gallery: own group / highest other group\n"
    )
    print("| CLIP seed | threads | SAE seed | " + " | ".join(groups) + " |")
    print("|---" * (3 + len(groups)) + "|")
    for r in rows:
        cells = [f"{100 * v[1]:.0f}% / {100 * v[2]:.0f}%" if v else "none" for v in r["rates"].values()]
        print(f"| {r['clip_seed']} | {r['threads']} | {r['sae_seed']} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f: json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
