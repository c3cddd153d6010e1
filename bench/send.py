"""The source's send path, per envelope: seal into the vault, then upload, verify the receipt
and the log's consistency, and drop it from the outbox — against a real drop on loopback.

    python bench/send.py --json [--reports N] [--attachment-kib K]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.drop.testing import run_drop
from tysha.protocol import Identity, Invitation
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--attachment-kib", type=int, default=200)
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-send-"))
    photo = root / "IMG_0001.jpg"
    photo.write_bytes(os.urandom(a.attachment_kib * 1024))
    with run_drop(root) as (url, vkey, _):
        h, e = Identity.generate(os.urandom), Identity.generate(os.urandom)
        inv = Invitation.create((url,), vkey, h, e.public(), os.urandom(16))
        v = Vault.create(root / "v", 64 << 20)
        v.add_compartment("p", 0, {})
        dev = SourceDevice(v, v.unlock("p"))
        dev.enroll(inv.to_text())
        t = time.perf_counter()
        for i in range(a.reports):
            dev.report(["det"], f"report {i}", attachments=[photo] if i % 2 else [], mean_delay=0)
        seal_s = (time.perf_counter() - t) / a.reports
        t = time.perf_counter()
        with DropClient(url) as c:
            res = dev.send(c, now=True)
        send_s = (time.perf_counter() - t) / a.reports
    emit(
        {
            "reports": a.reports,
            "attachment_kib_every_other": a.attachment_kib,
            "seal_into_vault_ms": round(seal_s * 1000, 1),
            "send_verify_remove_ms": round(send_s * 1000, 1),
            "sent": res.sent,
        },
        a.json,
    )


if __name__ == "__main__":
    main()
