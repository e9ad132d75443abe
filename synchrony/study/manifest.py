"""The study manifest: one row per item (a video, a session directory or a text table).

Columns (contract): ``path`` (required; relative paths are relative to the manifest's
folder), ``fps`` (required for text tables: their column 1 is person A, column 2 person B),
optional ``id`` (default: the file stem), ``dyad`` (default: the id), ``session``,
``role_A``, ``role_B``, ``calibration`` (a profile from ``synchrony calibrate``, videos
only); every other column is kept as a covariate. A bad manifest raises
:class:`ManifestError` naming the row and column, before anything is written.
"""

from __future__ import annotations

import csv
import glob
import math
from dataclasses import dataclass, field
from pathlib import Path

from synchrony.errors import InputError

KNOWN_COLUMNS = ("path", "fps", "id", "dyad", "session", "role_A", "role_B", "calibration")
"""Manifest columns with a meaning; any other column is a covariate."""
TABLE_SUFFIXES = frozenset({".txt", ".csv", ".tsv", ".dat"})
"""Suffixes read as two-column text tables (MEA output and the like)."""
KINDS = ("video", "session", "table")


class ManifestError(InputError):
    """A bad manifest: the message names the row (1 = first data row) and the column."""


@dataclass(frozen=True, slots=True)
class StudyItem:
    """One item of a study.

    Attributes
    ----------
    id : unique name (the output folder ``items/<id>``).
    path : absolute path of the video, session directory or text table.
    kind : ``"video"``, ``"session"`` or ``"table"``.
    fps : sampling rate of a text table in Hz (NaN for videos and sessions).
    dyad : the dyad the item belongs to (pseudo-dyads never pair one dyad with itself).
    session : session label ("" if none).
    roles : ``{"A": role or None, "B": role or None}``.
    calibration : calibration profile (videos), or None.
    covariates : other manifest columns, as text.
    """

    id: str
    path: Path
    kind: str
    fps: float = math.nan
    dyad: str = ""
    session: str = ""
    roles: dict[str, str | None] = field(default_factory=lambda: {"A": None, "B": None})
    calibration: Path | None = None
    covariates: dict[str, str] = field(default_factory=dict)


def item_kind(path: Path) -> str:
    """``"session"`` for a directory, ``"table"`` for a text table, else ``"video"``."""
    if path.is_dir():
        return "session"
    return "table" if path.suffix.lower() in TABLE_SUFFIXES else "video"


def _fps(text: str, row: int) -> float:
    try:
        fps = float(text)
    except ValueError:
        raise ManifestError(f"manifest row {row}, column fps: not a number: {text!r}") from None
    if not (math.isfinite(fps) and fps > 0):
        raise ManifestError(f"manifest row {row}, column fps: must be > 0, got {text!r}")
    return fps


def _item(cells: dict[str, str], row: int, base: Path) -> StudyItem:
    raw = cells.get("path", "").strip()
    if not raw:
        raise ManifestError(f"manifest row {row}, column path: empty")
    path = Path(raw).expanduser()
    path = (path if path.is_absolute() else base / path).resolve()
    if not path.exists():
        raise ManifestError(f"manifest row {row}, column path: no such file or directory: {raw}")
    kind = item_kind(path)
    fps_text = cells.get("fps", "").strip()
    if kind == "table" and not fps_text:
        raise ManifestError(f"manifest row {row}, column fps: required for the text table {raw}")
    fps = _fps(fps_text, row) if kind == "table" else math.nan
    item_id = cells.get("id", "").strip() or path.stem
    calibration = None
    if cells.get("calibration", "").strip():
        calibration = (base / cells["calibration"].strip()).resolve()
        if not calibration.is_file():
            raise ManifestError(f"manifest row {row}, column calibration: no such file: "
                                f"{cells['calibration'].strip()}")
        if kind != "video":
            raise ManifestError(f"manifest row {row}, column calibration: applies to videos "
                                f"only, not to the {kind} {raw}")
    roles = {p: (cells.get(f"role_{p}", "").strip() or None) for p in ("A", "B")}
    return StudyItem(
        id=item_id, path=path, kind=kind, fps=fps,
        dyad=cells.get("dyad", "").strip() or item_id,
        session=cells.get("session", "").strip(), roles=roles, calibration=calibration,
        covariates={k: v for k, v in cells.items() if k not in KNOWN_COLUMNS})


def _check_ids(items: list[StudyItem]) -> None:
    seen: dict[str, int] = {}
    for row, item in enumerate(items, start=1):
        if item.id in seen:
            raise ManifestError(f"manifest row {row}, column id: duplicate id {item.id!r} (also "
                                f"row {seen[item.id]}); give each row its own id")
        if item.id in (".", "..") or "/" in item.id or "\\" in item.id:
            raise ManifestError(f"manifest row {row}, column id: {item.id!r} cannot name a "
                                "folder")
        seen[item.id] = row


def read_manifest(path: str | Path) -> list[StudyItem]:
    """Read and check a manifest CSV (module docstring); raise ManifestError if bad."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"no such manifest: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            if "path" not in header:
                raise ManifestError(f"manifest {path}: no 'path' column (columns: "
                                    f"{', '.join(header) or 'none'})")
            rows = [{(k or "").strip(): (v or "") for k, v in r.items()} for r in reader]
    except UnicodeDecodeError:
        raise ManifestError(f"manifest {path} is not UTF-8 text") from None
    if not rows:
        raise ManifestError(f"manifest {path} has no rows")
    items = [_item(cells, row, path.parent) for row, cells in enumerate(rows, start=1)]
    _check_ids(items)
    return items


def glob_items(pattern: str, fps: float | None = None) -> list[StudyItem]:
    """Items from a glob pattern (``'recordings/*/'``), sorted by path; ``fps`` for tables."""
    paths = sorted(Path(p) for p in glob.glob(pattern))
    if not paths:
        raise ManifestError(f"--glob {pattern!r} matches nothing")
    cells = [{"path": str(p.resolve()), "fps": "" if fps is None else str(fps),
              "id": p.name if p.is_dir() else p.stem} for p in paths]
    items = [_item(c, row, Path.cwd()) for row, c in enumerate(cells, start=1)]
    _check_ids(items)
    return items
