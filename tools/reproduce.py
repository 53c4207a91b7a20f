"""`make reproduce`: execute every figure notebook in nbs/figures with papermill, once per profile.

Writes reports/<profile>/<notebook>.ipynb plus whatever each notebook saves into its out_dir. Until the
figure notebooks exist this runs what exists and says so.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="reports")
    ap.add_argument("--profiles", nargs="+", default=["faceworld", "minilm"])
    args = ap.parse_args()
    notebooks = sorted((ROOT / "nbs" / "figures").glob("*.ipynb"))
    if not notebooks:
        print("make reproduce: no figure notebooks exist yet (nbs/figures/ is empty); nothing to regenerate.")
        print("The library chapters in nbs/ run under `make test`.")
        return 0
    import papermill as pm
    for profile in args.profiles:
        out_dir = Path(args.out) / profile
        out_dir.mkdir(parents=True, exist_ok=True)
        for nb in notebooks:
            print(f"[{profile}] {nb.name}", flush=True)
            pm.execute_notebook(str(nb), str(out_dir / nb.name), kernel_name="python3",
                                parameters=dict(profile=profile, out_dir=str(out_dir)), progress_bar=False)
    print(f"make reproduce: ran {len(notebooks)} notebook(s) x {len(args.profiles)} profile(s) into {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
