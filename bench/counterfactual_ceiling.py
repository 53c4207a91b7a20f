"""How far could any set of DeBiasLens neurons lower FaceWorld's gender MaxSkew@24 at alpha = 0.6? Counterfactual pairs.

The direction oracle of `seed_study.py` removes only the mean gender direction of the pooled vector, and the random
draws of the profile's gallery leave MaxSkew@24 at 0.142 for a ranking that ignores gender (sampling noise). Both
caveats go away on a gallery of counterfactual pairs: every face is drawn twice, as a man and as a woman, with the
same occupation, skin tone, age, cue strength, background, texture, hair colour and skin jitter (one random stream
per pair through `draw_face`); 384 pairs, balanced over occupation x skin x age like the eval split. A ranking that
ignores gender keeps both members of a pair together, so its MaxSkew@24 is 0, and the difference between a pair's two
scores for a query is everything gender changes in the model's score. DeBiasLens' blend keeps 1 - alpha of the
edited vector, so even neurons that removed gender completely would leave 0.4 of that difference: the *perfect
eraser* below scales every pair's score difference by c around the pair's mean (c = 0.4 for alpha = 0.6; c = 0
removes gender entirely). The second table asks what a less biased world would allow: every pair's difference scaled
by w for the baseline and by 0.4 w after the perfect eraser.

    python bench/counterfactual_ceiling.py [--clip-seeds 0 1] [--threads 1] [--pairs 384] [--seed 300]
"""
import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from debiaslens_nb.ceilings import DirectionOracle, face_pairs, gender_direction, scaled_pair_scores  # noqa: E402
from debiaslens_nb.faceworld import GENDERS  # noqa: E402
from debiaslens_nb.intervene import attach  # noqa: E402
from debiaslens_nb.metrics import max_skew  # noqa: E402
from debiaslens_nb.pipeline import prepare  # noqa: E402
from seed_study import faceworld_profile, prompt_embeddings  # noqa: E402

ALPHA = 0.6
WORLD_STRENGTHS = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2)


def mean_skew(prompts: dict, k: dict, images_emb: torch.Tensor, genders: list, c: float = 1.0) -> float:
    "Mean over the prompt sets of gender MaxSkew@k with every pair's score difference scaled by `c`."
    e = F.normalize(images_emb, dim=-1)
    return float(np.mean([max_skew(scaled_pair_scores(q @ e.T, c), genders, k[ps]) for ps, q in prompts.items()]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip-seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--threads", type=int, default=1, help="threads the tiny CLIP was trained on")
    ap.add_argument("--pairs", type=int, default=384)
    ap.add_argument("--seed", type=int, default=300, help="seed of the counterfactual gallery")
    args = ap.parse_args()
    images, genders = face_pairs(args.pairs, args.seed), list(GENDERS) * args.pairs
    rows = {}
    for clip_seed in args.clip_seeds:
        ws = prepare(faceworld_profile(clip_seed, args.threads, False), seed=0, progress=False)
        prompts, k = prompt_embeddings(ws), ws.profile.k
        plain = ws.vlm.encode_images(images, progress=False)
        with attach(ws.vlm, ws.site, DirectionOracle(ws.sae, *gender_direction(ws), ALPHA)):
            oracle = ws.vlm.encode_images(images, progress=False)
        rows[clip_seed] = {
            "plain": mean_skew(prompts, k, plain, genders),
            "direction": mean_skew(prompts, k, oracle, genders),
            "eraser": mean_skew(prompts, k, plain, genders, 1 - ALPHA),
            "erased": mean_skew(prompts, k, plain, genders, 0.0),
            "worlds": [
                (w, mean_skew(prompts, k, plain, genders, w), mean_skew(prompts, k, plain, genders, (1 - ALPHA) * w))
                for w in WORLD_STRENGTHS
            ],
        }
    print(f"Mean gender MaxSkew@24 over the four prompt sets on {args.pairs} counterfactual pairs (reduction)\n")
    print("| CLIP seed | plain | direction oracle alpha = 0.6 | perfect eraser alpha = 0.6 | gender removed (c = 0) |")
    print("|---|---|---|---|---|")
    for seed, r in rows.items():
        cells = [f"{r[m]:.3f} ({100 * (1 - r[m] / r['plain']):.0f}%)" for m in ("direction", "eraser")]
        print(f"| {seed} | {r['plain']:.3f} | " + " | ".join(cells) + f" | {r['erased']:.3f} |")
    print("\nAs if the world were less biased (every pair's difference times w):")
    print("baseline -> perfect eraser at alpha = 0.6\n")
    print("| w | " + " | ".join(f"CLIP seed {s}" for s in rows) + " |")
    print("|---" * (1 + len(rows)) + "|")
    for i, w in enumerate(WORLD_STRENGTHS):
        pairs = (r["worlds"][i][1:] for r in rows.values())
        cells = [f"{b:.3f} -> {a:.3f} ({100 * (1 - a / b):.0f}%)" for b, a in pairs]
        print(f"| {w} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
