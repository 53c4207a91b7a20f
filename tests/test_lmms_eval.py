"""The `lmms-eval` command line on our debiased assistant (`10d_lmms_eval`): a tiny InternVL saved as a folder, a
bundle fitted on it, a local task in MME's schema, and `lmms-eval --model debiaslens --model_args pretrained=...,
bundle=...` run as a user would run it. What lmms-eval logs must be what the package's own generation answers. The
plain assistant through lmms-eval (`simple_evaluate`, the same model class without `bundle=`) is checked in
`10d_lmms_eval`."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from debiaslens_nb.dropin import debias_model
from debiaslens_nb.faceworld import draw_face
from debiaslens_nb.fit import fit_debiaser
from debiaslens_nb.lmms_eval_model import mme_task
from debiaslens_nb.lvlm import load_lvlm, tiny_lvlm

LMMS_EVAL = Path(sys.executable).with_name("lmms-eval")
POST_PROMPT = "\nAnswer the question using a single word or phrase."


def _run(out: Path, model_args: str, task_dir: Path) -> list[dict]:
    "Run the lmms-eval CLI; the logged samples of the task, in document order."
    cmd = [str(LMMS_EVAL), "--model", "debiaslens", "--model_args", model_args, "--include_path", str(task_dir),
           "--tasks", "faces_mme", "--batch_size", "2", "--output_path", str(out), "--log_samples"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = list(out.rglob("*_results.json"))
    assert len(results) == 1, sorted(p.name for p in out.rglob("*"))
    assert "mme_perception_score,none" in json.loads(results[0].read_text())["results"]["faces_mme"]
    lines = [json.loads(line) for f in out.rglob("*_samples_faces_mme.jsonl") for line in f.read_text().splitlines()]
    return sorted(lines, key=lambda s: s["doc_id"])


@pytest.mark.xdist_group("lmms_eval")
def test_lmms_eval_cli(tmp_path):
    rng = np.random.default_rng(0)
    tones = ["reddish", "bluish"] * 30          # groups a random tower separates (as in 07b_fit)
    tinted = [Image.fromarray(np.clip(np.array((220, 60, 40) if t == "reddish" else (40, 60, 220))
                                      + rng.normal(0, 25, (32, 32, 3)), 0, 255).astype("uint8")) for t in tones]
    faces = [draw_face("doctor", g, "light", "young", 0.0, rng, 32) for g in ("female", "male", "female")]
    folder = tmp_path / "assistant"
    tiny = tiny_lvlm("internvl")
    tiny.model.save_pretrained(folder)
    tiny.processor.save_pretrained(folder)
    assistant = load_lvlm(folder)
    fitted = fit_debiaser(assistant, tinted, {"tone": tones}, out=tmp_path / "bundle", steps=200, batch_size=64,
                          k=8, progress=False)
    assert any(fitted.report["neurons"]["tone"].values()), fitted.report["neurons"]   # the bundle removes something
    questions = ["Is there a person in the image? Please answer yes or no.",
                 "Is there a cat in the image? Please answer yes or no."] * 3
    image_ids = [0, 0, 1, 1, 2, 2]
    task_dir = mme_task(tmp_path / "task", faces, questions, ["Yes", "No"] * 3, image_ids, name="faces_mme")
    prompts = [q.replace(" Please answer yes or no.", "") + POST_PROMPT for q in questions]
    images = [faces[i] for i in image_ids]
    samples = _run(tmp_path / "debiased", f"pretrained={folder},bundle={tmp_path / 'bundle'}", task_dir)
    assert [s["doc_id"] for s in samples] == list(range(len(questions)))
    debiased = debias_model(assistant, tmp_path / "bundle")
    direct = debiased.generate(images, [debiased.chat(p) for p in prompts], max_new_tokens=16)
    assert [s["filtered_resps"] for s in samples] == direct
