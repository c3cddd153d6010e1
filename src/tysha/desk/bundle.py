"""Writing a court bundle (the format and its checks are :mod:`tysha.evidence.bundle`).

The file is created mode 0600 from its first byte (``mkstemp``; no window in which other local
users can read it: issue 9.17), written as ``<out>.<random>.part`` beside the target, flushed
to disk and renamed into place, so a crash never leaves a half bundle under the final name;
the part file a killed export left is deleted by the next export to that name.
Attachments and envelopes are streamed from the encrypted store into the archive and hashed on
the way; they are stored uncompressed (ciphertext and media do not compress).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tysha.desk.report_pdf import render_pdf
from tysha.desk.store import DeskStore
from tysha.errors import ConfigError, StorageError, VerificationError
from tysha.evidence.anchor import ANCHOR_FIELDS
from tysha.evidence.bundle import (
    ANCHOR,
    BUNDLE_DOMAIN,
    CUSTODY,
    INDEX,
    README,
    REPORT_HTML,
    REPORT_PDF,
    SIGNATURE,
    Flag,
    anchor_checks,
    build_index,
    custody_by_report,
    member_name,
    record_flags,
    report_public,
    summary_text,
)
from tysha.evidence.custody import (
    EXPORT_ACTION,
    build_segment,
    canonical_json,
    custody_consistency,
)
from tysha.evidence.report_html import render_report_html
from tysha.i18n import language_from_env
from tysha.protocol import Receipt, sign_message
from tysha.store.partfiles import remove_stale_parts, replaceable
from tysha.tlog import Checkpoint, parse_note

__all__ = ["BUNDLE_DOMAIN", "export_bundle", "export_uwazi", "report_flags"]


#: Every member's zip date: one fixed value, never the desk's wall time, whose local time zone
#: (beside the custody events' UTC times) would tell anyone holding the bundle where the
#: handler's machine is set to be.
_DATE = (1980, 1, 1, 0, 0, 0)


def _member(name: str) -> zipfile.ZipInfo:
    """A compressed member as ``ZipFile.writestr(name, …)`` makes it (mode 0600), but dated
    :data:`_DATE`."""
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


@contextlib.contextmanager
def _part_file(path: Path) -> Iterator[tuple[int, str]]:
    """A new part file beside ``path`` (mode 0600 from its first byte, ``mkstemp``), ``flock``ed
    until the block ends (the caller renames it into place inside the block). First, the part
    files of ``path`` that no process holds are deleted: what an export killed outright
    (SIGKILL, a power cut) left behind, readable evidence beside the target that nothing else
    would delete. Yields the file's descriptor (the caller's to close) and its name."""
    prefix = f".{path.name}."
    remove_stale_parts(path.parent, prefix)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
    lock = os.dup(fd)  # the lock lives as long as one descriptor of the file is open
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield fd, tmp
    finally:
        os.close(lock)


def report_flags(store: DeskStore, reports: list[Any]) -> dict[str, list[Flag]]:
    """The flags the desk shows for each report, by id: its report views' (one source of truth
    for every face, the desk's state read once), else what each record's own fields state."""
    try:
        from tysha.desk.views import report_views
    except ImportError:  # a desk without views (older branches)
        return {r.id: record_flags(r.data) for r in reports}
    return _flags_of(report_views(store, reports))


def _flags_of(views: list[Any]) -> dict[str, list[Flag]]:
    return {v.id: [Flag(str(f.code), str(f.reason)) for f in v.flags] for v in views}


def _desk_results(views: list[Any]) -> dict[str, dict[str, Any]]:
    """Each report's desk results as the desk's view states them now (desk/views.py): what
    ``report.json`` says of trust, the key's revocation, the log's consistency and the flags,
    so a key revoked or a fork found after intake is stated there as in the index's flags,
    never the intake's "trusted": true beside them."""
    return {
        v.id: {
            "trusted": v.trusted,
            "revoked": v.revoked,
            "log_consistent": v.log_consistent,
            "capture_verified": v.capture_verified,
            "receipt_verified": v.receipt_verified,
            "flag_codes": v.flag_codes,
        }
        for v in views
    }


