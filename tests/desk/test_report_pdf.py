"""The bundle's report.pdf (desk/report_pdf.py) from what sources write: a long testimony
still gets its PDF, and a text made to be slow to typeset does not hold the export."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tysha.desk import report_pdf
from tysha.evidence.report_html import render_report_html

pytest.importorskip("fpdf")
if report_pdf._font() is None:
    pytest.skip("no Unicode font for the PDF here", allow_module_level=True)


def _page(*texts: str) -> bytes:
    reports = [
        (f"{n:08x}", {"text": t, "categories": ["fil"], "where": "Kherson",
                      "attachments": [{"name": "a.jpg", "size": 1, "media_type": "image/jpeg",
                                       "sha256": "00" * 32}]}, [])
        for n, t in enumerate(texts)
    ]  # fmt: skip
    return render_report_html(lang="en", desk_name="cell", desk_fingerprint="12345",
                              drops={}, reports=reports, custody={}, anchored=False)  # fmt: skip


def test_a_testimony_longer_than_a_page_still_gets_a_pdf() -> None:
    # Before: fpdf2 never splits a table row across pages, refused the page, and the bundle
    # had no report.pdf at all -- for every report in it, because of one long testimony.
    words = "soldiers took the men from the school to a bus at dawn, солдати забрали чоловіків"
    testimony = " ".join([words] * 300)  # about 25,000 characters: several pages
    short = render_pdf_pages(_page("a short report"))
    long = report_pdf.render_pdf(_page("a short report", testimony))
    assert long is not None and long.startswith(b"%PDF-")
    assert long.count(b"/Type /Page\n") >= short + 3
    # The same data gives the same file.
    assert report_pdf.render_pdf(_page("a short report", testimony)) == long


def render_pdf_pages(page: bytes) -> int:
    pdf = report_pdf.render_pdf(page)
    assert pdf is not None
    return pdf.count(b"/Type /Page\n")


def test_a_text_slow_to_typeset_does_not_hold_the_export(monkeypatch: Any) -> None:
    # Before: no limit; fpdf2 measures a line again at each character it adds, and zero-width
    # characters never fill a line: 8,000 of them took 9 s, 100,000 about half an hour.
    monkeypatch.setattr(report_pdf, "_budget", lambda html: 1.0, raising=False)
    t = time.monotonic()
    assert report_pdf.render_pdf(_page("\u200d" * 12_000)) is None
    assert time.monotonic() - t < 8
    assert report_pdf.render_pdf(_page("an ordinary report")) is not None
