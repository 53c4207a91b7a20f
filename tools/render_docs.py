"""Render every chapter notebook to HTML, executed, without quarto: `make docs` (output in _html/).

Cells flagged `#| slow`, `#| gpu`, `#| notest` or `#| eval: false` are shown but not run, as in `nbdev-test`.
The nbdev site itself (quarto) is built by .github/workflows/deploy.yml.

    python tools/render_docs.py [notebooks ...] [--out _html]
"""
import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

SKIP = re.compile(r"^#\|\s*(slow|gpu|notest|eval:\s*false)\b", re.M)
ROOT = Path(__file__).resolve().parents[1]


def render(path: Path, out_dir: Path) -> Path:
    "Execute `path` (skipping flagged cells) in its own folder and write `<out_dir>/<stem>.html`."
    nb = nbformat.read(path, as_version=4)
    skipped = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and SKIP.search(cell.source):
            skipped[i], cell.source = cell.source, ""                      # not run; its source is put back below
    NotebookClient(
        nb, kernel_name="python3", timeout=1800, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    for i, source in skipped.items(): nb.cells[i].source = source
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    target = out_dir / f"{path.stem}.html"
    target.write_text(html)
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter in nbs/ (not the figure notebooks)")
    ap.add_argument("--out", type=Path, default=ROOT / "_html")
    args = ap.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "nbs").glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        t0 = time.perf_counter()
        target = render(nb.resolve(), args.out)
        print(
            f"{target.relative_to(args.out.parent) if args.out.parent in target.parents else target} "
            f" ({time.perf_counter() - t0:.0f} s)"
        )
    index = "".join(f'<li><a href="{nb.stem}.html">{nb.stem}</a></li>' for nb in notebooks)
    (args.out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>debiaslens-nb "
        f"chapters</title><h1>debiaslens-nb</h1><ul>{index}</ul>\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
