"""The whole offline reproduction on this machine, cold: a fresh cache, then `debiaslens reproduce` for the
faceworld and minilm profiles (all seven figures each, full settings). Reports wall time per stage and the
peak resident memory of the largest process (the papermill kernels included).

    python bench/reproduce.py [--out /tmp/repro] [--threads 2]
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def stage(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        out = args.out or os.path.join(cache, "reports")
        env = {**os.environ, "DEBIASLENS_CACHE": cache, "OMP_NUM_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1",
               "HF_DATASETS_OFFLINE": "1", "MPLBACKEND": "Agg"}
        rows = [
            (
                "tiny CLIP training (shipped with the package; trained here to time it)",
                stage(
                    [
                        sys.executable,
                        "-c",
                        "from debiaslens_nb.tiny_clip import train_tiny_clip; "
                        "train_tiny_clip(progress=False, shipped=False)",
                    ],
                    env,
                ),
            )
        ]
        for profile in ("faceworld", "minilm"):
            rows.append(
                (
                    f"reproduce {profile}",
                    stage(
                        [
                            os.path.join(os.path.dirname(sys.executable), "debiaslens"),
                            "reproduce",
                            "--profile",
                            profile,
                            "--out",
                            out,
                        ],
                        env,
                    ),
                )
            )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"# Offline reproduction, cold cache, {args.threads} torch threads")
    print("| stage | seconds |")
    print("|---|---|")
    for name, s in rows: print(f"| {name} | {s:.0f} |")
    print(f"| **total** | **{sum(s for _, s in rows):.0f}** |")
    print(f"\npeak RSS of the largest process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
