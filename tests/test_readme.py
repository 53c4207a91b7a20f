"""The README's code runs as written: the 'Debias your own open_clip model' block, offline, in a scratch folder."""
import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_python_blocks() -> list[str]:
    "Every ```python block of the README, dedented."
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return ["\n".join(line[2:] if line.startswith("  ") else line for line in b.splitlines()) for b in blocks]


def test_the_readme_fit_and_drop_in_block_runs(tmp_path, monkeypatch):
    block = next(b for b in readme_python_blocks() if "fit_debiaser(" in b and "debias_model(" in b)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    debiased, model, preprocess = scope["debiased"], scope["model"], scope["preprocess"]
    pixels = torch.stack([preprocess(im) for im in list(scope["faces"]["image"])[:4]])
    with torch.no_grad():
        plain, fair = model.encode_image(pixels), debiased.encode_image(pixels)
    assert fair.shape == plain.shape and (tmp_path / "my_bundle" / "README.md").is_file()
    with torch.no_grad():
        assert torch.equal(model.encode_image(pixels), plain)               # the plain model is left plain


def test_the_readme_assistant_block_runs():
    block = next(b for b in readme_python_blocks() if "score_vla(" in b)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    frame, metrics = scope["frame"], scope["metrics"]
    assert len(frame) == 4 * 12 and 0 <= metrics["bias_ratio"] <= 1 and metrics["n_occupations"] == 2
