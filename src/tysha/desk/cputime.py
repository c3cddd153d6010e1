"""A CPU-time deadline for work on hostile input done in the desk's own process.

Some of that work is a library's (Pillow decoding a photo to hash it, fpdf2 typesetting the
bundle's report) and has inputs that take minutes or hours — a JPEG of thousands of scans,
a text of zero-width characters that fpdf2 measures again at every character. Such a
library returns to Python often enough (between input blocks, between characters) for a
profiling timer to stop it within a few seconds; the caller then goes on without its result.

The timer keeps striking every :data:`REPEAT_S` of CPU once the deadline is past, not once:
a signal handler's exception raised while Python runs a finalizer or a weak reference's
callback (a library's garbage being collected) is reported as "ignored" and lost, and the
work then went on to its end (seen: a report of zero-width characters typeset whole past
its budget). Such a lost strike is not reported either (``sys.unraisablehook`` passes every
other unraisable exception on while the deadline runs); the cleanup at the end takes a strike
that lands in it.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["REPEAT_S", "TooSlow", "cpu_deadline"]

#: CPU seconds between strikes once the deadline is past (module docstring).
REPEAT_S = 0.05


class TooSlow(BaseException):
    """The work used more CPU time than its deadline (not an ``Exception``: a library's
    ``except Exception`` on the way does not swallow it)."""


@contextlib.contextmanager
def cpu_deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`TooSlow` in this (main) thread once the process has used ``seconds``
    more CPU time. Outside the main thread (no signals there) there is no deadline."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_sig: int, _frame: object) -> None:
        raise TooSlow

    previous_hook = sys.unraisablehook

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if info.exc_type is not TooSlow:  # a strike lost in a finalizer: the next one comes
            previous_hook(info)

    sys.unraisablehook = unraisable
    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds, REPEAT_S)
    try:
        yield
    finally:
        while True:  # a strike landing here is taken, and the cleanup done again
            try:
                signal.setitimer(signal.ITIMER_PROF, 0)
                signal.signal(signal.SIGPROF, old)
                sys.unraisablehook = previous_hook
                break
            except TooSlow:
                continue
