"""The browser source's figures (issue 11): page weight, sealing speed in headless Chromium
against the Python sealer in the same run, codename derivation, proof of work.

    python bench/browser.py [--json]

* page_kb_compressed: gzip -9 of the JS and CSS the page loads up front (noble.js, core.js,
  app.js, page.css); qr_kb_compressed: the QR reader, loaded only when a photo is chosen;
* seal_10mib_s: seconds for core.js to seal 10 MiB with X-Wing to two recipients in
  Debian's headless Chromium; python_seal_10mib_s: the same in tysha.protocol;
* codename_s: Argon2id (t=2, 19 MiB) + key derivation in Chromium, in the page's Worker;
  codename_jitless_s (with --jitless, about 15 s more): the same without a JIT
  (chromium --js-flags=--jitless), as in Tor Browser "Safer";
* pow_s: mean time to solve the proof of work at the drop's default difficulty (8 bits) in
  the page's code, over 20 digests; pow_bits says which difficulty.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import emit

from tysha.drop import source_page
from tysha.drop.launcher import run_drop
from tysha.protocol import Identity, seal_envelope

UPFRONT = ("vendor/noble.js", "core.js", "app.js", "page.css")
POW_BITS = 8


def page_kb() -> tuple[float, float]:
    def kb(names: tuple[str, ...]) -> float:
        raw = b"".join((source_page.STATIC / n).read_bytes() for n in names)
        return round(len(gzip.compress(raw, 9)) / 1024, 1)

    return kb(UPFRONT), kb(("vendor/qr.js",))


def python_seal() -> float:
    recips = [Identity.generate(os.urandom).public() for _ in range(2)]
    content = os.urandom(10 << 20)
    start = time.perf_counter()
    seal_envelope(content, recips, os.urandom)
    return time.perf_counter() - start


BROWSER_SEAL = """async () => {
  const T = TyshaCore;
  const rand = (n) => {
    const o = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) {
      crypto.getRandomValues(o.subarray(i, Math.min(n, i + 65536)));
    }
    return o;
  };
  const ids = [0, 1].map(
    () => T.identityFromSecrets(rand(32), T.KEM_XWING, rand(32), rand(32)).public);
  const content = rand(10 << 20);
  const t0 = performance.now();
  const s = new T.EnvelopeSealer(ids, content.length, rand, T.KEM_XWING);
  const parts = [s.header];
  for (let o = 0; o < content.length; o += 1 << 20) {
    parts.push(s.chunk(content.subarray(o, o + (1 << 20))));
  }
  parts.push(s.finish());
  const seal = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (let i = 0; i < 20; i++) T.solvePow(T.sha256(rand(32)), %d);
  const pow = (performance.now() - t1) / 20000;
  return { seal, pow };
}"""

BROWSER_CODENAME = """() => new Promise((resolve, reject) => {
  const w = new Worker('/source/static/worker.js');
  const t0 = performance.now();
  w.onmessage = (e) => {
    w.terminate();
    e.data.error ? reject(e.data.error) : resolve((performance.now() - t0) / 1000);
  };
  w.postMessage({ op: 'codename', codename: 'abacus ability ablaze able abnormal abrasive' });
})"""


def browser_figures(jitless: bool) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, run_drop(Path(tmp), pow_bits=POW_BITS) as drop:
        url = drop[0]
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = b.new_page()
            page.goto(url + "/source/en/")
            page.wait_for_selector("body[data-ready='1']")
            r = page.evaluate(BROWSER_SEAL % POW_BITS)
            codename = page.evaluate(BROWSER_CODENAME)
            b.close()
            out = {"seal_10mib_s": round(r["seal"], 2), "codename_s": round(codename, 2),
                   "pow_s": round(r["pow"], 4)}
            if jitless:
                b = p.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=["--no-sandbox", "--js-flags=--jitless"])
                page = b.new_page()
                page.goto(url + "/source/en/")
                page.wait_for_selector("body[data-ready='1']")
                out["codename_jitless_s"] = round(page.evaluate(BROWSER_CODENAME), 2)
                b.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--jitless", action="store_true", help="also time the codename without JIT")
    args = ap.parse_args()
    upfront, qr = page_kb()
    out: dict[str, object] = {"page_kb_compressed": upfront, "qr_kb_compressed": qr}
    try:
        out.update(browser_figures(args.jitless))
    except Exception as exc:  # no chromium or playwright here: say so, keep the other figures
        print(f"browser figures skipped: {type(exc).__name__}", file=sys.stderr)
    out["python_seal_10mib_s"] = round(python_seal(), 2)
    out["pow_bits"] = POW_BITS
    emit(out, args.json)


if __name__ == "__main__":
    main()
