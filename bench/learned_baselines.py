"""What our choices for SANER's unpublished settings do, and what each learned baseline costs to train (issue 30).

SANER's paper gives no loss weights, layer width, learning rate or epochs; `SanerConfig` holds ours. For each profile
and seed this trains SANER with our settings and with one setting changed at a time, and reports gender MaxSkew@k
averaged over the profile's prompt sets and zero-shot accuracy (the MaxSkew table's protocol), next to the plain
model. It also times the training of SANER, PRISM and ZSDebias under an unused seed (so they train; the sentences'
and images' embeddings are cached by then), one intra-op thread unless OMP_NUM_THREADS says otherwise.

    python bench/learned_baselines.py [--profiles faceworld minilm] [--seeds 0 1] [--quick]
"""
import argparse
import dataclasses
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from debiaslens_nb.baselines import METHODS, make_debiaser  # noqa: E402
from debiaslens_nb.evaluate import evaluate_retrieval, summarize_retrieval  # noqa: E402
from debiaslens_nb.figures import plain_text_gallery, workspace_zero_shot  # noqa: E402
from debiaslens_nb.learned_baselines import SanerConfig  # noqa: E402
from debiaslens_nb.pipeline import prepare_seeds  # noqa: E402

VARIANTS = {
    "ours": {},
    "w_debias 1": {"w_debias": 1.0},
    "w_debias 1000": {"w_debias": 1000.0},
    "w_attribute 0": {"w_attribute": 0.0},
    "w_align 1": {"w_align": 1.0},
    "hidden d/4": {"hidden": "quarter"},
    "epochs 5": {"epochs": 5},
    "lr 1e-3": {"lr": 1e-3},
}


def config(ws, ours: SanerConfig, change: dict) -> SanerConfig:
    "Our SanerConfig for the workspace with `change` applied ('quarter': a quarter of the embedding width)."
    d = ws.gallery_embeddings.shape[1]
    return dataclasses.replace(ours, **{k: (d // 4 if v == "quarter" else v) for k, v in change.items()})


def scores(ws, methods: dict) -> dict:
    "Mean gender MaxSkew over the prompt sets and zero-shot accuracy, per method."
    p = ws.profile
    res = evaluate_retrieval(methods, ws.gallery, {"gender": ws.labels["gender"]}, ws.prompt_sets, ws.contexts,
                             k=p.k, folds=p.folds, progress_bar=False, gallery_embeddings=plain_text_gallery(ws))
    summ = summarize_retrieval(res)
    mx = summ[summ.metric == "maxskew"].groupby("method")["mean"].mean().to_dict()
    acc = workspace_zero_shot(ws, methods).set_index("method")["accuracy"].to_dict()
    return {m: (mx[m], acc[m]) for m in methods}


def training_seconds(ws) -> dict:
    "Seconds to train each learned method under a seed no cache holds (its inputs' embeddings cached)."
    out = {}
    for name in ("saner", "prism", "zsdebias"):
        resources = METHODS[name].resources(ws)
        if resources is None: continue
        resources["seed"] = 10_000 + int(time.time()) % 10_000
        t0 = time.perf_counter()
        m = make_debiaser(name, ws.vlm, **resources)
        if name == "prism": m.map_for(ws.contexts["gender"])            # PRISM trains per attribute, when first met
        out[name] = time.perf_counter() - t0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", nargs="+", default=["faceworld", "minilm"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--quick", action="store_true", help="the profiles' quick settings (what the tests run)")
    args = ap.parse_args()
    print(f"threads: {os.environ.get('OMP_NUM_THREADS', 'torch default')}")
    print("| profile | seed | SANER setting | gender MaxSkew (mean over sets) | zero-shot acc |")
    print("|---|---|---|---|---|")
    timings = []
    for profile in args.profiles:
        for ws in prepare_seeds(profile, args.seeds, quick=args.quick, progress=False):
            res = METHODS["saner"].resources(ws)
            ours = res.pop("config")
            methods = {"plain": make_debiaser("baseline", ws.vlm)}
            for variant, change in VARIANTS.items():
                methods[variant] = make_debiaser("saner", ws.vlm, **res, config=config(ws, ours, change))
            for name, (mx, acc) in scores(ws, methods).items():
                print(f"| {profile} | {ws.seed} | {name} | {mx:.3f} | {acc:.3f} |", flush=True)
            timings.append((profile, ws.seed, training_seconds(ws)))
    print("\n| profile | seed | SANER s | PRISM (gender) s | ZSDebias s |\n|---|---|---|---|---|")
    for profile, seed, t in timings:
        cells = " | ".join(f"{t[m]:.1f}" if m in t else "—" for m in ("saner", "prism", "zsdebias"))
        print(f"| {profile} | {seed} | {cells} |")


if __name__ == "__main__":
    main()
