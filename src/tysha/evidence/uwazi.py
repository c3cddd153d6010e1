"""Export for Uwazi (HURIDOCS): an entities CSV and the thesauri its select fields use.

Uwazi's CSV import (its wiki, "Import CSV") matches columns to a template's property names,
requires ``title``, takes several values of a multi-select joined by ``|``, a geolocation as
``lat|lon``, and dates as text it parses. :data:`TEMPLATE` is our template (property name,
Uwazi type, thesaurus); ``docs/schema/uwazi-template.json`` publishes the same, and the tests
read the CSV back with :mod:`csv` against it. Thesauri are CSVs with one column per language
(``en``, ``uk``, ``ru``), one row per value.

Free-text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading ``'`` so a
spreadsheet never runs a report's text as a formula (CSV injection). In the markdown cells
(``description``, ``attachments``) a source's ``\\``, ``[``, ``]`` and ``<`` are backslash-escaped:
Uwazi shows the words as written and makes of them no link, no image (which every analyst's
browser would fetch from the sender's server on opening the entity) and no HTML. Pure: rows in,
rows out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tysha.evidence.taxonomy import CATEGORIES, QUALIFICATIONS, category

__all__ = ["TEMPLATE", "THESAURI", "entity_rows", "thesaurus_rows"]

#: (property name, Uwazi property type, thesaurus name or "")
TEMPLATE: tuple[tuple[str, str, str], ...] = (
    ("title", "text", ""),
    ("report_id", "text", ""),
    ("incident_date", "date", ""),
    ("place", "text", ""),
    ("geolocation", "geolocation", ""),
    ("categories", "multiselect", "tysha_categories"),
    ("description", "markdown", ""),
    ("status", "select", "tysha_status"),
    ("legal_qualifications", "multiselect", "tysha_qualifications"),
    ("flags", "multiselect", "tysha_flags"),
    ("source_fingerprint", "text", ""),
    ("envelope_sha256", "text", ""),
    ("drop_log_entry", "text", ""),
    ("attachments", "markdown", ""),
    ("received_at", "date", ""),
)

_STATUSES = ("new", "reviewing", "verified", "escalated")  # desk.models.STATUSES
_FLAGS = (
    "revoked-source",
    "source-unreadable",
    "drop-unreadable",
    "capture-unverified",
    "receipt-unverified",
    "log-forked",
    "unenrolled-source",
    "invitation-reused",
    "implausible-claims",
    "unaddressed-share",
    # On an analyst desk: flagged by the handler desk that shared the report (desk.views).
    "shared-unenrolled-source",
    "shared-invitation-reused",
    "shared-revoked-source",
    "shared-capture-unverified",
    "shared-receipt-unverified",
    "shared-log-forked",
    "shared-implausible-claims",
    "shared-other",
)
THESAURI: dict[str, list[tuple[str, str, str]]] = {
    "tysha_categories": [(c.en, c.uk, c.ru) for c in CATEGORIES],
    "tysha_status": [(s, s, s) for s in _STATUSES],
    "tysha_qualifications": [(q.code, q.code, q.code) for q in QUALIFICATIONS],
    "tysha_flags": [(f, f, f) for f in _FLAGS],
}

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_RISKY) else s


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\[]<"})


def _markdown(value: str) -> str:
    """A source's words in a markdown cell: no link, image or HTML of theirs (module doc)."""
    return _text(value.translate(_MARKDOWN))


def _multi(values: Sequence[str]) -> str:
    # '|' separates values in Uwazi; a value never holds one.
    return "|".join(v.replace("|", "/") for v in values)


def _geo(attachments: Any) -> str:
    for a in attachments if isinstance(attachments, list) else []:
        claims = a.get("claims") if isinstance(a, Mapping) else None
        gps = claims.get("exif_gps") if isinstance(claims, Mapping) else None
        if (
            isinstance(gps, list)
            and len(gps) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in gps)
            and abs(gps[0]) <= 90_000_000
            and abs(gps[1]) <= 180_000_000
        ):
            return f"{gps[0] / 1e6:.6f}|{gps[1] / 1e6:.6f}"
    return ""


def entity_rows(
    reports: Sequence[tuple[str, Mapping[str, Any], Sequence[str]]],
) -> list[list[str]]:
    """The CSV rows (header first) for ``(id, report record, flag codes)``."""
    rows = [[name for name, _t, _th in TEMPLATE]]
    for rid, d, flags in reports:
        cats = [str(c) for c in d.get("categories", []) or []]
        quals = [
            str(q.get("code")) for q in d.get("qualifications", []) or [] if isinstance(q, Mapping)
        ]
        atts = [
            f"{a.get('name')} ({a.get('size')} bytes, SHA-256 {a.get('sha256')})"
            for a in d.get("attachments", []) or []
            if isinstance(a, Mapping)
        ]
        text = str(d.get("text") or "")
        title = (text.splitlines()[0] if text else "")[:80] or f"Report {rid}"
        row = {
            "title": _text(title),
            "report_id": rid,
            "incident_date": _text(d.get("when") or ""),
            "place": _text(d.get("where") or ""),
            "geolocation": _geo(d.get("attachments")),
            "categories": _multi([category(c).en for c in cats]),
            "description": _markdown(text),
            "status": str(d.get("status") or "new"),
            "legal_qualifications": _multi(quals),
            "flags": _multi(list(flags)),
            "source_fingerprint": str(d.get("source_fingerprint") or ""),
            "envelope_sha256": str(d.get("envelope_digest") or ""),
            "drop_log_entry": f"{d.get('index')} of {d.get('drop') or '-'}",
            "attachments": _markdown("\n".join(atts)),
            "received_at": str(d.get("received_at") or ""),
        }
        rows.append([row[name] for name, _t, _th in TEMPLATE])
    return rows


def thesaurus_rows(name: str) -> list[list[str]]:
    """A thesaurus as CSV rows: header ``en, uk, ru``, then one row per value."""
    return [["en", "uk", "ru"], *[list(v) for v in THESAURI[name]]]
