"""DeBiasLens' localisation protocol: the reference's against the alternatives, on the offline profiles, over seeds
(issue 13 item 3).

Three choices, each a profile field:

- `tokens`: the SAE's training data — 2 random tokens per image (`random:2`, the reference) or the CLS token (`cls`);
- `localisation_code`: an item's SAE code for localisation — the mean of its tokens' codes (`token_mean`, the
  reference) or the pooled token's (`pooled`);
- `removal`: the neurons DeBiasLens removes in the final table — every attribute's (`union`, the reference) or
  gender's only (`gender`).

For each variant and seed: the neurons found per attribute at tau, gender MaxSkew@k averaged over the profile's prompt
sets (plain and DeBiasLens), and zero-shot accuracy. Every variant runs through `prepare` (cached per seed).

    python bench/localisation_protocols.py [--profiles faceworld] [--seeds 0 1 2] [--quick]
"""
import argparse
import dataclasses
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

from debiaslens_nb.evaluate import evaluate_retrieval, summarize_retrieval  # noqa: E402
from debiaslens_nb.figures import plain_text_gallery, workspace_zero_shot  # noqa: E402
from debiaslens_nb.pipeline import prepare  # noqa: E402
from debiaslens_nb.profiles import as_profile  # noqa: E402

VARIANTS = {  # name: (tokens, localisation_code, removal); the first is the reference protocol
    "reference": (None, "token_mean", "union"),
    "pooled code": (None, "pooled", "union"),
    "per-attribute removal": (None, "token_mean", "gender"),
    "pooled code, gender only": (None, "pooled", "gender"),
    "CLS-trained SAE, pooled, gender only": ("cls", "pooled", "gender"),
}


def numbers(ws) -> dict:
    "Neurons per attribute, mean gender MaxSkew over the prompt sets (plain, DeBiasLens) and accuracy."
    p = ws.profile
    name = "debiaslens-image" if ws.tower == "image" else "debiaslens-text"
    methods = ws.methods(["baseline", name])
    res = evaluate_retrieval(methods, ws.gallery, {"gender": ws.labels["gender"]}, ws.prompt_sets, ws.contexts,
                             k=p.k, folds=p.folds, progress_bar=False, gallery_embeddings=plain_text_gallery(ws))
    summ = summarize_retrieval(res)
    mx = summ[summ.metric == "maxskew"].groupby("method")["mean"].mean()
    acc = workspace_zero_shot(ws, methods).set_index("method")["accuracy"]
    return dict(neurons={a: sum(map(len, g.values())) for a, g in ws.neurons.items()}, plain=mx["baseline"],
                debiased=mx[name], acc_plain=acc["baseline"], acc=acc[name])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", nargs="+", default=["faceworld"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--quick", action="store_true", help="the profiles' quick settings (what the tests run)")
    args = ap.parse_args()
    print("| profile | variant | tokens, code, removal | seed | neurons (per attribute) | plain MaxSkew | DeBiasLens |"
          " accuracy plain, DeBiasLens |")
    print("|---|---|---|---|---|---|---|---|")
    for profile in args.profiles:
        base = as_profile(profile, args.quick)
        for variant, (tokens, code, removal) in VARIANTS.items():
            p = dataclasses.replace(base, tokens=tokens or base.tokens, localisation_code=code, removal=removal)
            changes = []
            for seed in args.seeds:
                r = numbers(prepare(p, quick=args.quick, seed=seed, progress=False))
                changes.append(r["debiased"] / r["plain"] - 1)
                print(f"| {profile} | {variant} | {p.tokens}, {code}, {removal} | {seed} | {r['neurons']} | "
                      f"{r['plain']:.3f} | {r['debiased']:.3f} ({100 * changes[-1]:+.1f}%) | "
                      f"{r['acc_plain']:.3f}, {r['acc']:.3f} |", flush=True)
            print(f"| {profile} | {variant} | | mean | | | {100 * np.mean(changes):+.1f}% | |", flush=True)


if __name__ == "__main__":
    main()
