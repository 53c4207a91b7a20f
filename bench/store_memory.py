"""Peak memory while streaming stored activations to a trainer: 1e5 vs 1e6 vectors.

Each size runs in a fresh subprocess: write a store of N x 512 float32 vectors (shards of 16384, window 4 shards), then
stream 60 shuffled batches of 4096 through `ActivationStore.iter_batches` into `train_sae` steps of a
small batchtopk SAE. Peak RSS is read from the kernel (ru_maxrss) after the streaming phase only:
the store is written by a separate process first.

    python bench/store_memory.py
"""
import json
import subprocess
import sys
import tempfile

CHILD_WRITE = r"""
import sys, torch
from debiaslens_nb.activations import StoreWriter
n, d, path = int(sys.argv[1]), 512, sys.argv[2]
w = StoreWriter(path, d, shard_size=16384)
g = torch.Generator().manual_seed(0)
for i in range(0, n, 16384):
    m = min(16384, n - i)
    ids = torch.arange(i, i + m)
    w.add(torch.randn(m, d, generator=g), ids, torch.zeros_like(ids), samples_done=i + m)
w.finish({"n_samples": n, "labels": {}})
"""

CHILD_STREAM = r"""
import sys, json, resource, time, torch
torch.set_num_threads(1)
from debiaslens_nb.activations import ActivationStore
from debiaslens_nb.sae import SAE, SAEConfig, train_sae
store = ActivationStore(sys.argv[1])
sae = SAE(SAEConfig(d_in=512, d_sae=1024, kind="batchtopk", k=16))
t = time.perf_counter()
train_sae(sae, store, steps=60, batch_size=4096, progress=False, eval_samples=4096)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": len(store), "peak_mb": peak_mb, "seconds": time.perf_counter() - t}))
"""


def main():
    rows = []
    for n in (100_000, 1_000_000):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, "-c", CHILD_WRITE, str(n), d], check=True)
            out = subprocess.run([sys.executable, "-c", CHILD_STREAM, d], check=True, capture_output=True, text=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("# Streaming 60 batches of 4096 x 512 from an on-disk store into train_sae (1 torch thread)")
    print("| stored vectors | store size (GB) | peak RSS (MB) | seconds |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['n'] * 512 * 4 / 1e9:.2f} | {r['peak_mb']:.0f} | {r['seconds']:.1f} |")
    print(f"\npeak memory change 1e5 -> 1e6: {100 * (rows[1]['peak_mb'] / rows[0]['peak_mb'] - 1):+.1f}%")


if __name__ == "__main__":
    main()
