"""Fault injection: a process killed at each write point of an SAE checkpoint, and two processes building the same
cached artefact at once. The in-process cases (a hook that raises between two files, corrupt and truncated cache
entries, bad manifests, foreign folders) are tested in the chapters (`04_activations`, `05_sae`, `13_cli`).

Battery of cases, by category (where each is tested):
- kill during a checkpoint write: mid state file, after the state file, between weights and config (here, SIGKILL)
- kill at a random moment of a loop of SAE saves and of bundle overwrites: the folder holds the old save or the new
  one, whole, never a new SAE with an old neuron list; the killed writer's temp folders are cleaned (here, SIGKILL)
- exception between the two files of a checkpoint (`05_sae`)
- resume with another batch size, seed or config (`05_sae`)
- damaged cache entries: same-size corruption and truncation of an activation shard (`04_activations`),
  of an SAE (`05_sae`), unreadable text embeddings and SAEs rebuilt with a warning (`13_cli`)
- invalid manifests and a store with fewer rows than its manifest: named errors, never a hang (`04_activations`)
- a user's folder passed as a store directory: refused, nothing deleted (`04_activations`)
- NaN/inf and absurd magnitudes written to a store or trained on (`00_core`, `04_activations`)
- silent coercions refused: float/bool neuron ids, bool/float/tensor k, non-int group sizes, 1 vs "1" labels
  (`05_sae`, `06_neurons`, `07_intervene`)
- profiles: not an object, missing sections, unknown keys, wrong types; the CLI's one-line errors (`13_cli`)
- two processes building the same FaceWorld cache entry (here)
"""
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import torch

from debiaslens_nb.sae import SAE, SAEConfig, train_sae

STEPS, EVERY, KILL_AT = 60, 20, "40"

POINTS = {"mid-state": 20, "after-state": 40, "before-config": 40}        # kill point -> the step resumed from

FORKED = textwrap.dedent("""
    import os, signal
    def run_forked(label, work):
        "Run `work` in a forked child (the imports already paid) and print `label` and whether it died by SIGKILL."
        pid = os.fork()
        if pid == 0:
            work()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print(label, "killed" if killed else status, flush=True)
""")


