"""Which SAE latents carry FaceWorld's gender direction at the token DeBiasLens edits, and can tau select them?

For every run of the seed study (tiny-CLIP seed x SAE seed, the faceworld profile at its full settings), on the
gallery's pooled (CLS) vectors `h` at the DeBiasLens site:

- the gender gap: the distance between the women's and the men's mean `h`, along the unit direction `u` that joins
  them (the direction the oracle of `seed_study.py` removes);
- each latent's share of that gap: `(mean_f z_j - mean_m z_j) * (decode(e_j) - decode(0)) . u / gap`, with `z` the
  SAE code of `h` (the code the intervention edits);
- the share carried by the SAE's whole reconstruction, by the neurons DeBiasLens removes (`Workspace.removed_neurons`:
  every attribute's under the profile's `removal = union`), and by the latents that carry the most, with their
  firing rates on women and on men in the code that the localisation reads (the token-mean code of each face). A
  latent that fires on >= tau of both genders cannot be selected as a social neuron, however much of the gap it
  carries.

    python bench/gender_carriers.py [--clip-seeds 0 1] [--sae-seeds 0 1 2 3 4] [--top 3]
"""
import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from debiaslens_nb.intervene import flatten_neurons  # noqa: E402
from debiaslens_nb.pipeline import _site_vectors, prepare  # noqa: E402
from seed_study import faceworld_profile  # noqa: E402


def carriers(ws) -> dict:
    "The gender gap of the pooled vectors, every latent's share of it, and each latent's firing rate per gender."
    gender = np.asarray(ws.labels["gender"])
    women, men = torch.from_numpy(gender == "female"), torch.from_numpy(gender == "male")
    h = _site_vectors(ws.vlm, ws.site, ws.gallery, ws.profile, pooled=True).tensor()
    diff = h[women].mean(0) - h[men].mean(0)
    gap, u = float(diff.norm()), diff / diff.norm()
    z = ws.sae.encode(h)
    dz = z[women].mean(0) - z[men].mean(0)
    with torch.no_grad():
        columns = ws.sae.decode(torch.diag(dz)) - ws.sae.decode(torch.zeros(1, len(dz)))
    share = (columns @ u).double() / gap
    code = ws.gallery_latents()
    removed = flatten_neurons(ws.removed_neurons)
    return {
        "gap": gap,
        "share": share,
        "reconstruction": float(share.sum()),
        "removed": float(share[removed].sum()) if removed else 0.0,
        "n_removed": len(removed),
        "rate_women": (code[women] != 0).double().mean(0),
        "rate_men": (code[men] != 0).double().mean(0),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip-seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--sae-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--top", type=int, default=3, help="how many of the latents that carry the most to list")
    args = ap.parse_args()
    print("Share of the women-men gap of the pooled vectors (along their direction) that each part of the SAE carries;")
    print("top latents: latent, share, firing rate on women / men in the localisation's (token-mean) code\n")
    print("| CLIP seed | SAE seed | reconstruction | removed neurons (how many) | latents that carry the most |")
    print("|---|---|---|---|---|")
    for clip_seed in args.clip_seeds:
        for sae_seed in args.sae_seeds:
            ws = prepare(faceworld_profile(clip_seed, 1, False), seed=sae_seed, progress=False)
            c = carriers(ws)
            top = c["share"].argsort(descending=True)[: args.top].tolist()
            cells = ", ".join(
                f"#{j} {100 * c['share'][j]:.0f}% ({100 * c['rate_women'][j]:.0f}% / {100 * c['rate_men'][j]:.0f}%)"
                for j in top
            )
            print(
                f"| {clip_seed} | {sae_seed} | {100 * c['reconstruction']:.0f}% |"
                f" {100 * c['removed']:.0f}% ({c['n_removed']}) | {cells} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
