"""Anchoring the desk's custody head in a drop's log (format: :mod:`tysha.evidence.anchor`).

``anchor_custody`` signs the current custody head, seals it to the desk itself, uploads it to
one of the desk's drops as an ordinary envelope (to the drop it is one more envelope, like any
other), checks the receipt against the drop key the desk pinned, and keeps everything a
verifier needs. Where a time-stamping authority URL is given, an RFC 3161 token over the head is
requested and kept too. Run it at intervals (``tysha desk anchor`` from a timer, or the desk
setting ``anchor_every`` events, honoured after each fetch); each bundle then carries the latest
anchor and a consistency proof from it to the bundle's own custody head.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from tysha.desk.store import DeskStore, now_iso
from tysha.errors import (
    BadInput,
    ConfigError,
    DropRefused,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.evidence.anchor import ANCHOR_FORMAT, anchor_content, verify_tsa_token
from tysha.evidence.custody import custody_head
from tysha.protocol import Receipt, open_envelope, seal_envelope
from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, parse_note, verify_consistency
from tysha.tlog.witness import WitnessPolicy, check_witnesses
from tysha.transport import DropClient
from tysha.transport.client import (
    NETWORK_ERRORS,
    AnswerTooLong,
    AnswerTooSlow,
    is_http_url,
    read_capped,
    transport_from_env,
)

__all__ = [
    "anchor_custody",
    "anchor_due",
    "check_tsa_address",
    "request_tsa_token",
    "witnessed_checkpoint",
]

MAX_TSA_RESPONSE = 64 << 10
#: What a handler can do when the time-stamping authority gives no time-stamp (not the drop's
#: fault, nor the evidence's).
_TSA_HINT = "nothing was anchored; check the --tsa address, or try again later"


def check_tsa_address(url: str) -> None:
    """Refuse a TSA address that is no http(s) URL: said before anything is sent (no network
    fault to look for in an address mistyped)."""
    if not url.startswith(("http://", "https://")):
        raise BadInput("the time-stamping authority's address must start with http:// or https://")
    if not is_http_url(url):
        raise BadInput("the time-stamping authority's address is not a valid URL")


def request_tsa_token(
    url: str, data: bytes, timeout: float = 30.0, roots_pem: Sequence[bytes] = ()
) -> bytes:
    """An RFC 3161 time-stamp response (DER) over SHA-256(``data``), checked to cover it and,
    given the TSA's root certificate(s), to be signed under one of them: what `tysha verify
    --tsa-root` will ask of it, checked before it is kept (a forged or wrong answer on the way
    from the TSA is refused now, not found by the court)."""
    import rfc3161_client

    check_tsa_address(url)
    req = rfc3161_client.TimestampRequestBuilder(
        data=data, hash_algorithm=rfc3161_client.HashAlgorithm.SHA256, nonce=True, cert_req=True
    ).build()
    # Read as a stream, no further than MAX_TSA_RESPONSE and within ``timeout`` in all.
    deadline = time.monotonic() + timeout
    body: bytes | None
    try:
        # The drops' route (Tor or the proxy when the desk is set to use one): never direct
        # beside a drop reached through Tor, nor through proxy variables nothing else honours.
        with (
            transport_from_env().client(url, timeout) as c,
            c.stream(
                "POST",
                url,
                content=req.as_bytes(),
                headers={"Content-Type": "application/timestamp-query"},
            ) as r,
        ):
            status = r.status_code
            try:
                body = read_capped(r, MAX_TSA_RESPONSE, lambda _n: time.monotonic() > deadline)
            except (AnswerTooLong, AnswerTooSlow):
                body = None
    except NETWORK_ERRORS:
        raise TransportError(
            "the time-stamping authority cannot be reached", hint=_TSA_HINT
        ) from None
    if status != 200 or body is None:
        raise TransportError(f"the time-stamping authority refused ({status})", hint=_TSA_HINT)
    try:
        verify_tsa_token(body, data, roots_pem)
    except VerificationError as exc:
        # The TSA's answer, not the evidence: the desk kept nothing of it.
        raise TransportError(
            f"the time-stamping authority gave no time-stamp of the custody head ({exc.message})",
            hint=_TSA_HINT,
        ) from None
    return body


def witnessed_checkpoint(
    store: DeskStore,
    url: str,
    vkey: str,
    receipt: Receipt,
    wait: float,
    address: str = "",
    client_factory: Callable[[str], DropClient] | None = None,
) -> dict[str, Any] | None:
    """The drop's cosigned checkpoint once it covers the anchor (the drop asks its witnesses
    right after the batch, so it follows within moments), with consistency proofs to it from
    the anchor's checkpoint and from every checkpoint this desk's reports from that drop hold.
    It must be witnessed: cosigned as the witness policy the desk pinned for this drop asks
    (:func:`tysha.desk.fetch.witness_policy`), else, without a policy, carry at least one
    cosignature (``tysha verify --witness`` checks whose). None when the drop has no
    witnesses or they have not cosigned within ``wait`` seconds. ``address``: the drop's
    address that took the anchor (default ``url``), asked for the cosigned checkpoint;
    ``client_factory``: the desk's transport to it (default: a direct DropClient)."""
    from tysha.desk.fetch import witness_policy

    verifier = NoteVerifier.from_vkey(vkey)
    try:
        anchor_cp = open_checkpoint(receipt.checkpoint, verifier)
    except TyshaError:
        return None
    policy = witness_policy(store, url)
    deadline = time.monotonic() + wait
    note_seen = False
    with (client_factory or DropClient)(address or url) as c:
        while True:
            try:
                note = c.log_file("checkpoint.cosigned").decode("utf-8")
                checked = check_witnesses(
                    note, verifier, policy or WitnessPolicy((), 0), origin=anchor_cp.origin
                )
                cp = checked.checkpoint
                cosigned = (
                    checked.accepted
                    if policy is not None
                    else any(x.status == "other" for x in checked.checks)
                )
                if cp.size >= anchor_cp.size and cosigned:
                    break
            except DropRefused as exc:
                if exc.status == 404 and not note_seen:
                    return None  # this drop has no witnesses (or serves no cosigned note)
            except (TyshaError, UnicodeDecodeError):
                pass
            note_seen = True
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)
        roots = {anchor_cp.size: anchor_cp.root_hash}
        for r in store.list_reports():
            d = r.data
            rcp = d.get("checkpoint")
            if d.get("drop_vkey") == vkey and isinstance(rcp, dict):
                size, root = rcp.get("size"), rcp.get("root")
                if isinstance(size, int) and 0 < size <= cp.size and isinstance(root, str):
                    with contextlib.suppress(ValueError):
                        roots.setdefault(size, bytes.fromhex(root))
        proofs: dict[str, list[str]] = {}
        for size in sorted(roots):
            proof = c.consistency_proof(size, cp.size) if size < cp.size else []
            # The drop is untrusted: a proof that does not hold means the witnessed tree is
            # not the one this desk's receipts are in (a fork); say so, keep nothing.
            try:
                verify_consistency(size, cp.size, roots[size], cp.root_hash, proof)
            except TyshaError:
                raise VerificationError(
                    f"the drop's witnessed checkpoint (tree of {cp.size}) is not consistent "
                    f"with the tree of {size} this desk holds receipts in: the drop forked"
                ) from None
            proofs[str(size)] = [h.hex() for h in proof]
    return {"note": note, "proofs": proofs}


def anchor_custody(
    store: DeskStore,
    drop_url: str | None = None,
    tsa_url: str | None = None,
    witness_wait: float = 10.0,
    tsa_roots: Sequence[bytes] = (),
    client_factory: Callable[[str], DropClient] | None = None,
) -> dict[str, Any]:
    """Anchor the current custody head; return what was kept (size, drop, index, tsa).
    ``client_factory``: the desk's transport to the drop, the one its fetch and replies use
    (default: a direct DropClient), so the anchor goes by the route the desk is told to."""
    connect = client_factory or DropClient

    drops = store.drops()
    if not drops:
        raise ConfigError("this desk has no drop to anchor its custody in (tysha desk invite)")
    # A drop caught forking its log is passed over: what a court is shown may be another history.
    drop = (next((d for d in drops if d.url == drop_url), None) if drop_url
            else next((d for d in drops if not d.forked), drops[0]))  # fmt: skip
    if drop is None:
        raise ConfigError("that drop is not one of this desk's")
    if drop.forked:
        raise VerificationError(
            f"the drop {drop.url} showed a forked history: the custody head is not anchored in"
            " it; anchor through another drop (--drop) and tell your organisation"
        )
    events = store.custody_events()
    note = custody_head(events, store.identity)
    body, _sigs = parse_note(note)
    head = Checkpoint.parse(body)
    envelope = seal_envelope(anchor_content(note), [store.public], os.urandom)
    content_key = open_envelope(envelope, store.identity).key.content_key
    digest = hashlib.sha256(envelope).digest()
    token = (
        request_tsa_token(tsa_url, note.encode("utf-8"), roots_pem=tsa_roots) if tsa_url else b""
    )
    # The TSA's time: the one this desk did not read from its own clock (checked above).
    tsa_time = verify_tsa_token(token, note.encode("utf-8"))[0] if token else ""
    # Known before the upload, so a fetch racing this never takes the anchor for a report.
    record: dict[str, Any] = {
        "format": ANCHOR_FORMAT,
        "head": note,
        "envelope": envelope.hex(),
        "content_key": content_key.hex(),
        "vkey": drop.vkey,
        "drop": drop.url,
        "receipt": None,
        "tsa_token": token.hex() if token else None,
        "at": now_iso(),
    }
    store.save_anchor(-1 - head.size, digest, record)  # pending until the drop answers
    from tysha.desk.fetch import check_receipt_log

    fork = ""
    receipt: Receipt | None = None
    # Address by address, in the invitation's order, as fetch and replies go (an onion
    # address that is down must not keep the custody from being anchored): only an address
    # that could not be reached before it took the anchor moves on to the next one.
    for n, address in enumerate(drop.addresses):
        try:
            with connect(address) as c:
                receipt = c.upload(envelope)
                cp = receipt.verify(drop.vkey, digest)
                # The receipt's log must be the one this desk verified (the one a court is
                # shown): another history is a fork, recorded there; nothing is anchored.
                try:
                    check_receipt_log(store, c, drop, cp, {"anchor_digest": digest.hex()})
                except VerificationError as exc:
                    fork = exc.message
        except VerificationError as exc:
            raise VerificationError(
                f"the drop's receipt for the anchor does not hold ({exc.message})"
            ) from None
        except DropRefused:
            raise  # the drop answered: its refusal is the log's answer, not another address's
        except TransportError:
            if receipt is not None or n == len(drop.addresses) - 1:
                raise
            continue
        break
    if receipt is None:  # never so: every address either answered or the last one raised
        raise TransportError("the drop has no address")
    if fork:
        raise VerificationError(fork)
    record["receipt"] = receipt.to_json()
    try:
        record["witnessed"] = witnessed_checkpoint(
            store,
            drop.url,
            drop.vkey,
            receipt,
            witness_wait,
            address=address,
            client_factory=client_factory,
        )
    except VerificationError as exc:
        # The anchor itself holds; the drop showed a witnessed tree that is not ours: the
        # drop is marked forked (every report of its log is flagged 'log-forked' wherever it
        # is shown, court bundles included, as a fork 'desk fetch' finds), kept on record in
        # custody, and said to the person.
        record["witnessed"] = None
        with store.transaction():
            store.save_anchor(head.size, digest, record)
            drop.forked = True
            store.save_drop(drop)
            store.custody("drop-forked", None, {"drop": drop.url, "seen": exc.message})
        raise
    store.save_anchor(head.size, digest, record)
    store.custody(
        "custody-anchored",
        None,
        {"size": head.size, "drop": drop.url, "index": receipt.index, "tsa": bool(token)},
    )
    return {
        "size": head.size,
        "drop": drop.url,
        "index": receipt.index,
        "tsa": bool(token),
        "witnessed": record["witnessed"] is not None,
        # Set when the desk's clock (which dates every custody event) is more than ten
        # minutes from the TSA's: (the desk's time, the TSA's).
        "clock_off": (record["at"], tsa_time) if _apart_s(record["at"], tsa_time) > 600 else None,
    }


def _apart_s(a: str, b: str) -> float:
    """Seconds between two times as the desk and a TSA write them; 0 for anything else."""
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00"))
        tb = datetime.fromisoformat(b.replace("Z", "+00:00"))
        return abs((ta - tb).total_seconds()) if ta.tzinfo and tb.tzinfo else 0.0
    except ValueError:
        return 0.0


def anchor_due(store: DeskStore, every: int) -> bool:
    """Whether the custody log grew by ``every`` events since its last anchor."""
    size = len(store.custody_events())
    last = store.latest_anchor(size)
    anchored = 0 if last is None else Checkpoint.parse(parse_note(last["head"])[0]).size
    return size - anchored >= every
