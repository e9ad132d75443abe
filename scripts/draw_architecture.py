"""Draw the rooms of synchrony and the imports between them: ``docs/architecture.png``.

The rooms and their order come from the layers contract in ``pyproject.toml`` (the same
one import-linter checks); the arrows are the imports found in the code (grimp, the graph
library behind import-linter), on the installed layout that ``scripts/lint_imports.py``
builds. Usage: ``python scripts/draw_architecture.py [OUT.png]``.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_imports import ROOT, installed_layout  # noqa: E402

BOX_W, BOX_H, GAP_X, GAP_Y = 2.6, 0.8, 0.3, 0.3


def layers() -> list[list[str]]:
    """Return the rooms of the layers contract, top layer first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "layers")
    return [[m.strip() for m in layer.replace(":", "|").split("|")]
            for layer in contract["layers"]]


def room_edges(rooms: list[str]) -> set[tuple[str, str]]:
    """Find the (importer room, imported room) pairs in the code."""
    import grimp

    with installed_layout() as tmp:
        sys.path.insert(0, tmp)
        graph = grimp.build_graph("synchrony", cache_dir=None)
    def room_of(module: str) -> str | None:
        matches = [r for r in rooms if module == r or module.startswith(r + ".")]
        return max(matches, key=len) if matches else None
    edges = set()
    for importer in graph.modules:
        src = room_of(importer)
        for imported in graph.find_modules_directly_imported_by(importer):
            dst = room_of(imported)
            if src and dst and src != dst:
                edges.add((src, dst))
    return edges


def draw(out: Path) -> None:
    """Draw the rooms top layer first; under each room's name, the rooms it imports."""
    rows = layers()
    rooms = [r for row in rows for r in row]
    edges = room_edges(rooms)
    width = max(len(row) for row in rows) * (BOX_W + GAP_X)
    fig, ax = plt.subplots(figsize=(width * 1.15, len(rows) * (BOX_H + GAP_Y) * 1.1))
    for i, row in enumerate(rows):
        y = -i * (BOX_H + GAP_Y)
        x0 = (width - len(row) * (BOX_W + GAP_X)) / 2
        for j, room in enumerate(row):
            x = x0 + j * (BOX_W + GAP_X)
            uses = sorted(d.removeprefix("synchrony.") for s_, d in edges if s_ == room)
            ax.add_patch(FancyBboxPatch((x, y), BOX_W, BOX_H, boxstyle="round,pad=0.02",
                                        fc="#dbe7f3", ec="#2b5d8a", lw=1.0))
            ax.text(x + BOX_W / 2, y + BOX_H * 0.76, room.removeprefix("synchrony."),
                    ha="center", va="center", fontsize=11, weight="bold")
            ax.text(x + BOX_W / 2, y + BOX_H * 0.33, _wrap("uses " + ", ".join(uses))
                    if uses else "uses nothing of the product", ha="center", va="center",
                    fontsize=6.5, color="#333333")
        if i < len(rows) - 1:
            ax.add_patch(FancyArrowPatch((width / 2, y - 0.04), (width / 2, y - GAP_Y + 0.04),
                                         arrowstyle="-|>", mutation_scale=10, lw=0.8,
                                         color="#8a8f98"))
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-(len(rows) - 1) * (BOX_H + GAP_Y) - 0.2, BOX_H + 0.3)
    ax.set_title("synchrony's rooms: each imports only rooms below it (checked by "
                 "import-linter)", fontsize=10)
    ax.axis("off")
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _wrap(text: str, width: int = 42) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "architecture.png"
    os.environ.setdefault("MPLBACKEND", "Agg")
    draw(target)
    print(f"wrote {target}")
