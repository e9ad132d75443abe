"""A second Python process that draws plots: :class:`PlotHelper` (see :mod:`.jobs`).

The helper is ``python -m synchrony.render.plot_helper``: a fresh interpreter (no threads,
no MediaPipe state and none of the caller's script inherited), started early so that it
imports matplotlib while the signals and surrogate tests are still being computed. Jobs
and answers are pickles over its stdin and stdout (pickle frames delimit themselves; the
helper's own prints go to stderr). It ignores Ctrl-C -- the main process handles that and
closes the helper -- and it ends when its stdin closes, also when the main process is
killed. Anything that goes wrong in the helper only makes this process draw more.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Self

from synchrony.render.jobs import PlotJob

log = logging.getLogger(__name__)

#: Longest wait (s) for the helper to end after its stdin closed, before it is killed.
CLOSE_TIMEOUT_S = 10.0
#: Longest wait (s) for one figure from the helper; then it is closed and the figure is
#: drawn here (a figure takes about 0.5 s).
JOB_TIMEOUT_S = 120.0
_READY, _DONE, _FAILED = "ready", "done", "failed"


class PlotHelper:
    """A helper process for :func:`~synchrony.render.jobs.run_plot_jobs`; start it early."""

    def __init__(self) -> None:
        self._answers: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._warm = self._busy = False
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "synchrony.render.plot_helper"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as exc:
            log.debug("no plot helper process (%s): every plot is drawn here", exc)
            return
        threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True,
                         name="plot helper").start()

    def _read(self, stream: IO[bytes]) -> None:
        """Turn the helper's answers into queue items; ("gone", None) at its end."""
        try:
            while True:
                self._answers.put(pickle.load(stream))
        except Exception:  # noqa: BLE001 - EOF, a broken pipe or a torn pickle: it is gone
            self._answers.put(("gone", None))

    def _take(self, block: bool) -> tuple[str, Any] | None:
        try:
            kind, value = self._answers.get(block=block, timeout=JOB_TIMEOUT_S if block else None)
        except queue.Empty:
            if block:  # a helper that hangs is given up
                log.warning("the plot helper gave no answer in %g s; drawing here instead",
                            JOB_TIMEOUT_S)
                self.close()
            return None
        if kind == _READY:
            self._warm = True
        elif kind == "gone":
            self.close()
        return kind, value

    def idle(self) -> bool:
        """Tell whether the helper is running, warm and without a job."""
        while not self._warm and self._proc is not None and self._take(block=False):
            pass
        return self._warm and not self._busy and self._proc is not None

    def start(self, job: PlotJob) -> None:
        """Send one job (only when :meth:`idle`)."""
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._busy = True
        try:
            pickle.dump(job, self._proc.stdin)
            self._proc.stdin.flush()
        except (OSError, pickle.PicklingError) as exc:
            log.debug("plot helper did not take the job (%s)", exc)
            self.close()

    def poll(self) -> tuple[bool, Path | None]:
        """(done?, path) of the job sent last; path None if the helper could not draw it."""
        return self._answer(block=False)

    def wait(self) -> Path | None:
        """Wait for the job sent last; its path, or None if the helper could not draw it."""
        return self._answer(block=True)[1]

    def _answer(self, block: bool) -> tuple[bool, Path | None]:
        while self._busy:
            if self._proc is None:  # gone: the job is drawn here
                self._busy = False
                return True, None
            got = self._take(block)
            if got is None:
                if self._proc is None:
                    continue  # given up on: drawn here
                return False, None
            kind, value = got
            if kind in (_DONE, _FAILED):
                self._busy = False
                if kind == _FAILED:
                    log.debug("plot helper failed on a job (%s); drawing it here", value)
                return True, value if kind == _DONE else None
        return True, None

    def close(self) -> None:
        """Close the helper's stdin (it ends after its current job); kill it if it hangs."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main() -> int:
    """Run the helper: answer each job read from stdin with a pickle on stdout until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    jobs = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not tear a pickle
    import synchrony.render.method_plots  # noqa: F401 - warm up before the first job
    import synchrony.render.plots  # noqa: F401

    def answer(kind: str, value: object) -> None:
        pickle.dump((kind, value), answers)
        answers.flush()

    answer(_READY, None)
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return 0
        try:
            answer(_DONE, job.run())
        except Exception as exc:  # noqa: BLE001 - the main process draws it again
            answer(_FAILED, f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    raise SystemExit(main())
