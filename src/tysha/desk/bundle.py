"""Court bundles: everything a court needs to check a report offline, from capture to export.

A bundle is a zip file::

    bundle.json                 the index: desk key, drop keys, every file with its SHA-256
    bundle.sig                  Ed25519 signature by the desk key over bundle.json
    custody.json                the desk's signed, hash-chained custody log
    reports/<id>/report.json    the report as the desk holds it (canonical JSON)
    reports/<id>/envelope.bin   the envelope exactly as the drop logged it
    reports/<id>/content-key    the envelope's content key (hex), to re-open it
    reports/<id>/receipt.json   checkpoint note + inclusion proof of the envelope's digest
    reports/<id>/files/<n>-<name>   the original attachments, byte for byte

``tysha verify`` (:mod:`tysha.verify`) checks it in numbered steps.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from tysha.desk.store import DeskStore
from tysha.errors import ConfigError, StorageError
from tysha.evidence.custody import canonical_json
from tysha.protocol import sign_message

__all__ = ["BUNDLE_DOMAIN", "export_bundle"]

BUNDLE_DOMAIN = b"tysha/v1 bundle"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80] or "file"


def export_bundle(store: DeskStore, out: Path, ids: list[str] | None = None) -> int:
    reports = [store.get_report(i) for i in ids] if ids else store.list_reports()
    if not reports:
        raise ConfigError("no reports to export")
    files: dict[str, str] = {}
    drops: dict[str, str] = {}
    import hashlib

    tmp = Path(str(out) + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:

            def put(name: str, data: bytes) -> None:
                z.writestr(name, data)
                files[name] = hashlib.sha256(data).hexdigest()

            for r in reports:
                d = r.data
                base = f"reports/{r.id}"
                drops[d["drop"]] = d["drop_vkey"]
                public = {k: v for k, v in d.items() if k not in ("content_key", "envelope_blob")}
                put(f"{base}/report.json", canonical_json(public))
                put(
                    f"{base}/envelope.bin", store.blob_bytes(d["envelope_blob"], d["envelope_size"])
                )
                put(f"{base}/content-key", d["content_key"].encode())
                put(
                    f"{base}/receipt.json",
                    canonical_json(
                        {
                            "vkey": d["drop_vkey"],
                            "receipt": {
                                "envelope_digest": d["envelope_digest"],
                                "index": d["index"],
                                "checkpoint": d["checkpoint_note"],
                                "proof": d["inclusion_proof"],
                            },
                        }
                    ),
                )
                for n, a in enumerate(d.get("attachments", [])):
                    put(
                        f"{base}/files/{n}-{_safe(a['name'])}",
                        store.blob_bytes(a["blob"], a["size"]),
                    )
            events = store.custody_events()
            put("custody.json", canonical_json(events))
            index: dict[str, Any] = {
                "format": "tysha-bundle/1",
                "desk": {
                    "name": store.name,
                    "public_key": store.public.to_text(),
                    "fingerprint": store.public.fingerprint(),
                },
                "drops": drops,
                "reports": [r.id for r in reports],
                "files": files,
            }
            raw = canonical_json(index)
            z.writestr("bundle.json", raw)
            z.writestr(
                "bundle.sig", sign_message(store.identity.sign_seed, BUNDLE_DOMAIN, raw).hex()
            )
        tmp.replace(out)
    except OSError as exc:
        raise StorageError(f"cannot write the bundle: {exc.strerror}") from None
    for r in reports:
        store.custody("exported", r.id, {"bundle": out.name})
    return len(reports)