def _stored(store: DeskStore, blob: str, size: int, damaged: str) -> Iterator[bytes]:
    """A stored file's bytes; one that is damaged or gone is said with ``damaged`` (which
    report, which file), so the handler knows what to leave out to export the rest."""
    try:
        yield from store.read_blob(blob, size)
    except (VerificationError, StorageError):
        raise StorageError(damaged, hint="restore the desk folder from your backup") from None


def export_bundle(
    store: DeskStore,
    out: Path,
    ids: list[str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> int:
    """Write a bundle of the reports ``ids`` (all when None) to ``out``; return how many.
    ``warn`` hears what the bundle lacks that a person would expect in it (the PDF). A report
    named twice is exported once (a bundle listing it twice does not verify)."""
    reports = [store.get_report(i) for i in dict.fromkeys(ids)] if ids else store.list_reports()
    if not reports:
        raise ConfigError(
            "no reports to export",
            hint="this desk holds no report yet: fetch them first with `tysha desk fetch`",
        )
    out = Path(out)
    replaceable(out, b"PK\x03\x04", "a court bundle")  # before any custody is recorded
    if not out.parent.is_dir():  # a typo, a stick not mounted: no "export started" for it
        code = errno.ENOTDIR if out.parent.exists() else errno.ENOENT
        raise StorageError(f"cannot write the bundle to {out.name}") from OSError(
            code, os.strerror(code), str(out)
        )
    files: dict[str, str] = {}
    files_raw: dict[str, bytes] = {}
    drops: dict[str, str] = {}
    from tysha.desk.views import report_views

    views = report_views(store, reports)  # the desk's state read once: flags and results
    flags, results = _flags_of(views), _desk_results(views)
    # Recorded before the custody head is signed, so each report's custody in the bundle must
    # end here (a tail cut off is then detectable); "exported" follows once it is written.
    for r in reports:
        store.custody(EXPORT_ACTION, r.id, {"bundle": out.name})
    log = store.custody_events()
    chosen = {r.id for r in reports}
    cut = 1 + max(
        i for i, e in enumerate(log) if e["action"] == EXPORT_ACTION and e.get("report") in chosen
    )
    part = contextlib.ExitStack()
    try:
        fd, tmp_name = part.enter_context(_part_file(out))
    except OSError as exc:
        raise StorageError(f"cannot write the bundle to {out.name}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:

                def put(name: str, data: bytes) -> None:
                    z.writestr(_member(name), data)
                    files[name] = hashlib.sha256(data).hexdigest()
                    if name in (CUSTODY, REPORT_HTML):
                        files_raw[name] = data

                def put_stream(name: str, size: int, pieces: Iterable[bytes]) -> None:
                    info = zipfile.ZipInfo(name, date_time=_DATE)
                    info.compress_type = zipfile.ZIP_STORED
                    info.file_size = size
                    h = hashlib.sha256()
                    with z.open(info, "w", force_zip64=size >= (1 << 31)) as w:
                        for piece in pieces:
                            h.update(piece)
                            w.write(piece)
                    files[name] = h.hexdigest()

                public: dict[str, dict[str, Any]] = {}
                for r in reports:
                    d = r.data
                    base = f"reports/{r.id}"
                    drops[d["drop"]] = d["drop_vkey"]
                    public[r.id] = report_public(d) | results[r.id]
                    put(f"{base}/report.json", canonical_json(public[r.id]))
                    put_stream(
                        f"{base}/envelope.bin",
                        int(d["envelope_size"]),
                        _stored(store, d["envelope_blob"], d["envelope_size"],
                                f"the envelope of report {r.id} is damaged or missing in "
                                "the desk; name the other reports to export them"),
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
                        put_stream(
                            f"{base}/files/{n}-{member_name(a['name'])}",
                            int(a["size"]),
                            _stored(store, a["blob"], a["size"],
                                    f"attachment {n} of report {r.id} is damaged or missing "
                                    "in the desk; name the other reports to export them"),
                        )
                # Only these reports' events, proved into a signed head of the whole log:
                # exporting one report discloses nothing of the others (issue 14).
                put(
                    CUSTODY,
                    canonical_json(
                        build_segment(log[:cut], [r.id for r in reports], store.identity)
                    ),
                )
                # The latest anchor of the custody log in a drop's log, and the proof that
                # this bundle's custody head extends it (evidence/anchor.py).
                anchor = store.latest_anchor(cut)
                anchor_doc: dict[str, Any] | None = None
                if anchor is not None and anchor.get("receipt"):
                    size = int(Checkpoint.parse(parse_note(anchor["head"])[0]).size)
                    doc = {k: anchor[k] for k in ANCHOR_FIELDS if anchor.get(k) is not None}
                    doc["consistency"] = [h.hex() for h in custody_consistency(log[:cut], size)]
                    if isinstance(doc.get("witnessed"), dict):
                        # Only the proofs of this bundle's checkpoints (sizes say nothing of
                        # other reports beyond the drop's public log).
                        need = {
                            str(r.data["checkpoint"].get("size"))
                            for r in reports
                            if isinstance(r.data.get("checkpoint"), dict)
                        }
                        note = Receipt.from_json(doc["receipt"]).checkpoint
                        need.add(str(Checkpoint.parse(parse_note(note)[0]).size))
                        w = doc["witnessed"]
                        doc["witnessed"] = {
                            "note": w["note"],
                            "proofs": {k: v for k, v in w["proofs"].items() if k in need},
                        }
                    put(ANCHOR, canonical_json(doc))
                    anchor_doc = doc
                time_stamped, witnessed = anchor_checks(anchor_doc)
                put(
                    README,
                    summary_text(
                        store.name,
                        store.public.fingerprint(),
                        drops,
                        [(r.id, public[r.id], flags[r.id]) for r in reports],
                        time_stamped=time_stamped,
                        witnessed=witnessed,
                    ),
                )
                lang = str(store.get_setting("lang") or language_from_env())
                put(
                    REPORT_HTML,
                    render_report_html(
                        lang=lang,
                        desk_name=store.name,
                        desk_fingerprint=store.public.fingerprint(),
                        drops=drops,
                        reports=[(r.id, public[r.id], flags[r.id]) for r in reports],
                        custody=custody_by_report(files_raw[CUSTODY]),
                        anchored=ANCHOR in files,
                    ),
                )
                pdf = render_pdf(files_raw[REPORT_HTML])
                if pdf is not None:
                    put(REPORT_PDF, pdf)
                elif warn is not None:
                    warn(
                        "the bundle has no report.pdf: it could not be typeset here;"
                        " report.html in the bundle has the same content"
                    )
                raw = build_index(
                    desk=store.public,
                    desk_name=store.name,
                    drops=drops,
                    reports=[r.id for r in reports],
                    flags=flags,
                    files=files,
                    lang=lang,
                )
                z.writestr(_member(INDEX), raw)
                z.writestr(
                    _member(SIGNATURE),
                    sign_message(store.identity.sign_seed, BUNDLE_DOMAIN, raw).hex(),
                )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageError(f"cannot write the bundle to {out.name}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        part.close()
    for r in reports:
        store.custody("exported", r.id, {"bundle": out.name})
    return len(reports)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    """A CSV file, 0600 from its first byte, written whole then renamed into place."""
    with _part_file(path) as (fd, tmp):
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(rows)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def export_uwazi(store: DeskStore, out_dir: Path, ids: list[str] | None = None) -> int:
    """``entities.csv`` and ``thesauri/<name>.csv`` for Uwazi (:mod:`tysha.evidence.uwazi`);
    a report named twice is one row."""
    from tysha.evidence.uwazi import THESAURI, entity_rows, thesaurus_rows

    reports = [store.get_report(i) for i in dict.fromkeys(ids)] if ids else store.list_reports()
    if not reports:
        raise ConfigError(
            "no reports to export",
            hint="this desk holds no report yet: fetch them first with `tysha desk fetch`",
        )
    flags = report_flags(store, reports)
    rows = entity_rows([(r.id, r.data, [f.code for f in flags[r.id]]) for r in reports])
    try:
        (out_dir / "thesauri").mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_csv(out_dir / "entities.csv", rows)
        for name in THESAURI:
            _write_csv(out_dir / "thesauri" / f"{name}.csv", thesaurus_rows(name))
    except OSError as exc:
        raise StorageError(f"cannot write the Uwazi export: {exc.strerror}") from None
    for r in reports:
        store.custody("exported", r.id, {"uwazi": out_dir.name})
    return len(reports)
