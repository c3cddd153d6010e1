"""Fuzz every parser an attacker reaches; print JSON figures (issue 9, "Also").

    nice -n 19 .venv/bin/python tools/fuzz.py --cases 1000000 [--parser NAME ...] [--seed N]

One JSON object per parser on stdout (cases, cases/s, failures and up to 20 distinct failures
with the input that caused them), then a summary line. Exit 1 if any parser failed: raised
anything outside its own error family. The harness is tests/fuzz/harness.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tysha_fuzz_harness",
                                                  ROOT / "tests" / "fuzz" / "harness.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000, help="cases per parser")
    ap.add_argument("--parser", action="append", default=[], help="only this parser (repeat)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per parser")
    ap.add_argument("--list", action="store_true", help="list the parsers and exit")
    args = ap.parse_args(argv)
    h = _harness()
    targets, close = h.targets_for(1)
    try:
        if args.list:
            print("\n".join(targets))
            return 0
        names = args.parser or list(targets)
        unknown = [n for n in names if n not in targets]
        if unknown:
            ap.error(f"unknown parser {unknown[0]!r}; one of: {', '.join(targets)}")
        total = {"parsers": 0, "cases": 0, "failures": 0, "seconds": 0.0}
        for name in names:
            stats = h.fuzz(name, targets, args.cases, args.seed, args.time_limit)
            print(json.dumps(stats.to_json(), ensure_ascii=False), flush=True)
            total["parsers"] += 1
            total["cases"] += stats.cases
            total["failures"] += stats.failures
            total["seconds"] = round(float(total["seconds"]) + stats.seconds, 2)
        print(json.dumps({"summary": total}), flush=True)
        return 1 if total["failures"] else 0
    finally:
        close()


if __name__ == "__main__":
    sys.exit(main())
