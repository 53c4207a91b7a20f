"""The evaluation harness with and without its text memo, on the MiniLM profile (quick settings): the SEM
retrieval table (fig. 6: 9 methods x 2 prompt sets x 2 attributes x 4 folds), timed both ways in one run, plus
SEM's content score by binary search against comparing every query with every diverse prompt.

    python bench/evaluate_speed.py [--threads 2]
"""
import argparse
import contextlib
import os
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    torch.set_num_threads(args.threads)
    from debiaslens_nb.sem_figures import figure_sem_table
    from debiaslens_nb.pipeline import prepare
    from debiaslens_nb.sem import _frac_below

    ws = prepare("minilm", quick=True, progress=False)
    rows = []
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        memo = figure_sem_table(ws, out)
        rows.append(("SEM table, text memo (ours)", time.perf_counter() - t))
        ws.vlm.memoize_texts = contextlib.nullcontext          # every encode runs the model
        t = time.perf_counter()
        plain = figure_sem_table(ws, out)
        rows.append(("SEM table, no memo (reference)", time.perf_counter() - t))
    same = max(abs(memo["maxskew"][m][c] - plain["maxskew"][m][c]) for m in memo["maxskew"] for c in memo["maxskew"][m])

    g = torch.Generator().manual_seed(0)
    ref, lat = torch.relu(torch.randn(328, 2048, generator=g)), torch.relu(torch.randn(300, 2048, generator=g))
    t = time.perf_counter()
    fast = _frac_below(ref, lat)
    rows.append(("content score, binary search (ours)", time.perf_counter() - t))
    t = time.perf_counter()
    pairwise = torch.cat(
        [(ref.unsqueeze(0) < lat[i : i + 16].unsqueeze(1)).sum(1).float() / len(ref) for i in range(0, len(lat), 16)]
    )
    rows.append(("content score, every pair (reference)", time.perf_counter() - t))

    print(f"# Evaluation speed, MiniLM quick profile, {args.threads} torch threads")
    print("| step | seconds |")
    print("|---|---|")
    for name, s in rows: print(f"| {name} | {s:.2f} |")
    print(f"\nSEM table speed-up: {rows[1][1] / rows[0][1]:.1f}x (max |MaxSkew difference| {same:.2e})")
    print(f"content score speed-up: {rows[3][1] / rows[2][1]:.1f}x (identical: {torch.equal(fast, pairwise)})")


if __name__ == "__main__":
    main()
