"""A CPU-time deadline for work on hostile input done in the desk's own process.

Some of that work is a library's (Pillow decoding a photo to hash it, fpdf2 typesetting the
bundle's report) and has inputs that take minutes or hours — a JPEG of thousands of scans,
a text of zero-width characters that fpdf2 measures again at every character. Such a
library returns to Python often enough (between input blocks, between characters) for a
profiling timer to stop it within a few seconds; the caller then goes on without its result.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["TooSlow", "cpu_deadline"]


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

    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
