"""How far can DeBiasLens' blend (alpha = 0.6) lower gender MaxSkew@24 at best? A model of the retrieval scores.

A query scores the 768 faces of a FaceWorld gallery (384 men, 384 women) as s = gamma * g + c + e: g = +-1 the gender,
c the effect of the face's other attributes (96 combinations of occupation x skin x age, each shared by the 8 faces of
that combination, 4 per gender), e each face's own variation. Non-gender variance is 1, of which a share `within`
lies within the cells (e). Removing the whole gender direction with the paper's blend leaves 0.4 * gamma (the
direction oracle of `bench/seed_study.py`), so the most any set of neurons can lower MaxSkew by is
1 - MaxSkew(0.4 gamma) / MaxSkew(gamma).
`within` = 1 is the Gaussian model of rich faces; FaceWorld's world 5 has `within` of about 2%
(`bench/seed_study.py --oracle-only` measures it on the tiny CLIP).

    python bench/maxskew_ceiling.py [--trials 400] [--seed 0]
"""
import argparse

import numpy as np

N_COMBOS, PER_GENDER, K = 96, 4, 24
ALPHA = 0.6


def expected_maxskew(gamma, within, trials, rng):
    "Mean MaxSkew@K (uniform target over two genders) of `trials` queries with gender strength(s) `gamma`."
    gamma = np.broadcast_to(np.asarray(gamma, dtype=float), (trials,))
    g = np.repeat([1.0, -1.0], N_COMBOS * PER_GENDER)
    combo = np.tile(np.repeat(np.arange(N_COMBOS), PER_GENDER), 2)
    c = rng.standard_normal((trials, N_COMBOS))[:, combo] * np.sqrt(1 - within)
    e = rng.standard_normal((trials, g.size)) * np.sqrt(within)
    s = gamma[:, None] * g + c + e
    top = np.argpartition(-s, K, axis=1)[:, :K]
    share = (g[top] > 0).mean(1)
    return float(np.log(np.maximum(share, 1 - share) / 0.5).mean())


def ceiling(gamma, within, trials, seed):
    "(MaxSkew before, after the alpha = 0.6 oracle, relative reduction), the same draws for both."
    before = expected_maxskew(gamma, within, trials, np.random.default_rng(seed))
    after = expected_maxskew((1 - ALPHA) * np.asarray(gamma), within, trials, np.random.default_rng(seed))
    return before, after, 1 - after / before


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=400, help="queries per cell of the tables")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    withins = (0.02, 0.15, 0.5, 1.0)
    print("One gender strength for every query: MaxSkew@24 before -> after the alpha = 0.6 oracle (reduction)\n")
    print("| gender strength | " + " | ".join(f"within-cell share {w:.0%}" for w in withins) + " |")
    print("|---" * (1 + len(withins)) + "|")
    for gamma in (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5):
        cells = [ceiling(gamma, w, args.trials, args.seed) for w in withins]
        print(f"| {gamma} | " + " | ".join(f"{b:.3f} -> {a:.3f} ({r:.0%})" for b, a, r in cells) + " |", flush=True)
    print("\nA spread of strengths over the prompts (|gamma| half-normal with this scale), as real prompt sets have\n")
    print("| strength scale | " + " | ".join(f"within-cell share {w:.0%}" for w in withins) + " |")
    print("|---" * (1 + len(withins)) + "|")
    rng = np.random.default_rng(args.seed + 1)
    for scale in (0.2, 0.35, 0.5, 0.75):
        gammas = np.abs(rng.normal(0, scale, args.trials))
        cells = [ceiling(gammas, w, args.trials, args.seed) for w in withins]
        print(f"| {scale} | " + " | ".join(f"{b:.3f} -> {a:.3f} ({r:.0%})" for b, a, r in cells) + " |", flush=True)
    floor = expected_maxskew(0.0, 1.0, 4 * args.trials, np.random.default_rng(args.seed))
    print(f"\nA ranking that ignores gender: MaxSkew@24 = {floor:.3f} (the floor of any debiasing).")


if __name__ == "__main__":
    main()
