"""The paper profile end to end (issue 15): `debiaslens reproduce --profile paper-vitb16 --dry-run` runs the real
ViT-B/16 architecture at random weights on a locally generated FairFace copy in the Hub's schema, for one seed and
at the smallest size the code path takes (--scale 0.0001: every size at its floor, 12 items per dataset), with
UTKFace, CelebA and Waterbirds copies in their release layouts for the SEM table, and produces every figure, the
summary and the per-stage report. BENCHMARKS.md has the default scale's run.

`make test` runs the profile on a narrow CLIP of the same shape otherwise (12-block towers with the profile's sites,
224-pixel images in 16-pixel patches, a 77-token context; width 64 instead of 768, saved as a CLIP folder): the same
stages, figures and checks in about 70 s, where open_clip's ViT-S/16 took 200-310 s and ViT-B/16 about 500 s of the
suite. `make test-slow` runs the paper's architecture, built by name as the profile does (`03c_models` checks the
by-name build at random weights)."""
import json
import math
import os
import subprocess
import sys

import pytest
import torch

from debiaslens_nb.core import load_asset_json
from debiaslens_nb.figures import FIGURES, figures_for
from debiaslens_nb.profiles import apply_override
from debiaslens_nb.vlm import build_open_clip, save_open_clip

STAGES = {"model", "gallery", "sae.extract", "sae.train", "localisation", "text_sae.extract", "text_sae.train",
          "text_localisation", "sem_sae.embed", "sem_sae.train"}


NARROW_CLIP = dict(embed_dim=64, vision_cfg=dict(image_size=224, layers=12, width=64, patch_size=16, head_width=16),
                   text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=4, layers=12))


@pytest.mark.parametrize("model", ["narrow", pytest.param("ViT-B-16", marks=pytest.mark.slow)])
def test_paper_vitb16_dry_run_produces_every_figure(tmp_path, model):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    profile = "paper-vitb16"
    if model == "narrow":                         # the paper profile (same name, sizes, sites) on the narrow CLIP
        torch.manual_seed(0)
        clip = save_open_clip(build_open_clip(NARROW_CLIP), NARROW_CLIP, tmp_path / "narrow-clip")
        profile = tmp_path / "paper-vitb16-narrow.json"
        raw = apply_override(load_asset_json("profiles", "paper-vitb16.json"), {"model": {"name": str(clip)}})
        profile.write_text(json.dumps(raw))
    run = subprocess.run([sys.executable, "-m", "debiaslens_nb.cli", "reproduce", "--profile", str(profile),
                          "--dry-run", "--scale", "0.0001", "--seed", "0", "--jobs", "2", "--out", str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "dry_run.md" in run.stdout
    out = tmp_path / "paper-vitb16-dry-run"
    drawn = figures_for("paper-vitb16")                      # every figure of a CLIP profile
    for fig in (FIGURES[name] for name in drawn):
        assert (out / f"{fig.stem}.png").is_file() and (out / f"{fig.stem}.json").is_file(), fig.name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [0] and set(summary["figures"]) == set(drawn)
    table = summary["maxskew"]
    assert {"baseline", "debiaslens-image", "debiaslens-text", "sem-bi", "orth-proj", "bend-vlm", "saner", "prism",
            "prism-mini", "zsdebias"} <= set(table)
    assert all(math.isfinite(v) and v >= 0 for row in table.values() for v in row.values())
    assert summary["random_weights"] and summary["paper"]          # the paper's numbers, and the warning beside them
    for page in ("index.md", "index.html"):
        assert "random weights (a dry run)" in (out / page).read_text(), page
    assert "; ours: random weights)" in (out / "index.md").read_text()
    sem = json.loads((out / f"{FIGURES['sem_table'].stem}.json").read_text())       # SEM's other datasets
    assert {"utkface: stereotypes|gender", "utkface: stereotypes|race", "celeba: hair|gender",
            "celeba: stereotypes|gender"} <= set(sem["maxskew"]["sem-bi"]) and not sem["skipped_benchmarks"]
    for m in ("baseline", "orth-proj", "bend-vlm", "sem-bi"):
        assert set(sem["benchmark_worst_group_accuracy"][m]) == {"celeba", "waterbirds"}
        assert all(0 <= v <= 1 for v in sem["benchmark_accuracy"][m].values())
    report = json.loads((out / "dry_run.json").read_text())
    assert report["profile"] == "paper-vitb16" and report["scale"] == 0.0001
    rows = {r["stage"]: r for r in report["stages"]}
    assert STAGES <= set(rows) and {f"figure {name}" for name in drawn} <= set(rows)
    assert rows["model"]["factor"] == 1 and rows["sae.train"]["factor"] > 1000      # training: steps x batch
    assert all(r["seconds"] > 0 and r["full_seconds"] >= r["seconds"] for r in rows.values())
    assert rows["sae.extract"]["peak_rss_mb"] > 0
    assert "| **total** |" in (out / "dry_run.md").read_text()


def test_assistant_dry_run_from_the_command_line(tmp_path):
    """`debiaslens reproduce --profile paper-llava15-7b --dry-run` on the profile with narrow widths and 224-pixel
    images (the same 24 vision blocks, the site at block 22, LLaVA's layer -2): every stage, the figure, the table.
    The real shapes' dry runs of both assistant profiles are in BENCHMARKS.md."""
    raw = load_asset_json("assistant_profiles", "paper-llava15-7b.json")
    raw["architecture"]["vision"] |= {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4}
    raw["architecture"]["text"] |= {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                                    "num_key_value_heads": 4, "vocab_size": 1000}
    raw["architecture"]["image_size"] = 224
    profile = tmp_path / "paper-llava15-7b-narrow.json"
    profile.write_text(json.dumps(raw))
    run = subprocess.run([sys.executable, "-m", "debiaslens_nb.cli", "reproduce", "--profile", str(profile),
                          "--dry-run", "--out", str(tmp_path)], env={**os.environ, "OMP_NUM_THREADS": "1"},
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "on a GPU at 300 TFLOP/s" in run.stdout
    out = tmp_path / "paper-llava15-7b-dry-run"
    report = json.loads((out / "dry_run.json").read_text())
    assert {r["stage"] for r in report["stages"]} >= {"sae.extract", "sae.train", "localisation", "bench", "general",
                                                      "pruning.importance"}
    assert report["full_seconds"] > report["seconds"] and report["gpu_seconds"] > 0
    figure = json.loads((out / "assistant_tradeoff.json").read_text())
    assert figure["site"] == "vision.block22" and (out / "assistant_tradeoff.png").is_file()
    methods = {r["method"] for r in figure["rows"]}
    assert methods == {"plain", "debiaslens", "debiaslens-all", "random-neurons", "prompt", "pruning"}
    assert "| **total** |" in (out / "dry_run.md").read_text()
