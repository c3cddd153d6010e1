"""Re-signing a bundle's custody segment with another key, as a careful forger would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tysha.evidence.custody import CustodyEvent, build_segment, canonical_json
from tysha.protocol import Identity


def resign_segment(
    raw: bytes,
    signer: Identity,
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = lambda evs: evs,
) -> bytes:
    """The segment's events (after ``edit``) re-signed by ``signer`` under a head of its own:
    the undisclosed places of the log are filled with stand-in leaves, so every disclosed event
    keeps its seq and gets a valid inclusion proof."""
    doc = json.loads(raw)
    events = edit([item["event"] for item in doc["events"]])
    resigned = []
    for e in events:
        ev = CustodyEvent(e["seq"], e["at"], e["action"], e["report"], e["detail"],
                          bytes.fromhex(e["prev"]), report_prev=e.get("report_prev"),
                          v=e.get("v", 1))
        resigned.append(ev.signed(signer).to_json())
    size = max((e["seq"] for e in resigned), default=-1) + 1
    log: list[dict[str, Any]] = [{"stand-in": i} for i in range(size)]
    for e in resigned:
        log[e["seq"]] = e
    reports = sorted({e["report"] for e in resigned})
    return canonical_json(build_segment(log, reports, signer))


def page(members: dict[str, bytes], desk_name: str, desk_fingerprint: str,
         drops: dict[str, str], entries: list[Any], lang: str = "en") -> bytes:
    """The report.html a forger regenerates after editing a bundle."""
    from tysha.evidence.bundle import custody_by_report
    from tysha.evidence.report_html import render_report_html

    return render_report_html(lang=lang, desk_name=desk_name, desk_fingerprint=desk_fingerprint,
                              drops=drops, reports=entries,
                              custody=custody_by_report(members.get("custody.json", b"")),
                              anchored="anchor.json" in members)


def with_readme(src: Path, out: Path, identity: Identity, readme: bytes) -> Path:
    """``src`` with README.txt replaced and the index signed again by ``identity`` (the desk's
    own key): a bundle as a desk that wrote that README.txt would have exported it."""
    import hashlib
    import zipfile

    from tysha.evidence.bundle import BUNDLE_DOMAIN
    from tysha.protocol import sign_message

    with zipfile.ZipFile(src) as z:
        m = {n: z.read(n) for n in z.namelist()}
    index = json.loads(m.pop("bundle.json"))
    m.pop("bundle.sig")
    m["README.txt"] = readme
    index["files"]["README.txt"] = hashlib.sha256(readme).hexdigest()
    raw = canonical_json(index)
    with zipfile.ZipFile(out, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
        z.writestr("bundle.json", raw)
        z.writestr("bundle.sig", sign_message(identity.sign_seed, BUNDLE_DOMAIN, raw).hex())
    return out


def _zip_members(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def readme_as(out: Path, how: tuple[bool, bool]) -> bytes:
    """The bundle's README.txt as summary_text makes it with ``how`` (time-stamped,
    witnessed) said."""
    from tysha.evidence.bundle import Flag, summary_text

    m = _zip_members(out)
    index = json.loads(m["bundle.json"])
    entries = [(rid, json.loads(m[f"reports/{rid}/report.json"]),
                [Flag(f["code"], f["reason"]) for f in index["flags"].get(rid, [])])
               for rid in index["reports"]]
    return summary_text(index["desk"]["name"], index["desk"]["fingerprint"], index["drops"],
                        entries, time_stamped=how[0], witnessed=how[1])
