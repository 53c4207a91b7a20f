"""SEM one query at a time (the retrieval protocol): the diverse prompts' latents, sorted columns and median computed
in every call (before) against once per SAE (`diverse_reference`, what `SEM` now keeps), at the paper profiles' MSAE
shape (512 -> 16,384 latents, 328 diverse prompts, 20 bias prompts per class, 10 paraphrases per query). Random
weights and embeddings: the outputs of both ways are compared bit for bit.

    python bench/sem_reference.py [--threads 1] [--queries 25] [--classes 2]
"""
import argparse
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--queries", type=int, default=25)
    ap.add_argument("--classes", type=int, default=2)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from debiaslens_nb.sae import SAE, SAEConfig
    from debiaslens_nb.sem import diverse_reference, sem_debias

    torch.manual_seed(0)
    sae = SAE(SAEConfig(d_in=512, d_sae=16384, kind="msae", k=256, input_norm="none"), seed=0)
    diverse = torch.randn(328, 512)
    queries = [torch.randn(1, 512) for _ in range(args.queries)]
    bias = [torch.randn(20, 512) for _ in range(args.classes)]
    paraphrases = [[torch.randn(10, 512)] for _ in range(args.queries)]
    rows, outputs = [], {}
    for variant in ("b", "bi"):
        t = time.perf_counter()
        outputs[variant, "before"] = [sem_debias(sae, q, diverse, bias, p, variant)
                                      for q, p in zip(queries, paraphrases)]
        before = time.perf_counter() - t
        t = time.perf_counter()
        reference = diverse_reference(sae, diverse)
        outputs[variant, "now"] = [sem_debias(sae, q, diverse, bias, p, variant, reference)
                                   for q, p in zip(queries, paraphrases)]
        now = time.perf_counter() - t
        same = all(torch.equal(a, b) for a, b in zip(outputs[variant, "before"], outputs[variant, "now"]))
        rows.append((variant, before, now, same))
    print(f"{args.queries} queries one at a time, {args.classes} bias classes, {args.threads} torch thread(s)\n")
    print("| SEM variant | reference per call (s) | reference once (s) | speed-up | identical |")
    print("|---|---:|---:|---:|---|")
    for variant, before, now, same in rows:
        print(f"| SEM_{variant} | {before:.2f} | {now:.2f} | {before / now:.1f}x | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
