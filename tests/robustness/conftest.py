"""Shared helpers for the robustness suite (``tests/robustness/``, issue 13).

Every robustness test runs the real command line in a subprocess (``python -m synchrony``),
as a researcher would, and checks the promise of the README: bad input gives one line on
stderr and exit 2, other failures one line and exit 1, never a traceback, and no library
noise around it.

Helpers (imported by the other robustness files)::

    run_cli(args, timeout_s=120.0, *, env=None, cwd=None) -> subprocess.CompletedProcess[str]
    assert_one_line_error(result, exit_code, contains, *, max_foreign_lines=2) -> None
    assert_success(result) -> None
    foreign_lines(stderr) -> list[str]
    library_noise(stderr) -> list[str]
    listing(directory) -> set[str]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tests.shared import REPO_ROOT, model_dir

#: Lines the product writes itself: its one-line errors, its log records (synchrony/logs.py),
#: argparse's usage block.
_OURS = re.compile(r"^(synchrony\b|warning: |error: |debug: |usage: )")
#: A progress bar line (synchrony/progress.py, not on a terminal): "label [###---] 3/10 (…)".
_PROGRESS = re.compile(r"^\S.* (\[[#-]{30}\] )?\d+(/\d+)? \(\d+\.\d/s")
#: Lines that certainly come from a library, not from synchrony: glog (MediaPipe, TFLite,
#: absl), OpenCV's logger, FFmpeg's "[codec @ 0x…]", Python's own exception reports.
_NOISE = re.compile(
    r"^([IWEF]\d{4} |\[ ?(WARN|ERROR|INFO|DEBUG)|\[[\w,]+ @ 0x|INFO: |WARNING: All log"
    r"|Exception ignored|Traceback|\s+File \"|OpenCV|objc\[|QStandardPaths|qt\.)"
)


def run_cli(args: Sequence[str | os.PathLike[str]], timeout_s: float = 120.0, *,
            env: Mapping[str, str] | None = None,
            cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m synchrony ARGS`` in a subprocess and return its result (text mode).

    Parameters
    ----------
    args : the arguments after ``synchrony`` (``["analyze", video, "--out", out]``).
    timeout_s : seconds before the process is killed (``subprocess.TimeoutExpired``).
    env : extra environment variables (on top of this process's environment).
    cwd : working directory; default: the repository root.

    The child gets ``SYNCHRONY_MODEL_DIR`` from :func:`tests.shared.model_dir` and
    ``QT_QPA_PLATFORM=offscreen``; stdin is closed (``/dev/null``).
    """
    child_env = dict(os.environ)
    child_env["SYNCHRONY_MODEL_DIR"] = str(model_dir())
    child_env["QT_QPA_PLATFORM"] = "offscreen"
    child_env["PYTHONUNBUFFERED"] = "1"
    child_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "synchrony", *map(str, args)],
        capture_output=True, text=True, timeout=timeout_s, env=child_env,
        cwd=str(cwd if cwd is not None else REPO_ROOT), stdin=subprocess.DEVNULL, check=False,
    )


def foreign_lines(stderr: str) -> list[str]:
    """Non-empty stderr lines the product did not write (library noise, stray prints).

    Ours: lines starting ``synchrony``, ``warning:``, ``error:``, ``debug:``, argparse's
    ``usage:`` block (and its indented continuation lines), progress-bar lines.
    """
    foreign: list[str] = []
    in_usage = False
    for line in stderr.splitlines():
        if not line.strip():
            continue
        if line.startswith("usage: "):
            in_usage = True
            continue
        if in_usage and line[:1].isspace():
            continue
        in_usage = False
        if _OURS.match(line) or _PROGRESS.match(line):
            continue
        foreign.append(line)
    return foreign


def library_noise(stderr: str) -> list[str]:
    """Stderr lines that are recognisably library noise (see ``_NOISE``), in order."""
    return [line for line in stderr.splitlines() if _NOISE.match(line)]


def assert_success(result: subprocess.CompletedProcess[str]) -> None:
    """Assert exit 0, no traceback and no library noise on stderr (:func:`library_noise`)."""
    context = f"\n--- exit {result.returncode}; stderr:\n{result.stderr}"
    assert result.returncode == 0, "command failed" + context
    assert "Traceback" not in result.stderr, "traceback on stderr" + context
    noise = library_noise(result.stderr)
    assert not noise, f"library noise on stderr: {noise}" + context


def assert_one_line_error(result: subprocess.CompletedProcess[str], exit_code: int,
                          contains: str | Iterable[str] = (), *,
                          max_foreign_lines: int = 2) -> None:
    """Assert that ``result`` failed the way the CLI promises.

    Parameters
    ----------
    result : from :func:`run_cli`.
    exit_code : expected exit status (2: bad input, 1: other failure).
    contains : fragment(s) the last stderr line must contain (case-insensitive).
    max_foreign_lines : how many stderr lines not from the product are tolerated
        (:func:`foreign_lines`); more fail the test and are listed.

    Checks: the exit status; stderr's last non-empty line starts with
    ``synchrony <command>: error:`` (exit 2) or ``synchrony <command>: failed:`` (exit 1)
    and contains every fragment; no ``Traceback`` anywhere in stderr; few foreign lines.
    """
    stderr = result.stderr or ""
    lines = [line for line in stderr.splitlines() if line.strip()]
    context = f"\n--- exit {result.returncode}; stderr:\n{stderr}\n--- stdout:\n{result.stdout}"
    assert result.returncode == exit_code, f"exit {result.returncode}, expected {exit_code}" \
        + context
    assert "Traceback" not in stderr, "traceback on stderr" + context
    assert lines, "nothing on stderr" + context
    last = lines[-1]
    command = _command_of(result)
    kind = "error" if exit_code == 2 else "failed"
    prefix = f"synchrony {command}: {kind}:" if command else "synchrony"
    assert last.startswith(prefix), f"last stderr line does not start {prefix!r}" + context
    fragments = [contains] if isinstance(contains, str) else list(contains)
    for fragment in fragments:
        assert fragment.lower() in last.lower(), \
            f"last stderr line lacks {fragment!r}: {last!r}" + context
    foreign = foreign_lines(stderr)
    assert len(foreign) <= max_foreign_lines, \
        f"{len(foreign)} stderr lines not from synchrony (leaks): {foreign}" + context


def listing(directory: str | os.PathLike[str]) -> set[str]:
    """Every path below ``directory`` (relative, ``/``-separated), for "nothing half-written".

    Take it before a failing command and compare after: anything new (an ``--out`` dir, a
    ``.out.*.partial`` temporary directory) is a leftover.
    """
    root = Path(directory)
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def _command_of(result: subprocess.CompletedProcess[str]) -> str | None:
    """The subcommand name in ``result.args`` (the first argument after ``-m synchrony``)."""
    args = [str(a) for a in result.args] if isinstance(result.args, list) else []
    if "synchrony" not in args:
        return None
    rest = args[args.index("synchrony") + 1:]
    for arg in rest:
        if not arg.startswith("-"):
            return arg
    return None
