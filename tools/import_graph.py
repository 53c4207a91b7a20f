"""The package's import graph: every import of one `debiaslens_nb` module by another (module level or inside a
function), checked against the reading order. Exits 1 on a cycle, an import of a module whose chapter comes later
(an arrow back up), or more than `--max-private` private names imported across modules.

    python tools/import_graph.py [--max-private 3] [--show]
"""
import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "debiaslens_nb"


def chapter_of_module() -> dict[str, str]:
    "module name -> the notebook that exports it (its place in the reading order)."
    out = {}
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        m = re.search(r"#\| default_exp (\w+)", nb.read_text())
        if m: out[m.group(1)] = nb.stem
    return out


def imports(modules: set[str]) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    "(module -> modules it imports, [(importer, owner, private name)])."
    edges, private = {m: set() for m in modules}, []
    for m in sorted(modules):
        for node in ast.walk(ast.parse((PKG / f"{m}.py").read_text())):
            if isinstance(node, ast.ImportFrom):
                name = node.module or ""
                if node.level == 1: target = name.split(".")[0] or None
                elif name.startswith("debiaslens_nb."): target = name.split(".")[1]
                elif name == "debiaslens_nb": target = None
                else: continue
                if target is None:
                    edges[m] |= {a.name for a in node.names if a.name in modules}
                    continue
                edges[m].add(target)
                private += [(m, target, a.name) for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Import):
                edges[m] |= {a.name.split(".")[1] for a in node.names if a.name.startswith("debiaslens_nb.")}
    return edges, private


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-private", type=int, default=3)
    ap.add_argument("--show", action="store_true", help="print every module's imports")
    args = ap.parse_args()
    chapter = chapter_of_module()
    modules = {p.stem for p in PKG.glob("*.py") if p.stem in chapter}
    edges, private = imports(modules)
    problems = [f"{a} ({chapter[a]}) imports {b} ({chapter[b]}), a later chapter"
                for a in sorted(edges) for b in sorted(edges[a]) if b in chapter and chapter[b] >= chapter[a]]
    if args.show:
        for a in sorted(edges, key=chapter.get): print(f"{a:14} -> {', '.join(sorted(edges[a], key=chapter.get))}")
    for owner_user in private: print("private import: %s imports %s.%s" % owner_user)
    if len(private) > args.max_private:
        problems.append(f"{len(private)} private names imported across modules (at most {args.max_private})")
    for p in problems: print("error:", p)
    print(f"{len(modules)} modules, {sum(map(len, edges.values()))} imports, {len(private)} private, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
