"""Processes (issue 13): SIGINT, SIGTERM and SIGKILL at start, mid-run and while writing.

``analyze`` writes its results into a temporary directory beside ``--out``
(``.OUT.XXXXXXXX.partial``, :mod:`synchrony.io.output_dir`) and renames it into place at the
end, so SIGINT and SIGTERM (both end a command like Ctrl-C: exit 130, one line
``synchrony: interrupted``) leave nothing behind: no ``--out`` (start, mid-run), an
``--out`` being replaced with ``--overwrite`` unchanged (while writing), an earlier complete
output beside it untouched. What a SIGKILL cannot clean: killed while writing, the temporary
directory stays (``--out`` itself is intact); the next run makes its own and works.

``record`` and ``stream --record`` (a file played at real time): SIGINT/SIGTERM close the
session ``"interrupted"`` (exit 0) holding every frame tracked until then, i.e. all but the
last ~1 s; a SIGKILL leaves it ``"recording"`` with every part written, i.e. all but the last
~1-2 s. Loss is measured on the wall clock from the moment ``session.json`` appeared (the
capture starts then, and a frame at ``timestamp_s`` was captured that long after).

The phases are events, never sleeps: "start" = the first progress line (analyze) or
``session.json`` (record); "mid" = half of the frames tracked (analyze) or 3 landmark parts
written (record); "writing" = every frame tracked and the temporary directory present.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil
import pytest

from synchrony.errors import InputError
from synchrony.session.store import open_session
from tests.robustness.conftest import foreign_lines, listing, run_cli
from tests.shared import REPO_ROOT, load_generator, model_dir

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

FPS = 10.0
ANALYSIS = ["--window-s", "1", "--step-s", "0.5", "--max-lag-s", "0.5", "--surrogates", "20"]
"""Short windows: a 2 s clip still gets synchrony rows (and so every output file)."""
LOSS_CLEAN_S = 1.0
"""At most this much recording (s) may be lost by SIGINT/SIGTERM (README: the last ~1 s)."""
LOSS_KILL_S = 2.0
"""At most this much recording (s) may be lost by a SIGKILL (ARCHITECTURE.md: ~2 s)."""
DEADLINE_S = 90.0
"""Longest wait (s) for any phase or exit."""
_PROGRESS = re.compile(r"^tracking frames \[[#-]+\] (\d+)/(\d+) ")


# --------------------------------------------------------------------------- helpers


def _ctrl_c_default() -> None:
    """In the child before exec: SIGINT as a terminal delivers it (a shell running the tests
    in the background ignores SIGINT, and a child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Child:
    """``python -m synchrony ARGS`` in a subprocess; a thread collects its stderr lines."""

    def __init__(self, args: Sequence[str | os.PathLike[str]]) -> None:
        env = {**os.environ, "SYNCHRONY_MODEL_DIR": str(model_dir()), "PYTHONUNBUFFERED": "1",
               "PYTHONFAULTHANDLER": "1"}  # a hang's stacks: see finish()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "synchrony", *map(str, args)], cwd=REPO_ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, preexec_fn=_ctrl_c_default)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def stderr(self) -> str:
        """Every stderr line so far."""
        with self._changed:
            return "\n".join(self.lines)

    def wait_line(self, predicate: Callable[[str], bool], what: str) -> None:
        """Wait until a stderr line satisfies ``predicate``; fail if the process ends first."""
        def seen() -> bool:
            return any(map(predicate, self.lines)) or not self._reader.is_alive()

        with self._changed:
            assert self._changed.wait_for(seen, DEADLINE_S), f"{what} within {DEADLINE_S} s"
            assert any(map(predicate, self.lines)), f"exited before {what}:\n{self.stderr}"

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Poll ``condition`` (every 5 ms) while the process runs."""
        deadline = time.monotonic() + DEADLINE_S
        while not condition():
            assert self.proc.poll() is None, f"exited before {what}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"{what} within {DEADLINE_S} s"
            time.sleep(0.005)

    def finish(self) -> int:
        """Wait for the exit and the last stderr line; return the exit status.

        A process still running after ``DEADLINE_S`` is sent SIGABRT, so that the fault
        handler prints every thread's stack, and the test fails showing them.
        """
        try:
            code = self.proc.wait(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)
            self.proc.wait(timeout=DEADLINE_S)
            self._reader.join(timeout=DEADLINE_S)
            pytest.fail(f"no exit within {DEADLINE_S} s; stacks at SIGABRT:\n{self.stderr}")
        self._reader.join(timeout=DEADLINE_S)
        return code


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_interrupted(child: Child, code: int) -> None:
    """Exit 130 and, as the last stderr line, exactly ``synchrony: interrupted``."""
    lines = [line for line in child.lines if line.strip()]
    assert code == 130, f"exit {code}:\n{child.stderr}"
    assert lines[-1:] == ["synchrony: interrupted"], child.stderr
    assert "Traceback" not in child.stderr
    assert foreign_lines(child.stderr) == [], child.stderr


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``short``: 2 s for analyze; ``long``: 12 s played at real time by record and stream."""
    folder = tmp_path_factory.mktemp("clips")
    make = load_generator().make_dyad_clip
    out = {"short": folder / "short.mp4", "long": folder / "long.mp4"}
    for name, duration_s in (("short", 2.0), ("long", 12.0)):
        make(out[name], duration_s=duration_s, fps=FPS, lag_s=0.5, coupling=0.9, seed=3,
             size=(320, 240))
    return out


@pytest.fixture(scope="module")
def earlier(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete analyze output, made before any interrupted run."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    result = run_cli(["analyze", clips["short"], "--out", out, *ANALYSIS])
    assert result.returncode == 0, result.stderr
    return out


# --------------------------------------------------------------------------- analyze

PHASES = ("start", "mid", "writing")


def _progress(line: str, fraction: float) -> bool:
    """A progress line at or past ``fraction`` of the frames."""
    match = _PROGRESS.match(line)
    return match is not None and int(match[1]) >= fraction * int(match[2])


def _partials(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*.partial"))


def _reach(child: Child, phase: str, out: Path) -> None:
    """Wait for ``phase`` of an analyze run writing to ``out``."""
    if phase == "start":
        child.wait_line(lambda line: _progress(line, 0.0), "the first progress line")
    elif phase == "mid":
        child.wait_line(lambda line: _progress(line, 0.5), "half of the frames tracked")
    else:
        child.wait_line(lambda line: _progress(line, 1.0), "every frame tracked")
        child.wait_until(lambda: bool(_partials(out)), "the temporary output directory")


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_analyze_leaves_no_partial_output(sig: signal.Signals, phase: str,
                                          clips: dict[str, Path], earlier: Path,
                                          tmp_path: Path) -> None:
    """case -> expected: SIGINT/SIGTERM any phase -> exit 130, one line, nothing left;
    SIGKILL -> nothing left but, while writing, the temporary directory (next run works).
    Start and mid-run write a new ``--out`` beside an earlier output; while writing, the run
    replaces (``--overwrite``) a copy of that output: both stay byte for byte."""
    earlier_digests = _digests(earlier)
    for name in ("earlier", "out") if phase == "writing" else ("earlier",):
        shutil.copytree(earlier, tmp_path / name)
    before = listing(tmp_path)
    out = tmp_path / "out"
    overwrite = ["--overwrite"] if phase == "writing" else []
    child = Child(["analyze", clips["short"], "--out", out, *ANALYSIS, *overwrite])
    _reach(child, phase, out)
    helpers = psutil.Process(child.proc.pid).children(recursive=True)  # the plot helper
    child.proc.send_signal(sig)
    code = child.finish()
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        _assert_interrupted(child, code)
    _, alive = psutil.wait_procs(helpers, timeout=30)  # killed: the helper ends at EOF
    assert not alive, f"left running: {alive}"
    new = listing(tmp_path) - before
    if sig == signal.SIGKILL and phase == "writing":
        (left,) = {name.split("/")[0] for name in new}
        assert re.fullmatch(r"\.out\..+\.partial", left), new
    else:
        assert new == set(), f"left behind: {sorted(new)}"
    assert _digests(tmp_path / "earlier") == earlier_digests
    if phase == "writing":
        assert _digests(out) == earlier_digests
    else:
        assert not out.exists()
    if sig == signal.SIGKILL and phase == "writing":  # the next run still works
        result = run_cli(["analyze", clips["short"], "--out", out, *ANALYSIS, "--overwrite",
                          "--no-progress"])
        assert result.returncode == 0, result.stderr
        assert _digests(out).keys() == earlier_digests.keys()


# --------------------------------------------------------------------------- record, stream


def _parts(session: Path) -> int:
    return len(list((session / "landmarks").glob("part-*.parquet")))


def _record_until(child: Child, session: Path, phase: str) -> float:
    """Wait for ``phase`` of a recording into ``session``; return seconds since it started."""
    child.wait_until(lambda: (session / "session.json").exists(), "session.json")
    started = time.monotonic()
    if phase == "mid":
        child.wait_until(lambda: _parts(session) >= 3, "3 landmark parts")
    return time.monotonic() - started


def _check_session(session: Path, ended: str, elapsed_s: float, max_loss_s: float) -> str:
    """The session holds all but the last ``max_loss_s``; return a line for the report."""
    if _parts(session) == 0:  # stopped before its first part: nothing to open, and one line
        assert json.loads((session / "session.json").read_text())["ended"] == ended
        assert elapsed_s < max_loss_s
        with pytest.raises(InputError, match="no landmark data"):
            open_session(session)
        return f"{ended}: no frames yet after {elapsed_s:.2f} s"
    opened = open_session(session)
    meta = opened.metadata
    assert opened.ended == ended
    frames = opened.frames()
    if ended != "recording":  # closed: the counts add up
        assert meta["frames_recorded"] == len(frames)
        assert meta["frames_recorded"] + meta["frames_dropped_by_tracker"] == \
            meta["frames_captured"]
    lost_s = elapsed_s - frames[-1].timestamp_s
    assert lost_s < max_loss_s, f"lost {lost_s:.2f} s"
    return f"{ended}: {len(frames)} frames up to {frames[-1].timestamp_s:.2f} s after " \
        f"{elapsed_s:.2f} s (lost {lost_s:.2f} s)"


@pytest.mark.parametrize("phase", ["start", "mid"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_record_keeps_all_but_the_last_second(sig: signal.Signals, phase: str,
                                              clips: dict[str, Path], tmp_path: Path) -> None:
    """case -> expected: SIGINT/SIGTERM -> exit 0, ``ended: interrupted``, all but ~1 s (at
    start, before the run began: exit 130 ``synchrony: interrupted``, the session still closed
    "interrupted"); SIGKILL -> ``ended: "recording"``, all but ~2 s (at start: nothing yet,
    opening it says so in one line)."""
    session = tmp_path / "s"
    child = Child(["record", clips["long"], "--out", session, "--no-progress"])
    elapsed_s = _record_until(child, session, phase)
    child.proc.send_signal(sig)
    code = child.finish()
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        print(_check_session(session, "recording", elapsed_s, LOSS_KILL_S))
    elif phase == "start" and code == 130:  # before the run began: as Ctrl-C anywhere
        _assert_interrupted(child, code)
        print(_check_session(session, "interrupted", elapsed_s, LOSS_CLEAN_S))
    else:
        assert code == 0, child.stderr
        assert "ended: interrupted" in child.lines[-1], child.stderr
        assert foreign_lines(child.stderr) == [child.lines[-1]], child.stderr  # the report
        print(_check_session(session, "interrupted", elapsed_s, LOSS_CLEAN_S))


def test_stream_record_sigint_closes_the_session(clips: dict[str, Path],
                                                 tmp_path: Path) -> None:
    """case -> expected: ``stream --record`` SIGINT mid-run -> exit 0, ``stream ended:
    interrupted``, the session ``interrupted`` with all but the last ~1 s."""
    session = tmp_path / "s"
    child = Child(["stream", clips["long"], "--record", session])
    elapsed_s = _record_until(child, session, "mid")
    child.proc.send_signal(signal.SIGINT)
    code = child.finish()
    assert code == 0, child.stderr
    assert any(line.startswith("stream ended: interrupted") for line in child.lines), \
        child.stderr
    assert "Traceback" not in child.stderr
    print(_check_session(session, "interrupted", elapsed_s, LOSS_CLEAN_S))
