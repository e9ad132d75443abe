"""Ctrl-C/SIGTERM held to the safe points of a loop (:mod:`synchrony.interrupts`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from synchrony.interrupts import InterruptPoints


@pytest.fixture
def sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGINT and SIGTERM raising KeyboardInterrupt, as ``synchrony.cli`` sets them (SIGINT
    too: a shell ignores it in background jobs, and the test process inherits that)."""
    previous = {sig: signal.signal(sig, signal.default_int_handler)
                for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _signal_inside(sig: signal.Signals, reached: list[str]) -> None:
    with InterruptPoints() as points:
        signal.raise_signal(sig)
        reached.append("after the signal")  # not interrupted here
        assert points.pending
        points.check()
        reached.append("after check")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_waits_for_the_next_check(sig: signal.Signals, sigterm_as_ctrl_c: None) -> None:
    """case -> expected: signal inside the block -> no exception until check(), then one."""
    reached: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _signal_inside(sig, reached)
    assert reached == ["after the signal"]
    assert signal.getsignal(sig) is signal.default_int_handler  # handlers restored


def _signal_after_the_last_check() -> None:
    with InterruptPoints() as points:
        points.check()
        signal.raise_signal(signal.SIGTERM)


def test_a_signal_after_the_last_check_is_raised_on_leaving(sigterm_as_ctrl_c: None) -> None:
    """case -> expected: signal after the last check -> KeyboardInterrupt at the block's end."""
    with pytest.raises(KeyboardInterrupt):
        _signal_after_the_last_check()


def test_no_signal_no_interrupt(sigterm_as_ctrl_c: None) -> None:
    """case -> expected: no signal -> check() and the exit are silent."""
    with InterruptPoints() as points:
        points.check()
    assert not points.pending


def test_handlers_of_a_caller_are_left_alone() -> None:
    """case -> expected: a command's own SIGTERM handler (record's clean stop) -> untouched."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    try:
        with InterruptPoints() as points:
            signal.raise_signal(signal.SIGTERM)
            points.check()
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_it_changes_nothing() -> None:
    """case -> expected: used in a worker thread -> no handler set, check() never raises."""
    errors: list[BaseException] = []
    before = signal.getsignal(signal.SIGINT)

    def work() -> None:
        try:
            with InterruptPoints() as points:
                points.check()
                assert not points.pending
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []
    assert signal.getsignal(signal.SIGINT) is before
