"""The CPU-time deadline (desk/cputime.py) that stops a library's work on hostile input: it
strikes, it strikes again when a strike is lost (as one raised inside a finalizer is), and
it leaves no timer, handler or hook behind."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest

from tysha.desk.cputime import TooSlow, cpu_deadline


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        sum(range(1000))


def _left_behind() -> tuple[tuple[float, float], object, object]:
    return signal.getitimer(signal.ITIMER_PROF), signal.getsignal(signal.SIGPROF), sys.unraisablehook


def test_the_deadline_stops_work_and_leaves_nothing_armed() -> None:
    before = _left_behind()
    start = time.process_time()
    with pytest.raises(TooSlow), cpu_deadline(0.1):
        _burn(5.0)
    assert time.process_time() - start < 2.0
    assert _left_behind() == before
    with cpu_deadline(5.0):  # work within its budget is left alone
        _burn(0.05)
    assert _left_behind() == before


def test_a_lost_strike_is_followed_by_another() -> None:
    """Before: one strike only. Raised while Python ran a weak reference's callback (fpdf2's
    garbage), it was reported as ignored and lost, and a report of zero-width characters was
    typeset whole past its budget. Here the first strike is lost as a finalizer loses it."""
    lost = 0
    start = time.process_time()
    with pytest.raises(TooSlow), cpu_deadline(0.05):
        end = time.process_time() + 5.0
        while time.process_time() < end:
            try:
                sum(range(1000))
            except TooSlow:
                if lost:
                    raise
                lost += 1  # swallowed, as "Exception ignored in: ..." would
    assert lost == 1
    assert time.process_time() - start < 2.0


def test_a_strike_lost_in_a_finalizer_is_not_reported() -> None:
    """The lost strike is expected (the next one stops the work): it does not reach the
    unraisable hook, which every other exception still reaches."""
    seen: list[type[BaseException] | None] = []
    before = sys.unraisablehook
    sys.unraisablehook = lambda info: seen.append(info.exc_type)

    class Raises:
        def __init__(self, exc: BaseException) -> None:
            self.exc = exc

        def __del__(self) -> None:
            raise self.exc

    try:
        with cpu_deadline(5.0):
            for exc in (TooSlow(), ValueError("other")):
                Raises(exc)  # dropped at once: its finalizer's exception is unraisable
    finally:
        sys.unraisablehook = before
    assert seen == [ValueError]


def test_off_the_main_thread_there_is_no_deadline() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with cpu_deadline(0.01):
                _burn(0.2)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert errors == []
