"""Property: whatever a forger puts in a bundle, the verifier raises only its error family.

Each example mutates one member of a real bundle (a JSON field set to any JSON value, or bytes
flipped, cut or added), then makes hashes, summary and signature consistent again under a fresh
key, so the mutation reaches the deep steps rather than stopping at step 2 or 3.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chain.forgery import page
from tysha.errors import TyshaError
from tysha.evidence.bundle import (
    BUNDLE_DOMAIN,
    BundleVerifier,
    Flag,
    MemberInfo,
    build_index,
    summary_text,
)
from tysha.evidence.custody import canonical_json
from tysha.protocol import Identity, sign_message

FRESH = Identity.generate(lambda n: b"\x07" * n)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12)
    | st.floats(allow_nan=True),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=3),
    max_leaves=8,
)


class Mem:
    def __init__(self, m: dict[str, bytes]) -> None:
        self.m = m

    def names(self) -> list[tuple[str, MemberInfo]]:
        return [(n, MemberInfo(len(b), len(b))) for n, b in self.m.items()]

    def read(self, name: str) -> list[bytes]:
        return [self.m[name]]


def rebuild(m: dict[str, bytes], index: dict[str, Any], edit_index: Any = None) -> dict[str, bytes]:
    out = {k: v for k, v in m.items() if k not in ("bundle.json", "bundle.sig")}
    try:
        entries = [(rid, json.loads(out[f"reports/{rid}/report.json"]),
                    [Flag(f["code"], f["reason"]) for f in index["flags"].get(rid, [])])
                   for rid in index["reports"]]
        out["README.txt"] = summary_text("x", FRESH.public().fingerprint(), index["drops"], entries)
        if "report.html" in out:
            out["report.html"] = page(out, "x", FRESH.public().fingerprint(), index["drops"],
                                      entries)
    except Exception:  # a hostile report the summary cannot describe: leave the old one
        pass
    files = {n: hashlib.sha256(b).hexdigest() for n, b in out.items()}
    new_index = json.loads(build_index(desk=FRESH.public(), desk_name="x", drops=index["drops"],
                                       reports=index["reports"],
                                       flags={r: [Flag(f["code"], f["reason"]) for f in fl]
                                              for r, fl in index["flags"].items()},
                                       files=files))
    if edit_index is not None:
        edit_index(new_index)
    raw = canonical_json(new_index)
    out["bundle.json"] = raw
    out["bundle.sig"] = sign_message(FRESH.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
    return out


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    target=st.sampled_from(["bundle.json", "report.json", "receipt.json", "content-key",
                            "envelope.bin", "custody.json", "attachment", "file"]),
    key=st.sampled_from(["format", "desk", "drops", "reports", "flags", "files", "categories",
                         "text", "when", "where", "attachments", "manifest", "drop", "vkey",
                         "receipt", "checkpoint", "index", "inclusion_proof", "claims", "name",
                         "size", "sha256", "attestation", "seq", "detail", "prev"]),
    value=json_values,
    cut=st.integers(0, 5000),
    flip=st.integers(0, 255),
    mode=st.sampled_from(["set", "flip", "cut", "append"]),
)
def test_only_the_error_family_escapes(world: dict[str, Any], target: str, key: str, value: Any,
                                       cut: int, flip: int, mode: str) -> None:
    with zipfile.ZipFile(world["flagged"]) as z:
        m = {n: z.read(n) for n in z.namelist()}
    index = json.loads(m["bundle.json"])
    rid = index["reports"][-1]
    name = {
        "report.json": f"reports/{rid}/report.json",
        "receipt.json": f"reports/{rid}/receipt.json",
        "content-key": f"reports/{rid}/content-key",
        "envelope.bin": f"reports/{rid}/envelope.bin",
        "custody.json": "custody.json",
        "attachment": f"reports/{rid}/report.json",
        "file": next((n for n in m if "/files/" in n), "custody.json"),
    }.get(target)
    edit_index = None
    if target == "bundle.json":
        def edit_index(ix: dict[str, Any]) -> None:
            ix[key] = value
    elif mode == "set" and name is not None and name.endswith(".json"):
        doc = json.loads(m[name])
        if target == "attachment" and isinstance(doc.get("attachments"), list) and doc["attachments"]:
            doc["attachments"][0][key] = value
        elif isinstance(doc, dict):
            doc[key] = value
        elif isinstance(doc, list) and doc:
            doc[0] = {key: value}
        m[name] = canonical_json(doc)
    elif name is not None:
        b = bytearray(m[name])
        if mode == "flip" and b:
            b[cut % len(b)] ^= flip or 1
        elif mode == "cut":
            del b[cut % (len(b) + 1):]
        else:
            b += bytes([flip]) * (cut % 64)
        m[name] = bytes(b)
    try:
        BundleVerifier(Mem(rebuild(m, index, edit_index))).run(lambda s: None)
    except TyshaError:
        pass
