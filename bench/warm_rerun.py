"""`debiaslens reproduce` cold and warm: one profile and seed from an empty cache, then the same command again.

The second run finds every cache warm (model, stores, SAEs, workspace snapshot, and each figure's files under its
key: profile, seeds, code and notebook), so it copies the figures instead of executing their notebooks. Prints the
seconds of both runs, their ratio, how many figures the warm run reused, and whether both wrote the same numbers.

    python bench/warm_rerun.py [--profiles faceworld minilm] [--seed 0] [--threads 1]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def reproduce(profile: str, seed: int, out: Path, env: dict) -> float:
    exe = Path(sys.executable).with_name("debiaslens")
    t = time.perf_counter()
    subprocess.run([str(exe), "reproduce", "--profile", profile, "--seed", str(seed), "--out", str(out)], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", nargs="+", default=["faceworld", "minilm"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    print(f"# reproduce cold, then warm: seed {args.seed}, {args.threads} torch thread(s), "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores\n")
    print("| profile | cold (s) | warm (s) | cold / warm | figures reused | same numbers |")
    print("|---|---|---|---|---|---|")
    for profile in args.profiles:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "DEBIASLENS_CACHE": str(Path(tmp) / "cache"), "OMP_NUM_THREADS": str(args.threads),
                   "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "MPLBACKEND": "Agg"}
            cold = reproduce(profile, args.seed, Path(tmp) / "cold", env)
            warm = reproduce(profile, args.seed, Path(tmp) / "warm", env)
            a, b = (json.loads((Path(tmp) / run / profile / "summary.json").read_text()) for run in ("cold", "warm"))
            same = a["figures"] == b["figures"]
            print(f"| {profile} | {cold:.0f} | {warm:.1f} | {cold / warm:.0f}x | {len(b['reused_figures'])} of "
                  f"{len(b['figures'])} | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
