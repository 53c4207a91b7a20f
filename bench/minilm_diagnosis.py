"""Why DeBiasLens-text is weak on MiniLM (issue 13 item 4): one change at a time against the profile's defaults.

For each variant and seed: gender neurons found at tau = 0.9, the mean |association| cos(q, woman) - cos(q, man) of
the occupation prompts ("a photo of a {}."; plain and debiased), the mean gender MaxSkew@k over the prompt sets, and
the gallery's paraphrase-retrieval R@1 (is semantic retrieval kept?), and how often any gender neuron fires (token-mean
code > 0) on the occupation prompts and on the gallery's gendered captions. alpha = 0.6 and gamma = 0 throughout (the
paper's); the variants change the site, the SAE, the localisation code and data, and the intervention mode.

    python bench/minilm_diagnosis.py [--seeds 0 1 2] [--variants NAME ...]
"""
import argparse
import dataclasses
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

from debiaslens_nb.baselines import make_debiaser  # noqa: E402
from debiaslens_nb.data import caption_gallery, prompt_set  # noqa: E402
from debiaslens_nb.evaluate import (association_scores, evaluate_retrieval, paraphrase_recall,  # noqa: E402
                                    summarize_retrieval)
from debiaslens_nb.figures import plain_text_gallery  # noqa: E402
from debiaslens_nb.pipeline import prepare, sample_latents  # noqa: E402
from debiaslens_nb.profiles import as_profile  # noqa: E402


def _sae(p, **kw): return dataclasses.replace(p, sae=dataclasses.replace(p.sae, **kw))


VARIANTS = {  # name: profile -> (profile, intervention mode)
    "defaults": lambda p: (p, "blend"),
    "error-preserving": lambda p: (p, "error_preserving"),
    "site text.block4": lambda p: (dataclasses.replace(p, site="text.block4", text_site="text.block4"), "blend"),
    "site text.block3": lambda p: (dataclasses.replace(p, site="text.block3", text_site="text.block3"), "blend"),
    "SAE x16, 3000 steps": lambda p: (_sae(p, expansion_factor=16, steps=3000), "blend"),
    "SAE x16, 3000 steps, error-preserving": lambda p: (_sae(p, expansion_factor=16, steps=3000), "error_preserving"),
    "SAE x32, 6000 steps": lambda p: (_sae(p, expansion_factor=32, steps=6000), "blend"),
    "SAE x16, 3000 steps, site text.block4": lambda p: (
        dataclasses.replace(_sae(p, expansion_factor=16, steps=3000), site="text.block4", text_site="text.block4"),
        "blend"),
    "pooled code": lambda p: (dataclasses.replace(p, localisation_code="pooled"), "blend"),
    "token max code": lambda p: (dataclasses.replace(p, localisation_code="token_max"), "blend"),
    "localisation on 12000 captions": lambda p: (
        dataclasses.replace(p, localisation=dataclasses.replace(p.localisation, n=12000)), "blend"),
}


def numbers(ws, mode: str) -> dict:
    p = ws.profile
    plain = make_debiaser("baseline", ws.vlm)
    deb = make_debiaser("debiaslens-text", ws.vlm, sae=ws.sae, neurons=ws.removed_neurons, site=ws.site,
                        alpha=p.alpha, gamma=p.gamma, mode=mode)
    concepts = list(dict.fromkeys(r["concept"] for r in prompt_set("occupations")))
    assoc = {n: float(np.abs(association_scores(m, concepts)["association"]).mean()) for n, m in
             (("plain", plain), ("debiased", deb))}
    res = evaluate_retrieval({"plain": plain, "debiased": deb}, ws.gallery, {"gender": ws.labels["gender"]},
                             ws.prompt_sets, ws.contexts, k=p.k, progress_bar=False,
                             gallery_embeddings=plain_text_gallery(ws))
    summ = summarize_retrieval(res)
    mx = summ[summ.metric == "maxskew"].groupby("method")["mean"].mean()
    para = caption_gallery()["paraphrase"]
    r1 = {n: paraphrase_recall(m, ws.gallery, para) for n, m in (("plain", plain), ("debiased", deb))}
    idx = sorted({i for v in ws.neurons["gender"].values() for i in v})
    fires = {}
    gendered = [c for c, g in zip(ws.gallery, ws.labels["gender"], strict=True) if g != "neutral"]
    for name, texts in (("queries", [f"a photo of a {c}." for c in concepts]), ("gendered captions", gendered)):
        z = sample_latents(ws.vlm, ws.site, texts, p, ws.sae)[:, idx] if idx else None
        fires[name] = float((z > 0).any(1).double().mean()) if idx else 0.0
    return dict(neurons=len(idx), assoc=assoc, maxskew=mx.to_dict(), r1=r1, fires=fires)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args()
    base = as_profile("minilm")
    print("| variant | seed | gender neurons | fire on: queries, gendered captions | mean abs association plain -> "
          "debiased | MaxSkew plain -> debiased | paraphrase R@1 plain -> debiased |")
    print("|---|---|---|---|---|---|---|")
    for name in args.variants:
        p, mode = VARIANTS[name](base)
        changes = []
        for seed in args.seeds:
            r = numbers(prepare(p, seed=seed, progress=False), mode)
            a, m, r1 = r["assoc"], r["maxskew"], r["r1"]
            changes.append((a["debiased"] / a["plain"] - 1, m["debiased"] / m["plain"] - 1,
                            r1["debiased"] - r1["plain"]))
            da, dm, _ = changes[-1]
            f = r["fires"]
            print(f"| {name} | {seed} | {r['neurons']} | {f['queries']:.2f}, {f['gendered captions']:.2f} | "
                  f"{a['plain']:.4f} -> {a['debiased']:.4f} ({100 * da:+.0f}%) | {m['plain']:.3f} -> "
                  f"{m['debiased']:.3f} ({100 * dm:+.0f}%) | {r1['plain']:.3f} -> {r1['debiased']:.3f} |", flush=True)
        c = np.mean(changes, axis=0)
        print(f"| {name} | mean | | | {100 * c[0]:+.0f}% | {100 * c[1]:+.0f}% | {100 * c[2]:+.1f} points |", flush=True)


if __name__ == "__main__":
    main()
