"""The VLA benchmark's scoring with each image's prefix shared across its prompts, against every prompt in full.

`LVLM.image_option_probabilities` runs each image's prefix (template opening and image tokens) once and every
prompt's tail against its keys and values; the reference approach (the authors' code, and ours before) runs every
(image, prompt) pair through the whole model. Both on the same faces and prompts, at the same thread count: seconds,
pairs per second, the ratio, and the largest difference in the letters' probabilities.

    python bench/vla_prefix.py [--models faceworld llava-real] [--faces 16] [--prompts 24] [--threads 1]

`faceworld`: the FaceWorld assistant (trained or fetched from the cache: about 10 min the first time).
`llava-real`: `paper-llava15-7b`'s shapes at random weights (CLIP ViT-L/14-336, 576 image tokens, Vicuna-7B's
widths) with 2 of its 32 decoder layers (about 5 GB).
"""
import argparse
import os
import platform
import time
from datetime import date

import torch


def faceworld(n_faces):
    from debiaslens_nb.assistant_bench import assistant_bench
    from debiaslens_nb.assistant_figures import profile_assistant
    lvlm = profile_assistant("faceworld", seed=0)
    bench = assistant_bench(max(2, n_faces // 2), 2)
    return lvlm, bench.faces[:n_faces], bench.prompts, 64


def llava_real(n_faces):
    from debiaslens_nb.assistant_bench import assistant_bench
    from debiaslens_nb.paper_assistants import paper_lvlm
    from debiaslens_nb.vla_bench import vla_prompts
    bench = assistant_bench(max(2, n_faces // 2), 2)
    return paper_lvlm("paper-llava15-7b", text_layers=2), bench.faces[:n_faces], vla_prompts(), 8


MODELS = {"faceworld": faceworld, "llava-real": llava_real}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--faces", type=int, default=16)
    ap.add_argument("--prompts", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# VLA scoring, shared prefix vs full prompts, {date.today()}, {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} cores, {args.threads} torch thread(s)\n")
    print("| model | faces x prompts | tokens (prefix / tail) | full prompts (s) | shared prefix (s) | ratio | "
          "max abs diff |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name in args.models:
        lvlm, faces, prompts, batch = MODELS[name](args.faces)
        prompts = prompts[:args.prompts]
        texts = [lvlm.chat(p.text) for p in prompts]
        letters = sorted({x for p in prompts for x in p.letters})
        tails = lvlm._prompt_tails(texts)
        total = lvlm.inputs(faces[:1], texts[:1])["input_ids"].shape[1]
        t = time.perf_counter()
        full = lvlm.option_probabilities([f for f in faces for _ in texts], texts * len(faces), letters, batch)
        full_s = time.perf_counter() - t
        t = time.perf_counter()
        shared = lvlm.image_option_probabilities(faces, texts, letters, batch)
        shared_s = time.perf_counter() - t
        diff = (shared - full.reshape(shared.shape)).abs().max().item()
        print(f"| {name} | {len(faces)} x {len(texts)} | {total - len(tails[0])} / {len(tails[0])} | {full_s:.1f} | "
              f"{shared_s:.1f} | {full_s / shared_s:.1f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
