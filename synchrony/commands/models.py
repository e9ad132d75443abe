"""``synchrony models [status | fetch | verify]``: show, download and check MediaPipe bundles.

* ``status`` (default): for each bundle, the file that would be used, where it was found,
  its size and whether its sha256 matches the pinned one.
* ``fetch``: download missing bundles (or corrupt ones in the cache) into the user cache.
  This is the only command that uses the network.
* ``verify``: hash-check every bundle file found in every search location; exit status 2
  if any is corrupt or does not match its pinned sha256.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from synchrony.capture import bundles as models
from synchrony.capture.bundles import ModelSpec, ModelStatus

_VARIANTS = ("lite", "full", "all")
_HEADER_STATUS = ("model", "file", "found in", "size", "sha256 check")
_HEADER_VERIFY = ("model", "path", "size", "sha256", "check")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``models`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "models",
        help="show, fetch or verify the MediaPipe model bundles",
        description="Show where the MediaPipe model bundles are found (status), download "
        "missing ones into the user cache (fetch; the only network access synchrony makes) "
        "or hash-check every bundle file found (verify; exit status 2 if one is corrupt). "
        "Search order: --model-dir, $SYNCHRONY_MODEL_DIR, the user cache.",
    )
    parser.add_argument("action", nargs="?", choices=("status", "fetch", "verify"),
                        default="status", help="what to do (default: status)")
    parser.add_argument("--variant", choices=_VARIANTS, default=None,
                        help="pose variant(s): for fetch default lite, otherwise all; "
                        "the face bundle is always included")
    parser.add_argument("--model-dir", metavar="DIR", default=None,
                        help="directory searched before $SYNCHRONY_MODEL_DIR and the cache")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``synchrony models``; return the exit status."""
    actions: dict[str, Callable[[argparse.Namespace], int]] = {
        "status": _status, "fetch": _fetch, "verify": _verify,
    }
    return actions[args.action](args)


def _selected_specs(variant: str) -> list[ModelSpec]:
    """Face bundle(s) plus the requested pose variant(s)."""
    return [spec for spec in models.registry()
            if spec.kind != "pose" or variant in ("all", spec.variant)]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Format rows as left-aligned columns separated by two spaces."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in (header, *rows)]
    return "\n".join(line.rstrip() for line in lines)


def _size(status: ModelStatus) -> str:
    return f"{status.check.size:,}" if status.check is not None else "-"


def _result(status: ModelStatus) -> str:
    if status.check is None:
        return models.MISSING
    if status.check.usable:
        note = f" ({status.note})" if status.note else ""
        return f"{status.state}{note}"
    return f"{status.state.upper()}: {status.check.problem}"


def _status_row(status: ModelStatus) -> tuple[str, ...]:
    spec = status.spec
    if status.check is None or status.location is None:
        return spec.label, " | ".join(spec.names), "-", "-", models.MISSING
    return (spec.label, status.check.path.name, status.location.describe(), _size(status),
            _result(status))


def _status(args: argparse.Namespace) -> int:
    statuses = models.model_status(model_dir=args.model_dir,
                                   specs=_selected_specs(args.variant or "all"))
    print(_table(_HEADER_STATUS, [_status_row(status) for status in statuses]))
    print(f"\ncache: {models.default_cache_dir()}")
    if any(status.check is None for status in statuses):
        print("missing bundles: run `synchrony models fetch` (downloads from "
              f"{models.resolve_base_url()}), or pass --model-dir DIR, or set "
              f"{models.ENV_MODEL_DIR}=DIR")
    return 0


def _verify(args: argparse.Namespace) -> int:
    statuses = models.scan_models(model_dir=args.model_dir,
                                  specs=_selected_specs(args.variant or "all"))
    rows = [(status.spec.label, str(status.check.path), _size(status), status.check.sha256,
             _result(status))
            for status in statuses if status.check is not None]
    if not rows:
        print("no model bundle found; nothing to verify")
        return 0
    print(_table(_HEADER_VERIFY, rows))
    bad = [status for status in statuses if status.check is not None and not status.check.usable]
    print(f"\n{len(rows)} file(s) checked, {len(bad)} corrupt or mismatched")
    if bad:
        paths = ", ".join(str(status.check.path) for status in bad if status.check is not None)
        print(f"synchrony models: error: corrupt model file(s): {paths}", file=sys.stderr)
        return 2
    return 0


def _progress_printer(name: str) -> models.ProgressCallback | None:
    """Return a callback that shows download progress on a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int | None) -> None:
        amount = f"{100 * done // total:3d}%" if total else f"{done:,} bytes"
        print(f"\r  {name}: {amount}", end="", file=sys.stderr, flush=True)

    return show


def _fetch(args: argparse.Namespace) -> int:
    rows = []
    for spec in _selected_specs(args.variant or "lite"):
        progress = _progress_printer(spec.official.name)
        path, downloaded = models.fetch_model(spec, model_dir=args.model_dir, progress=progress)
        if progress is not None and downloaded:
            print(file=sys.stderr)
        rows.append((spec.label, "downloaded" if downloaded else "present", str(path)))
    print(_table(("model", "action", "path"), rows))
    return 0
