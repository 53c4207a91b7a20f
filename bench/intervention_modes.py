"""The paper's blend against the error-preserving intervention, on the offline profiles, over seeds (issue 14).

For each profile and seed: gender MaxSkew@k averaged over the profile's prompt sets, and zero-shot accuracy, for the
plain model and for DeBiasLens at the profile's site, neurons, alpha and gamma with

- mode="blend" (the paper's):              h' = (1 - alpha) h + alpha decode(z'),
- mode="error_preserving":                 h' = h + alpha (decode(z') - decode(z)),

z' being the SAE code with the social neurons set to gamma. The blend also moves h by alpha times the SAE's
reconstruction error; the error-preserving mode applies only the neurons' change. Run after `make reproduce` with the
same DEBIASLENS_CACHE so that the workspaces load from their snapshots.

    python bench/intervention_modes.py [--profiles faceworld minilm] [--seeds 0 1 2] [--quick]
"""
import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

from debiaslens_nb.baselines import make_debiaser  # noqa: E402
from debiaslens_nb.evaluate import evaluate_retrieval, summarize_retrieval  # noqa: E402
from debiaslens_nb.figures import plain_text_gallery, workspace_zero_shot  # noqa: E402
from debiaslens_nb.pipeline import prepare_seeds  # noqa: E402

MODES = ("blend", "error_preserving")


def numbers(ws) -> dict:
    "Mean gender MaxSkew over the prompt sets and zero-shot accuracy: plain, blend, error-preserving."
    p = ws.profile
    name = "debiaslens-image" if ws.tower == "image" else "debiaslens-text"
    methods = {"plain": make_debiaser("baseline", ws.vlm)}
    for mode in MODES:
        methods[mode] = make_debiaser(name, ws.vlm, sae=ws.sae, neurons=ws.neurons["gender"], site=ws.site,
                                      alpha=p.alpha, gamma=p.gamma, mode=mode)
    res = evaluate_retrieval(methods, ws.gallery, {"gender": ws.labels["gender"]}, ws.prompt_sets, ws.contexts,
                             k=p.k, folds=p.folds, progress_bar=False, gallery_embeddings=plain_text_gallery(ws))
    summ = summarize_retrieval(res)
    mx = summ[summ.metric == "maxskew"].groupby("method")["mean"].mean().to_dict()
    acc = workspace_zero_shot(ws, methods).set_index("method")["accuracy"].to_dict()
    return {m: (mx[m], acc[m]) for m in methods}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", nargs="+", default=["faceworld", "minilm"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--quick", action="store_true", help="the profiles' quick settings (what the tests run)")
    args = ap.parse_args()
    print("| profile | seed | gender neurons | plain MaxSkew | blend | error-preserving | accuracy plain, blend, e-p |")
    print("|---|---|---|---|---|---|---|")
    for profile in args.profiles:
        rows = []
        for ws in prepare_seeds(profile, args.seeds, quick=args.quick, progress=False):
            r = numbers(ws)
            rows.append(r)
            n = sum(len(v) for v in ws.neurons["gender"].values())
            (m0, a0), (mb, ab), (me, ae) = r["plain"], r["blend"], r["error_preserving"]
            print(f"| {profile} | {ws.seed} | {n} | {m0:.3f} | {mb:.3f} ({100 * (1 - mb / m0):+.0f}%) | "
                  f"{me:.3f} ({100 * (1 - me / m0):+.0f}%) | {a0:.3f}, {ab:.3f}, {ae:.3f} |", flush=True)
        mean = {m: np.mean([r[m][0] for r in rows]) for m in ("plain", *MODES)}
        print(f"| {profile} | mean | | {mean['plain']:.3f} | {mean['blend']:.3f} | {mean['error_preserving']:.3f} | |")


if __name__ == "__main__":
    main()
