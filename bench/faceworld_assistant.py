"""DeBiasLens inside the FaceWorld assistant over SAE seeds x assistant seeds (issue 29, item 5).

For each assistant seed the FaceWorld assistant is trained (or fetched from the cache) on the `faceworld` profile's
tiny CLIP; for each SAE seed the profile's workspace gives the SAE and its neurons (the image SAE of `faceworld` is
the same in its quick mode, which skips the text-side training). Every run measures, on the same counterfactual
pairs: the plain assistant, the perfect eraser and the direction oracle at α, DeBiasLens over the α sweep (gender
neurons; γ = −65000 at α; all attributes' neurons), the random-neuron control, prompt engineering and pruning.
Prints one table row per run and the targets; writes every row to `--out` (JSON).

    python bench/faceworld_assistant.py [--sae-seeds 0 1 2 3 4] [--assistant-seeds 0 1] [--pairs 96]
    python bench/faceworld_assistant.py --summarise bench/results/faceworld_assistant_a*.json \
        --figure bench/results/faceworld_assistant.png
"""
import argparse
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch


def pick(rows, method, **setting):
    "The row of `method` with `setting` (e.g. alpha=0.6) in one run's rows."
    return next(r for r in rows if r["method"] == method and all(r.get(k) == v for k, v in setting.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sae-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--assistant-seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--pairs", type=int, default=96)
    ap.add_argument("--general", type=int, default=96)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--out", default="bench/faceworld_assistant.json")
    ap.add_argument("--summarise", nargs="+", help="only summarise the rows of earlier runs' JSON files (e.g. one "
                    "process per assistant seed)")
    ap.add_argument("--figure", help="also draw the paper's Fig. 4 from the rows into this PNG file")
    args = ap.parse_args()
    if args.summarise:
        rows = [r for f in args.summarise for r in json.loads(Path(f).read_text())]
        summarise(rows, args.alpha)
        if args.figure: draw(rows, args.figure)
        return
    from debiaslens_nb.assistant import assistant_site
    from debiaslens_nb.assistant_figures import profile_assistant
    from debiaslens_nb.assistant_bench import assistant_bench, assistant_run
    from debiaslens_nb.pipeline import prepare
    from debiaslens_nb.profiles import as_profile
    torch.set_num_threads(1)
    p = as_profile("faceworld", quick=True)
    site = assistant_site(p.site)
    bench = assistant_bench(args.pairs, args.general)
    print(f"# FaceWorld assistant, {date.today()}, {platform.processor() or platform.machine()}, {os.cpu_count()} "
          f"cores, 1 torch thread; {args.pairs} pairs x {len(bench.prompts)} prompts, alpha {args.alpha}\n")
    print("| assistant | SAE | plain gap | eraser | oracle | DeBiasLens | γ=-65000 | random | acc change | ratio "
          "plain -> DeBiasLens | prompt prefix / suffix | pruning 0.1 / 0.3 (acc change) | seconds |")
    print("|" + "---|" * 13)
    rows = []
    for a in args.assistant_seeds:
        lvlm = profile_assistant(p, seed=a)
        for s in args.sae_seeds:
            t = time.perf_counter()
            ws = prepare(p, seed=s, progress=False)
            run = assistant_run(lvlm, bench, ws.sae, ws.neurons, site, alpha=args.alpha, seed=s, progress=False)
            for r in run: r.update(assistant_seed=a, sae_seed=s)
            rows += run
            plain, dl = pick(run, "plain"), pick(run, "debiaslens", alpha=args.alpha, gamma=0.0)
            red = lambda r: f"{100 * r['gap_reduction']:.0f}%"
            prune = [pick(run, "pruning", sparsity=x) for x in (0.1, 0.3)]
            print(f"| {a} | {s} | {plain['mean_abs_gap']:.3f} | {red(pick(run, 'perfect_eraser'))} | "
                  f"{red(pick(run, 'direction_oracle'))} | {red(dl)} | "
                  f"{red(pick(run, 'debiaslens', alpha=args.alpha, gamma=-65000.0))} | "
                  f"{red(pick(run, 'random-neurons'))} | {100 * dl['acc_change']:+.1f} | "
                  f"{plain['bias_ratio']:.2f} -> {dl['bias_ratio']:.2f} | "
                  f"{red(pick(run, 'prompt', position='prefix'))} / {red(pick(run, 'prompt', position='suffix'))} | "
                  f"{red(prune[0])} ({100 * prune[0]['acc_change']:+.1f}) / {red(prune[1])} "
                  f"({100 * prune[1]['acc_change']:+.1f}) | {time.perf_counter() - t:.0f} |", flush=True)
    Path(args.out).write_text(json.dumps(rows, indent=1, default=float))
    summarise(rows, args.alpha)
    if args.figure: draw(rows, args.figure)


def draw(rows, path):
    "The Fig. 4 panels (`plot_assistant_tradeoff`) over every run's rows, saved to `path`."
    import pandas as pd
    from debiaslens_nb.assistant_figures import plot_assistant_tradeoff, summarise_rows
    runs = len({(r["assistant_seed"], r["sae_seed"]) for r in rows})
    title = f"FaceWorld assistant, {runs} runs, means with 95% t-intervals"
    fig = plot_assistant_tradeoff(summarise_rows(pd.DataFrame(rows)), title)
    fig.savefig(path, dpi=130)
    print(f"figure: {path}")


def summarise(rows, alpha):
    "How many runs meet issue 29's targets, and the mean reductions."
    runs = {(r["assistant_seed"], r["sae_seed"]) for r in rows}
    def per_run(m, **kw):
        return {k: pick([r for r in rows if (r["assistant_seed"], r["sae_seed"]) == k], m, **kw) for k in sorted(runs)}
    dl, ce = per_run("debiaslens", alpha=alpha, gamma=0.0), per_run("perfect_eraser")
    rnd, plain = per_run("random-neurons"), per_run("plain")
    met = [k for k in dl if (dl[k]["gap_reduction"] >= min(0.4, 2 / 3 * ce[k]["gap_reduction"])
                             and dl[k]["acc_change"] >= -0.10 and dl[k]["bias_ratio"] < plain[k]["bias_ratio"]
                             and abs(rnd[k]["gap_reduction"]) < abs(dl[k]["gap_reduction"]) / 3)]
    print(f"\nruns meeting every target: {len(met)} of {len(dl)}; mean DeBiasLens reduction "
          f"{100 * np.mean([r['gap_reduction'] for r in dl.values()]):.0f}%, ceiling "
          f"{100 * np.mean([r['gap_reduction'] for r in ce.values()]):.0f}%")


if __name__ == "__main__":
    main()
