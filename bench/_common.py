"""Shared bits for the benchmarks: import path, timing loop, output."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def rate(fn: Callable[[], object], seconds: float, min_iter: int = 3) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    fn()  # warm up
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - start
        if el >= seconds and n >= min_iter:
            return n / el


def emit(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for k, v in result.items():
            print(f"{k:<{width}}  {v}")
