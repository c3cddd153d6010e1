"""``report.pdf``: the bundle's readable report as PDF, made in Python (fpdf2) from
``report.html``.

The HTML page is the checked one (``tysha verify`` regenerates it from the signed data); the PDF
is the same page typeset, listed and hashed in the signed index like every member, and
``tysha verify`` says so: it is the desk's rendering, read ``report.html`` for the checked text.
Cyrillic needs a Unicode font: DejaVu Sans (``TYSHA_PDF_FONT`` names another TTF). Without
fpdf2 or the font there is no PDF, and the bundle is otherwise the same.

fpdf2 never splits a table row across pages: a report whose text is longer than a page (a
testimony of a thousand words) is typeset again with every table as paragraphs. Typesetting
has a CPU-time budget that grows with the page (:func:`_budget`, a few times what it needs):
fpdf2 measures a line again at every character it adds, so a text of zero-width or combining
characters, which never fills a line, takes time quadratic in its length (100,000 of them:
about half an hour); past the budget there is no PDF.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

from tysha.desk.cputime import TooSlow, cpu_deadline

__all__ = ["render_pdf"]

_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


def _font() -> Path | None:
    env = os.environ.get("TYSHA_PDF_FONT")
    for p in ([Path(env)] if env else []) + list(_FONTS):
        if p.is_file():
            return p
    return None


def _budget(html: str) -> float:
    """CPU seconds for typesetting ``html``: measured here at ~35 s per MB of page, so 30 s
    and 100 s per MB leave room for a slower machine."""
    return 30.0 + len(html) / 10_000


_CELL = re.compile(r"<(/?)(table|tr|th|td)\b[^>]*>")


def _without_tables(body: str) -> str:
    """The same page with each table row as a paragraph (headings bold, cells separated)."""

    def one(m: re.Match[str]) -> str:
        end, tag = m.group(1) == "/", m.group(2)
        if tag == "tr":
            return "</p>" if end else "<p>"
        if tag == "th":
            return "</b> " if end else "<b>"
        if tag == "td":
            return " · " if end else ""
        return ""

    return _CELL.sub(one, body)


def _new_pdf(font: Path, bold: Path) -> Any:
    """A document with the page's font (fontTools reads font files lazily: they stay open
    until :func:`_close`)."""
    from fpdf import FPDF

    pdf = FPDF()
    try:
        # A fixed date: the same data gives the same file (the bundle's time is its custody).
        pdf.set_creation_date(datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC))
        pdf.add_font("Body", "", str(font))
        pdf.add_font("Body", "B", str(bold if bold.is_file() else font))
        pdf.set_font("Body", size=9)
    except BaseException:
        _close(pdf)
        raise
    return pdf


def _close(pdf: Any) -> None:
    for f in pdf.fonts.values():
        ttfont = getattr(f, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def _typeset(pdf: Any, body: str) -> bytes:
    pdf.add_page()
    pdf.write_html(body, font_family="Body")
    return bytes(pdf.output())


def render_pdf(page: bytes) -> bytes | None:
    """The PDF of ``report.html``'s body, or None where it cannot be made here."""
    try:
        import fpdf  # noqa: F401
    except ImportError:
        return None
    font = _font()
    if font is None:
        return None
    bold = font.with_name(font.stem + "-Bold" + font.suffix)
    html = page.decode("utf-8")
    start, end = html.find("<body>"), html.rfind("</body>")
    if start < 0 or end < 0:
        return None
    body = html[start + len("<body>") : end]
    # Both documents (the page, and the page without tables should a row be taller than a
    # page) are made before the CPU deadline and closed after it: a deadline striking while
    # a font was opened or closed left its file open.
    pdfs: list[Any] = []
    try:
        pdfs.append(_new_pdf(font, bold))
        pdfs.append(_new_pdf(font, bold))
        with cpu_deadline(_budget(body)):
            try:
                return _typeset(pdfs[0], body)
            except Exception:  # noqa: BLE001 - a row taller than a page: no tables
                return _typeset(pdfs[1], _without_tables(body))
    except Exception:  # a font or layout the library refuses: the HTML page stands alone
        return None
    except TooSlow:  # typesetting this page would take longer than any real page does
        return None
    finally:
        for pdf in pdfs:
            _close(pdf)
