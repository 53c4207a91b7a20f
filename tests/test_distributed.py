"""Two gloo processes against one: multi-process SAE training and activation collection give the same result,
and a run killed mid-way resumes to it (issue 15)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from debiaslens_nb.activations import ActivationStore
from debiaslens_nb.collect import collect_activations
from debiaslens_nb.models import load_vlm
from debiaslens_nb.vlm import random_tiny_clip

WORKER = Path(__file__).with_name("distributed_worker.py")
pytestmark = pytest.mark.xdist_group("distributed")      # one worker: the single-process fixture is computed once
sys.path.insert(0, str(WORKER.parent))
from distributed_worker import KINDS, images  # noqa: E402


def torchrun(*args, nproc: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", str(WORKER),
           *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def trained(out: Path, kind: str) -> tuple[dict, dict]:
    return load_file(str(out / f"{kind}.safetensors")), json.loads((out / f"{kind}.json").read_text())


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("one")
    run = torchrun("train", out, nproc=1)
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def test_two_processes_train_the_same_sae(one_process, tmp_path):
    run = torchrun("train", tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    for kind in KINDS:
        (single, log1), (double, log2) = trained(one_process, kind), trained(tmp_path, kind)
        for name, w in single.items():
            torch.testing.assert_close(double[name], w, atol=1e-5, rtol=1e-4, msg=f"{kind}.{name}")
        assert log2["losses"] == pytest.approx(log1["losses"], rel=1e-4, abs=1e-6), kind


def test_killed_training_resumes_to_the_same_sae(one_process, tmp_path):
    kind = "matryoshka_batchtopk"                                 # batch top-k, AuxK and the threshold all in play
    killed = torchrun("train-killed", tmp_path, kind)
    assert killed.returncode != 0                                 # every rank died at step 25
    assert (tmp_path / f"ckpt-{kind}" / "trainer_state.safetensors").is_file()
    run = torchrun("train-resume", tmp_path, kind)
    assert run.returncode == 0, run.stderr[-3000:]
    (single, _), (resumed, log) = trained(one_process, kind), trained(tmp_path, kind)
    assert log["resumed_from"] == 20
    for name, w in single.items():
        torch.testing.assert_close(resumed[name], w, atol=1e-5, rtol=1e-4, msg=name)


def assert_same_store(a: ActivationStore, b: ActivationStore) -> None:
    assert torch.equal(a.tensor(), b.tensor())
    assert torch.equal(a.sample_ids(), b.sample_ids())
    token_ids = [torch.cat([s.load_shard(i)["token_ids"] for i in range(len(s.shards))]) for s in (a, b)]
    assert torch.equal(*token_ids)


def test_two_processes_collect_the_single_process_store_and_a_killed_rank_is_redone(tmp_path):
    """Rank 1 dies on its last batch after rank 0's part is complete; the same command again redoes rank 1 alone,
    keeps rank 0's part, and merges the two into the single-process store (the clean two-process run is the command
    line's `extract --nproc 2` below)."""
    clip = tmp_path / "clip"
    single = collect_activations(random_tiny_clip(clip, seed=0), "image.block1", images(), tokens="random:2",
                                 batch_size=4, shard_size=6, directory=tmp_path / "single", progress=False)
    killed = torchrun("collect-killed", tmp_path / "two", clip)
    assert killed.returncode != 0
    store = tmp_path / "two" / "store"
    part0, part1 = store / "rank-000-of-002", store / "rank-001-of-002"
    assert (part0 / "manifest.json").is_file() and not (part1 / "manifest.json").exists()
    assert list(part1.glob("shard_*.safetensors")) and not (store / "manifest.json").exists()
    kept = {p.name: p.stat().st_mtime_ns for p in part0.iterdir()}
    run = torchrun("collect", tmp_path / "two", clip)
    assert run.returncode == 0, run.stderr[-3000:]
    assert {p.name: p.stat().st_mtime_ns for p in part0.iterdir()} == kept     # rank 0's finished part untouched
    merged = ActivationStore(store)
    merged.verify()
    assert merged.manifest["ranks"] == 2 and merged.n_samples == 22
    assert_same_store(merged, single)
    # the pipeline reads it like any store: the same call in one process finds it complete and runs no model
    again = collect_activations(load_vlm(clip), "image.block1", images(), tokens="random:2", batch_size=4,
                                shard_size=6, directory=store, progress=False)
    assert again.manifest["ranks"] == 2


def small_minilm_profile(path: Path) -> Path:
    "A MiniLM profile small enough for two processes in a test."
    from debiaslens_nb.core import load_asset_json
    from debiaslens_nb.profiles import apply_override
    raw = apply_override(load_asset_json("profiles", "minilm.json"), {
        "name": "minilm-small", "sae_data": {"n": 120}, "sae": {"steps": 20, "batch_size": 128},
        "sem_sae": {"steps": 10, "corpus_size": 128, "d_sae": 256, "corpus": "people"}})
    path.write_text(json.dumps(raw))
    return path


def debiaslens(*args, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DEBIASLENS_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "debiaslens_nb.cli", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=600)


def test_command_line_extract_and_train_on_two_processes(tmp_path):
    import shutil
    profile = small_minilm_profile(tmp_path / "small.json")
    one, two = tmp_path / "cache-one", tmp_path / "cache-two"
    run = debiaslens("extract", "--profile", profile, "--out", tmp_path / "store-two", "--nproc", "2", cache=two)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout)["processes"] == 2
    run = debiaslens("train-sae", "--profile", profile, cache=one)              # one process: store and SAEs
    assert run.returncode == 0, run.stderr[-3000:]
    stores = list((one / "activations").glob("text.block5-*"))
    assert_same_store(ActivationStore(tmp_path / "store-two"), ActivationStore(stores[0]))
    shutil.copytree(one / "activations", two / "activations")                  # the same store, no SAE yet
    run = debiaslens("train-sae", "--profile", profile, "--nproc", "2", cache=two)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout)["processes"] == 2
    saes = sorted(p.name for p in (one / "sae").iterdir() if p.is_dir())
    assert saes and saes == sorted(p.name for p in (two / "sae").iterdir() if p.is_dir())
    for name in saes:                                       # the SAE and SEM's MSAE: data-parallel == one process
        a, b = (load_file(str(cache / "sae" / name / "model.safetensors")) for cache in (one, two))
        for key, w in a.items():
            torch.testing.assert_close(b[key], w, atol=1e-5, rtol=1e-4, msg=f"{name}.{key}")
