"""Provenance at the desk (issue 14): what the fetch hook adds, C2PA checks and ProofMode imports.

    python bench/provenance.py --json [--photos 40] [--big-mib 32] [--repeat 7]

hook_s_per_mib / read_s_per_mib: the fetch hook (desk/provenance.check_attachments) over
``--photos`` 1024x768 JPEGs without a manifest, against a plain decrypting read of the same
blobs measured in the same run (CPU time, interleaved, the fastest of ``--repeat`` runs each);
``hook_limit_ratio``: the hook may cost at most 1.5 reads (it
is one streaming read plus a substring search). hook_peak_mib: the most Python memory the hook
takes over a ``--big-mib`` MiB MP4 without a manifest (limit: 4 MiB: never whole in memory).
c2pa_checks_per_s: C2PA validations of a signed 1024x768 JPEG (trust anchors set).
proofmode_imports_per_s: imports of a one-photo ProofMode bundle (two OpenPGP proofs and the
media's signature checked).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import _common  # noqa: F401
from _common import emit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' generators

from tests.cases.helpers import add_report, make_desk  # noqa: E402
from tests.cases.photos import encode, scene  # noqa: E402
from tests.provenance.helpers import c2pa_sign, make_ca, pgp_key, proofmode_bundle  # noqa: E402
from tysha.desk.provenance import c2pa_check, check_attachments  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--big-mib", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        desk = make_desk(Path(tmp))
        photos = [encode(scene(s, 1024, 768)) for s in range(a.photos)]
        rid = add_report(desk, None, photos=tuple(photos))
        mib = sum(len(p) for p in photos) / (1 << 20)
        atts = desk.store.get_report(rid).data["attachments"]

        # CPU time, interleaved, the fastest of several runs each: the machine is shared.
        reads, hooks = [], []
        for _ in range(a.repeat):
            t = time.process_time()
            for att in atts:
                for _piece in desk.store.read_blob(att["blob"], att["size"]):
                    pass
            reads.append(time.process_time() - t)
            t = time.process_time()
            found = check_attachments(desk.store, rid)
            hooks.append(time.process_time() - t)
            assert found == []
        read_s, hook_s = min(reads), min(hooks)

        big = b"\0\0\0\x18ftypmp42" + os.urandom(1 << 20) * a.big_mib
        big_rid = add_report(desk, None, photos=(big,))
        del big
        tracemalloc.start()
        check_attachments(desk.store, big_rid)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        ca = make_ca()
        signed = c2pa_sign(photos[0], ca)
        trust = ca.ca_pem.decode()
        assert c2pa_check(signed, "image/jpeg", trust_pem=trust).state == "valid"
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < 2 or n < 3:
            c2pa_check(signed, "image/jpeg", trust_pem=trust)
            n += 1
        c2pa_rate = n / (time.perf_counter() - t)

        key = pgp_key()
        pm_rid = add_report(desk, None, photos=(photos[1],))
        zipped = proofmode_bundle(photos[1], key).zip()
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < 2 or n < 3:
            [r] = desk.import_proofmode(pm_rid, io.BytesIO(zipped), "bench.zip")
            assert r.state == "valid"
            n += 1
        pm_rate = n / (time.perf_counter() - t)
        desk.close()

    ratio = (hook_s / mib) / (read_s / mib)
    emit(
        {
            "photos": a.photos,
            "photos_mib": round(mib, 1),
            "read_s_per_mib": round(read_s / mib, 4),
            "hook_s_per_mib": round(hook_s / mib, 4),
            "hook_ratio": round(ratio, 2),
            "hook_limit_ratio": 1.5,
            "hook_within_limit": ratio <= 1.5,
            "big_mib": a.big_mib,
            "hook_peak_mib": round(peak / (1 << 20), 2),
            "hook_peak_limit_mib": 4,
            "c2pa_checks_per_s": round(c2pa_rate, 1),
            "proofmode_imports_per_s": round(pm_rate, 1),
        },
        a.json,
    )


if __name__ == "__main__":
    main()
