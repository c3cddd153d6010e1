"""Reading provenance at the desk: ProofMode bundles (OpenPGP) and C2PA manifests.

What the records mean, and the rules a proof must meet, are in the pure
:mod:`tysha.evidence.provenance`; this module does the I/O and the two libraries:

* **OpenPGP** (RFC 4880 detached signatures, ASCII armour) with ``pgpy``. pgpy is an OpenPGP
  *packet parser*: every primitive it uses (RSA, ECDSA, EdDSA over Ed25519, SHA-2) is
  pyca/cryptography's, so the project's rule (crypto only from libsodium and
  pyca/cryptography) holds. pgpy's own warnings (its unparsed self-signatures, Python's
  ``imghdr`` deprecation) are silenced around each call: they say nothing about this input.
* **C2PA** with ``c2pa-python`` (the Content Authenticity Initiative's c2pa-rs): its Reader
  validates the manifest store (claim signature, certificate, hard-binding hashes), never
  fetching anything over the network (remote manifests and OCSP are switched off; a desk may
  sit behind Tor). The trust anchors are the desk's setting ``c2pa_trust_anchors`` (PEM),
  set with :func:`set_trust_anchors`; without them a good signature is ``untrusted-signer``.
  At fetch (:func:`check_attachments`) the Reader runs in a child process, never in the desk
  (which holds the unlocked keys): a fresh interpreter, in bubblewrap where installed (as
  the video decoder, tysha.desk.corroborate), with CPU, memory and wall-clock limits, fed
  the file as it is decrypted. A file that holds the reader (c2pa-rs reads an MP4 of many
  small boxes in time growing with their square) or makes it die is recorded ``unchecked``
  with the reason, and the report's other files are still checked.

Hostile input: a ProofMode zip is bounded before it is read (its size on disk, its member
count, each member's declared size and expansion ratio, as the court bundle reader bounds a
bundle: :class:`tysha.evidence.bundle.BundleLimits`), and every member is read through
zipfile's size checks. Every failure becomes a :class:`~tysha.errors.TyshaError` with a clear
message (a zip that cannot be read) or a record whose state says what failed (a proof that
does not verify); nothing here lets an exception from a library reach a person.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import subprocess
import sys
import threading
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tysha.errors import BadInput, ConfigError, NotFound, ProtocolError, StorageError
from tysha.evidence.bundle import BundleLimits
from tysha.evidence.provenance import (
    MAX_PROOF_FILE,
    MediaMember,
    ProvenanceRecord,
    assess_proofmode,
    c2pa_media_type,
    c2pa_record,
    media_members,
    plan_proofmode,
)

if TYPE_CHECKING:
    from tysha.desk.store import DeskStore

__all__ = [
    "C2PA_MAX_BYTES",
    "C2PA_UUID",
    "TRUST_SETTING",
    "OpenPgpKey",
    "ProofModeLimits",
    "ProofModeZip",
    "c2pa_check",
    "check_attachments",
    "import_proofmode",
    "read_proofmode_zip",
    "set_trust_anchors",
]

#: The largest attachment whose C2PA manifest the desk reads (held in memory to read it);
#: a larger one that carries a manifest is recorded as ``unchecked``.
C2PA_MAX_BYTES = 64 << 20
#: The UUID of a C2PA manifest store's JUMBF box ("c2pa" 0011-0010-8000-00AA00389B71): a file
#: without it carries no manifest, and is never held whole in memory to find out.
C2PA_UUID = bytes.fromhex("6332706100110010800000aa00389b71")
TRUST_SETTING = "c2pa_trust_anchors"
#: The child that reads one file's manifest: wall-clock (and CPU) seconds, address space.
#: A good 64 MiB photo is read in under a second.
C2PA_FILE_SECONDS = 30
C2PA_CHILD_MEMORY = 1 << 30
#: Wall-clock seconds for all the C2PA reads of one report (a report of a thousand crafted
#: files must not hold the fetch for a thousand times C2PA_FILE_SECONDS).
C2PA_REPORT_SECONDS = 180
_CHILD_OUTPUT = 1 << 20  # a record's JSON is a few KiB


@dataclass(frozen=True)
class ProofModeLimits:
    """Bounds on a ProofMode zip, checked on declared sizes before anything is read."""

    max_zip: int = 512 << 20  # the file on disk
    max_members: int = 2000  # a share of a few hundred photos
    max_media: int = 256 << 20  # one bundled photo or video (its signature is checked whole)
    max_total: int = 1 << 30  # every member's declared size, added up
    max_proofs: int = 64 << 20  # proofs, signatures and key (held in memory), added up
    max_ratio: int = BundleLimits().max_ratio  # expansion of one member beyond its first MiB


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class OpenPgpKey:
    """A ProofMode signer's public key (``pubkey.asc``), to check detached signatures with.
    Implements :class:`tysha.evidence.provenance.SignatureCheck`."""

    def __init__(self, armored: bytes) -> None:
        with _quiet():
            try:
                import pgpy
            except ImportError:  # pgpy 0.6 imports imghdr, which Python 3.13 removed
                raise ConfigError(
                    "OpenPGP checks are not available: the pgpy library does not load on this "
                    "Python (3.11 or 3.12 is needed for pgpy 0.6)"
                ) from None
            try:
                key, _ = pgpy.PGPKey.from_blob(armored.decode("ascii"))
            except Exception:  # pgpy raises ValueError, PGPError, and worse on hostile input
                raise ProtocolError("pubkey.asc is not an OpenPGP public key") from None
        self._key: Any = key.pubkey if not key.is_public else key
        self._fpr = str(self._key.fingerprint).replace(" ", "").upper()
        uids = list(self._key.userids)
        self._uid = str(uids[0].userid) if uids else ""
        # The key ids a signature may name: the primary key's, and those of the subkeys it
        # certifies for signing. pgpy verifies with any subkey in the blob, and the blob is
        # the sender's: a subkey appended to the source's (public) key, bound by another key,
        # would otherwise sign in its name.
        subkeys = dict(getattr(self._key, "subkeys", {}))
        self._ids = {self._fpr[-16:]}
        self._unbound: set[str] = set()
        for kid, sub in subkeys.items():
            short = str(kid).replace(" ", "").upper()[-16:]
            (self._ids if self._certifies(sub) else self._unbound).add(short)

    def _certifies(self, sub: Any) -> bool:
        """Whether the primary key binds ``sub`` as a signing subkey (RFC 4880 5.2.1: a
        subkey binding signature by the primary with the sign flag, and the subkey's own
        primary key binding signature back), every binding signature present verifying."""
        from pgpy.constants import KeyFlags, SignatureType

        with _quiet():
            try:
                checked = self._key.verify(sub)
            except Exception:  # pgpy: no signatures at all, or ones it cannot check
                return False
            if not checked:
                return False
            good = list(checked.good_signatures)
        primary = self._key.fingerprint
        bound = any(
            g.signature.type == SignatureType.Subkey_Binding
            and g.by.fingerprint == primary
            and KeyFlags.Sign in (g.signature.key_flags or set())
            for g in good
        )
        back = any(g.signature.type == SignatureType.PrimaryKey_Binding for g in good)
        return bound and back

    @property
    def fingerprint(self) -> str:
        return self._fpr

    @property
    def user_id(self) -> str:
        return self._uid

    def verify(self, data: bytes, signature: bytes) -> str | None:
        """None for a good detached signature by this key over ``data``; else why not."""
        with _quiet():
            import pgpy

            try:
                sig = pgpy.PGPSignature.from_blob(signature.decode("ascii"))
            except Exception:
                return "not an OpenPGP signature"
            try:
                signer = str(sig.signer or "").upper()[-16:]
                if signer in self._unbound:
                    return f"made by a subkey ({sig.signer}) that pubkey.asc's key does not certify"
                if signer and signer not in self._ids:
                    return f"made by another key ({sig.signer})"
                ok = bool(self._key.verify(data, sig))
            except Exception:
                return "the signature cannot be checked with this key"
        return None if ok else "bad signature"


def _zip(source: Path | IO[bytes], name: str, limits: ProofModeLimits) -> zipfile.ZipFile:
    """The zip, its size on disk bounded first (a path, or an open binary file: an upload)."""
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except FileNotFoundError:
            raise NotFound(f"no file {name}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {name}: {exc.strerror}") from None
        if not source.is_file():
            raise BadInput(f"{name} is not a file")
    else:
        size = source.seek(0, 2)
        source.seek(0)
    if size > limits.max_zip:
        raise BadInput(f"{name} is larger than a ProofMode bundle may be ({limits.max_zip} bytes)")
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise ProtocolError(f"{name} is not a readable zip archive (truncated?)") from None


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    if info.file_size > cap:
        raise ProtocolError(f"{info.filename} is larger than allowed ({cap} bytes)")
    try:
        with z.open(info) as f:
            seen = 0
            while piece := f.read(1 << 20):
                seen += len(piece)
                if seen > info.file_size:
                    raise ProtocolError(f"{info.filename} is longer than it declares")
                yield piece
    except ProtocolError:
        raise
    except RuntimeError:  # zipfile's word for an encrypted member
        raise ProtocolError(f"{info.filename} is encrypted") from None
    except Exception:  # bad CRC, zlib errors, truncation: a damaged archive
        raise ProtocolError(f"{info.filename} is damaged or truncated") from None


@dataclass
class ProofModeZip:
    """A bounded read of a ProofMode bundle: proof files, signatures and key in memory,
    media hashed (and their signatures checked) as they stream."""

    names: list[str]
    members: dict[str, bytes]
    media: dict[str, MediaMember]
    key: OpenPgpKey


def read_proofmode_zip(
    source: Path | IO[bytes], name: str = "", limits: ProofModeLimits | None = None
) -> ProofModeZip:
    """Open and bound a ProofMode zip (a path, or an open binary file such as an upload);
    raises ProtocolError / BadInput / NotFound with a clear message when it is not one (no
    key, no proof, damaged, truncated, too large, a zip bomb)."""
    limits = limits or ProofModeLimits()
    name = name or (source.name if isinstance(source, Path) else "the bundle")
    with _zip(source, name, limits) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise ProtocolError(
                f"the bundle has {len(infos)} members (at most {limits.max_members})"
            )
        if sum(i.file_size for i in infos) > limits.max_total:
            raise ProtocolError("the bundle declares more content than any ProofMode bundle")
        for i in infos:
            if i.file_size > (1 << 20) and i.file_size > i.compress_size * limits.max_ratio:
                raise ProtocolError(f"{i.filename} expands more than any real file (zip bomb?)")
        names = [i.filename for i in infos]
        key_name, _plans = plan_proofmode(names)
        media_names = set(media_members(names))
        by_name = {i.filename: i for i in infos}
        small = sum(i.file_size for i in infos if i.filename not in media_names)
        if small > limits.max_proofs:
            raise ProtocolError("the bundle's proofs and signatures are larger than any real ones")
        members: dict[str, bytes] = {}
        for name in names:
            if name not in media_names:
                members[name] = b"".join(_read_member(z, by_name[name], MAX_PROOF_FILE))
        key = OpenPgpKey(members[key_name])
        media: dict[str, MediaMember] = {}
        for name in sorted(media_names):
            data = b"".join(_read_member(z, by_name[name], limits.max_media))
            sig = members.get(f"{name}.asc")
            media[name] = MediaMember(
                sha256=hashlib.sha256(data).hexdigest(),
                signed=sig is not None,
                signature_problem=key.verify(data, sig) if sig is not None else None,
            )
            del data
    return ProofModeZip(names, members, media, key)


def import_proofmode(
    store: DeskStore,
    rid: str,
    source: Path | IO[bytes],
    name: str = "",
    limits: ProofModeLimits | None = None,
    pinned_fingerprint: str | None = None,
) -> list[ProvenanceRecord]:
    """Attach a ProofMode bundle to report ``rid``: every proof is checked and kept as a
    record (whatever its state: an invalid proof is evidence of something too), with one
    custody event ``provenance-imported`` per proof. With ``pinned_fingerprint`` (the
    ProofMode key the handler knows for this source), good signatures by another key are
    ``untrusted-signer``. Refuses (and changes nothing) a zip that is not a ProofMode bundle,
    or one none of whose proofs names an attachment of the report."""
    from tysha.desk.store import now_iso

    report = store.get_report(rid)
    name = name or (source.name if isinstance(source, Path) else "the bundle")
    bundle = read_proofmode_zip(source, name, limits)
    atts = [str(a.get("sha256", "")) for a in report.data.get("attachments", [])]
    records = assess_proofmode(
        bundle.members,
        bundle.names,
        bundle.key,
        atts,
        bundle.media,
        pinned_fingerprint=pinned_fingerprint,
        source_file=name,
        imported_at=now_iso(),
    )
    if all(r.attachment is None for r in records):
        raise BadInput(
            f"{name}: no proof in it is about an attachment of report {rid} "
            "(its file hashes match none of them); nothing imported"
        )
    store.add_provenance(rid, [r.to_json() for r in records])
    for r in records:
        store.custody(
            "provenance-imported",
            rid,
            {
                "kind": r.kind,
                "state": r.state,
                "attachment": r.attachment,
                "media_sha256": r.media_sha256,
                "signer_fingerprint": r.signer_fingerprint,
                "file": r.source_file,
            },
        )
    return records


# --- C2PA -----------------------------------------------------------------------------------


def set_trust_anchors(store: DeskStore, pem: bytes) -> int:
    """Make these PEM certificates the desk's C2PA trust anchors (replacing the old ones);
    returns how many. Refuses anything that is not a list of X.509 certificates."""
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise BadInput("the trust anchors are not PEM certificates") from None
    with store.transaction():  # with its custody event, or not at all
        store.set_setting(TRUST_SETTING, pem.decode("ascii"))
        store.custody("c2pa-trust-set", None, {"anchors": len(certs)})
    return len(certs)


def _context(trust_pem: str | None) -> Any:
    import c2pa

    verify: dict[str, Any] = {
        "verify_trust": bool(trust_pem),
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
    }
    settings: dict[str, Any] = {"verify": verify}
    if trust_pem:
        settings["trust"] = {"trust_anchors": trust_pem}
    return c2pa.Context.from_dict(settings)


def c2pa_check(
    data: bytes,
    media_type: str,
    *,
    media_sha256: str = "",
    attachment: int | None = None,
    trust_pem: str | None = None,
    checked_at: str = "",
) -> ProvenanceRecord:
    """Read and validate the C2PA manifest of one file held in memory; never raises for
    what the file holds (a missing manifest is ``absent``, a broken one ``invalid``)."""
    sha = media_sha256 or hashlib.sha256(data).hexdigest()
    state = manifest = results = error = None
    try:
        import c2pa
    except (ImportError, OSError):  # the wheel's native library is missing or does not load
        return ProvenanceRecord(
            kind="c2pa",
            state="unchecked",
            media_sha256=sha,
            attachment=attachment,
            errors=("the C2PA library (c2pa-python) does not load on this machine",),
            imported_at=checked_at,
        )
    try:
        with _quiet(), c2pa.Reader(media_type, io.BytesIO(data), context=_context(trust_pem)) as r:
            state = r.get_validation_state()
            manifest = r.get_active_manifest()
            results = r.get_validation_results()
    except MemoryError:  # the reader's limits, not what the file holds
        raise
    except Exception as exc:  # c2pa.C2paError and its family; an unusable native library
        name = type(exc).__name__
        text = str(exc).strip()
        # A file the library cannot parse carries no manifest we could read; it has one
        # (and a broken one is "invalid") only if the C2PA JUMBF label is in its bytes. A
        # file that has the label but in which the reader finds no manifest (a camera-signed
        # photo whose manifest segment was cut or mangled) is not a plain photo: "invalid",
        # with the reason, never "absent", which shows nothing at all.
        if C2PA_UUID not in data or "NotSupported" in name:
            error = "absent"
        elif "ManifestNotFound" in name:
            error = "the file carries the C2PA label, but no manifest the reader can find"
        else:
            error = text.splitlines()[0][:200] if text else name
    return c2pa_record(
        media_sha256=sha,
        attachment=attachment,
        state=state,
        manifest=manifest,
        results=results,
        error=error,
        checked_at=checked_at,
    )


def _carries_manifest(store: DeskStore, blob: str, size: int) -> str | None:
    """The media type of a stored attachment that is a JPEG, PNG or MP4 by content and holds
    a C2PA manifest store, streamed chunk by chunk; else None."""
    media_type: str | None = None
    tail = b""
    for piece in store.read_blob(blob, size):
        if media_type is None:
            media_type = c2pa_media_type(piece[:16])
            if media_type is None:
                return None
        # The UUID inside this piece, or across the boundary with the previous one.
        if C2PA_UUID in piece or C2PA_UUID in tail + piece[: len(C2PA_UUID) - 1]:
            return media_type
        keep = len(C2PA_UUID) - 1
        tail = piece[-keep:] if len(piece) >= keep else (tail + piece)[-keep:]
    return None


def _unchecked(sha: str, n: int, why: str) -> ProvenanceRecord:
    from tysha.desk.store import now_iso

    return ProvenanceRecord(
        kind="c2pa",
        state="unchecked",
        media_sha256=sha,
        attachment=n,
        errors=(why,),
        imported_at=now_iso(),
    )


def _child_command() -> list[str]:
    """The reading child: this interpreter, isolated, running this same Tysha (the folder
    this module was loaded from first on its path), in bubblewrap where installed."""
    from tysha.desk.corroborate import _jail, same_tysha

    code = "from tysha.desk.provenance import _c2pa_child; sys.exit(_c2pa_child())"
    return _jail([*same_tysha(code), str(C2PA_CHILD_MEMORY)])


def _c2pa_confined(
    pieces: Iterator[bytes], media_type: str, trust: str | None, seconds: float
) -> tuple[dict[str, Any] | None, str]:
    """Have a child read a file's manifest (its bytes written to the child as they come).
    Returns (the record's JSON as the child gave it, "") or (None, why not)."""
    header = json.dumps({"media_type": media_type, "trust": trust or "", "cpu": seconds})
    from tysha.desk.corroborate import kill_group, start_group

    try:
        proc = start_group(
            _child_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
        )
    except OSError:
        return None, "the C2PA reader could not be started on this machine; not checked"
    late = threading.Event()

    def stop() -> None:
        late.set()
        kill_group(proc)

    timer = threading.Timer(seconds, stop)
    timer.start()
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with contextlib.suppress(OSError):  # the child is gone: its answer says why
            proc.stdin.write(header.encode() + b"\n")
            for piece in pieces:
                proc.stdin.write(piece)
        with contextlib.suppress(OSError):
            proc.stdin.close()
        out = proc.stdout.read(_CHILD_OUTPUT)
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            kill_group(proc)
            proc.wait()
        proc.stdout.close()
    if late.is_set() or code in (-9, -24):  # SIGKILL by the timer, SIGXCPU by the rlimit
        return None, (
            f"the C2PA reader took longer than {seconds:.0f} s on this file "
            "(it may be made to hold it); not checked"
        )
    try:
        obj = json.loads(out)
    except ValueError:
        obj = None
    if code != 0 or not isinstance(obj, dict):
        return None, (
            "the C2PA reader stopped on this file (it may be made to crash it, or it needed "
            "more memory than the desk gives it); not checked"
        )
    return obj, ""


def _c2pa_child() -> int:  # pragma: no cover - runs in the reading child
    """Read one file's manifest: limits first, then a header line, then the file (stdin);
    the record as JSON on stdout."""
    import resource

    memory = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    head = json.loads(sys.stdin.buffer.readline(16 << 20))
    cpu = max(1, int(float(head["cpu"])) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    data = sys.stdin.buffer.read(C2PA_MAX_BYTES + 1)
    if len(data) > C2PA_MAX_BYTES:
        return 2
    rec = c2pa_check(data, str(head["media_type"]), media_sha256="-",
                     trust_pem=str(head["trust"]) or None)  # fmt: skip
    obj = rec.to_json()
    obj["errors"] = obj["errors"][:50]  # a manifest may list any number of failures
    sys.stdout.write(json.dumps(obj))
    return 0


def _check_one(
    store: DeskStore, a: dict[str, Any], n: int, media_type: str, trust: str | None,
    seconds: float,
) -> ProvenanceRecord:  # fmt: skip
    from tysha.desk.store import now_iso

    sha = str(a.get("sha256", ""))
    size = int(a.get("size", 0) or 0)
    if size > C2PA_MAX_BYTES:
        return _unchecked(sha, n, f"larger than the desk checks ({C2PA_MAX_BYTES >> 20} MiB)")
    if seconds <= 0:
        return _unchecked(
            sha, n, f"the report's files took more than the {C2PA_REPORT_SECONDS} s the desk "
            "gives their C2PA checks together; not checked",
        )  # fmt: skip
    obj, why = _c2pa_confined(store.read_blob(a["blob"], size), media_type, trust, seconds)
    if obj is None:
        return _unchecked(sha, n, why)
    try:
        rec = ProvenanceRecord.from_json(obj)  # bounded text; the child's word on the rest
    except ProtocolError:
        return _unchecked(sha, n, "the C2PA reader gave no usable answer; not checked")
    if rec.kind != "c2pa":
        return _unchecked(sha, n, "the C2PA reader gave no usable answer; not checked")
    return dataclasses.replace(
        rec, media_sha256=sha, attachment=n, source_file="", imported_at=now_iso()
    )


def check_attachments(store: DeskStore, rid: str) -> list[ProvenanceRecord]:
    """The fetch hook: every attachment of ``rid`` that is a JPEG, PNG or MP4 by content and
    carries a C2PA manifest gets its validation state kept in the report (sealed with it) and
    a custody event ``c2pa-checked``. Files without a manifest are left as they are (found by
    streaming them, never holding them whole). The manifests are read in a limited child
    (module docstring); one that is not read in time, or whose reader dies, is ``unchecked``
    with the reason. Never raises: a desk failure here must not lose the report it is about
    (its photos then simply show no C2PA state)."""
    import time

    try:
        report = store.get_report(rid)
        trust = store.get_setting(TRUST_SETTING)
        trust = trust if isinstance(trust, str) else None
        found: list[ProvenanceRecord] = []
        deadline = time.monotonic() + C2PA_REPORT_SECONDS
        for n, a in enumerate(report.data.get("attachments", [])):
            size = int(a.get("size", 0) or 0)
            media_type = _carries_manifest(store, a["blob"], size)
            if media_type is None:
                continue
            seconds = min(C2PA_FILE_SECONDS, deadline - time.monotonic())
            try:
                rec = _check_one(store, a, n, media_type, trust, seconds)
            except Exception:  # noqa: BLE001 - the desk's own failure: said, not hidden
                rec = _unchecked(str(a.get("sha256", "")), n, "the desk could not check it")
            if rec.state != "absent":
                found.append(rec)
        if found:
            store.add_provenance(rid, [r.to_json() for r in found])
            for r in found:
                store.custody(
                    "c2pa-checked",
                    rid,
                    {"attachment": r.attachment, "state": r.state, "media_sha256": r.media_sha256},
                )
        return found
    except Exception:  # noqa: BLE001 - the report is stored; its provenance stays unread
        return []