def run_killed_in_forks(script: str, *args, labels) -> None:
    "Run a script whose children must each die by SIGKILL, one per label, in order."
    proc = subprocess.run([sys.executable, "-c", FORKED + script, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0 and proc.stdout.split() == [w for x in labels for w in (str(x), "killed")], \
        proc.stdout + proc.stderr


TRAINER = textwrap.dedent("""
    import os, signal, sys, torch
    import debiaslens_nb.sae_model as S
    import debiaslens_nb.sae_training as T
    base, points = sys.argv[1], sys.argv[2:]
    x = torch.randn(512, 16, generator=torch.Generator().manual_seed(0))
    def die(): os.kill(os.getpid(), signal.SIGKILL)
    def train_until_killed(point, ckpt):
        state = {"at_kill_step": False}
        real_save_file, real_sae_save, real_write_json = T.save_file, S.SAE.save, S.write_json
        def save_file(tensors, path, metadata=None):
            if metadata is not None and metadata.get("step") == "%s":
                state["at_kill_step"] = True
                if point == "mid-state":
                    real_save_file(tensors, path, metadata=metadata)
                    with open(path, "r+b") as f: f.truncate(os.path.getsize(path) // 2)
                    die()
            return real_save_file(tensors, path, metadata=metadata)
        def sae_save(self, directory):
            if state["at_kill_step"] and point == "after-state": die()
            return real_sae_save(self, directory)
        def write_json(path, obj):
            if state["at_kill_step"] and point == "before-config" and str(path).endswith("config.json"): die()
            return real_write_json(path, obj)
        T.save_file, S.SAE.save, S.write_json = save_file, sae_save, write_json
        sae = S.SAE(S.SAEConfig(d_in=16, d_sae=48, kind="batchtopk", k=2), seed=0)
        T.train_sae(sae, x, steps=%d, batch_size=64, progress=False, checkpoint_dir=ckpt, checkpoint_every=%d)
    for point in points:                                 # one trainer per kill point, forked once the imports are paid
        run_forked(point, lambda: train_until_killed(point, os.path.join(base, point)))
""" % (KILL_AT, STEPS, EVERY))


def data():
    return torch.randn(512, 16, generator=torch.Generator().manual_seed(0))


def fresh():
    return SAE(SAEConfig(d_in=16, d_sae=48, kind="batchtopk", k=2), seed=0)


@pytest.fixture(scope="module")
def straight():
    sae = fresh()
    result = train_sae(sae, data(), steps=STEPS, batch_size=64, progress=False)
    return sae, result


@pytest.fixture(scope="module")
def killed_checkpoints(tmp_path_factory):
    "Each kill point's checkpoint folder, left by a trainer killed there (one subprocess, one fork per point)."
    base = tmp_path_factory.mktemp("killed")
    run_killed_in_forks(TRAINER, base, *POINTS, labels=POINTS)
    return base


@pytest.mark.xdist_group("faults-checkpoints")           # one worker: the two fixtures are computed once
@pytest.mark.parametrize("point", list(POINTS))
def test_killed_checkpoint_resumes_bit_identically(killed_checkpoints, straight, point):
    ckpt = killed_checkpoints / point
    sae = fresh()
    result = train_sae(sae, data(), steps=STEPS, batch_size=64, progress=False, checkpoint_dir=ckpt, resume=True)
    assert result.resumed_from == POINTS[point]
    want, _ = straight
    assert all(torch.equal(a, b) for a, b in zip(want.state_dict().values(), sae.state_dict().values()))
    assert not list(ckpt.glob(".*.tmp")), "stale temp files were not cleaned"
    copy = SAE.load(ckpt / "sae")                                   # the user copy of the last checkpoint
    assert all(torch.equal(a, b) for a, b in zip(want.state_dict().values(), copy.state_dict().values()))


def _build_faceworld(cache: str) -> list:
    os.environ["DEBIASLENS_CACHE"] = cache
    from debiaslens_nb.cached_data import _cached_faceworld
    ds = _cached_faceworld(48, "eval", 3)
    return [ds[i]["gender"] + ds[i]["occupation"] for i in range(len(ds))]


def test_two_processes_build_the_same_faceworld_cache(tmp_path):
    for trial in range(3):
        cache = str(tmp_path / f"cache{trial}")
        with ProcessPoolExecutor(2) as pool:
            a, b = pool.map(_build_faceworld, [cache, cache])
        assert a == b and len(a) == 48
        assert not [p for p in Path(cache, "faceworld").iterdir() if p.name.startswith(".")]   # no temp folder left


def test_a_killed_builders_temp_folder_is_cleaned(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBIASLENS_CACHE", str(tmp_path))
    from debiaslens_nb.cached_data import _cached_faceworld
    _cached_faceworld(8, "eval", 4)
    entry = next(p for p in (tmp_path / "faceworld").iterdir() if p.is_dir())
    stale = entry.with_name(f".{entry.name}.new-deadbeef-999999999")    # the temp folder of a builder that died
    stale.mkdir()
    (stale / "data-00000-of-00001.arrow").write_bytes(b"half written")
    (entry / "dataset_info.json").unlink()                     # the entry must be built again
    _cached_faceworld(8, "eval", 4)
    assert not stale.exists()


def test_a_killed_saves_temp_files_are_cleaned_when_the_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBIASLENS_CACHE", str(tmp_path))
    from debiaslens_nb.pipeline import _train_cached
    from debiaslens_nb.profiles import SAESpec
    cfg, x = SAEConfig(d_in=8, d_sae=16, kind="topk", k=2), torch.randn(64, 8)
    spec = SAESpec("topk", k=2, steps=5, batch_size=32, d_sae=16)
    _train_cached(cfg, x, "toy", spec, 0, False)
    entry = next(p for p in (tmp_path / "sae").iterdir() if p.is_dir())
    stale = entry / ".model.safetensors.12345.tmp"
    stale.write_bytes(b"half written")
    (entry / "config.json").unlink()                           # the entry must be built again
    _train_cached(cfg, x, "toy", spec, 0, False)
    assert not stale.exists() and SAE.load(entry).cfg == cfg


SAVER = textwrap.dedent("""
    import os, random, signal, sys, threading
    from pathlib import Path
    import torch
    from debiaslens_nb.sae import SAE, SAEConfig
    what, base, trials = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    a, b = SAE(SAEConfig(d_in=64, d_sae=2048, k=4), seed=1), SAE(SAEConfig(d_in=64, d_sae=4096, k=4), seed=2)
    if what == "bundle":
        from debiaslens_nb.fit import save_pretrained
        from debiaslens_nb.intervene import debias
        from debiaslens_nb.vlm import random_tiny_clip
        vlm = random_tiny_clip(base / "clip", seed=0)
        a, b = debias(vlm, "image.block1", a, [1, 2]), debias(vlm, "image.block1", b, [3000, 3001])
        save = lambda m, target: save_pretrained(m, target, overwrite=True)
    else:
        save = lambda m, target: m.save(target)
    def save_until_killed(trial, target):
        die = lambda: os.kill(os.getpid(), signal.SIGKILL)
        threading.Timer(random.Random(trial).uniform(0.0, 0.3), die).start()
        while True:
            save(b, target); save(a, target)
    for trial in range(trials):          # one writer per trial, forked once the imports are paid, killed at random
        save(a, base / f"out{trial}")
        run_forked(trial, lambda: save_until_killed(trial, base / f"out{trial}"))
""")


@pytest.mark.parametrize("what", ["sae", "bundle"])
def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_folder_whole(tmp_path, what):
    from debiaslens_nb.intervene import load_bundle
    from debiaslens_nb.models import load_vlm
    trials, seen = 5, set()
    run_killed_in_forks(SAVER, what, tmp_path, trials, labels=range(trials))
    for trial in range(trials):
        target = tmp_path / f"out{trial}"
        if what == "sae":
            seen.add(SAE.load(target).cfg.d_sae)                      # checksummed: a mixed folder would not load
        else:
            loaded = load_bundle(target, load_vlm(tmp_path / "clip"))
            pair = (loaded.intervention.sae.cfg.d_sae, loaded.intervention.neurons)
            assert pair in ((2048, [1, 2]), (4096, [3000, 3001])), pair   # never the new SAE with the old neurons
            seen.add(pair[0])
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{target.name}.")]
        assert not leftovers, f"loading did not clean the killed writer's temp folders: {leftovers}"
    assert seen, "no save finished before a kill"
