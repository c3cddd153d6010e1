"""``report.pdf``: the bundle's readable report as PDF, made in Python (fpdf2) from
``report.html``.

The HTML page is the checked one (``tysha verify`` regenerates it from the signed data); the PDF
is the same page typeset, listed and hashed in the signed index like every member, and
``tysha verify`` says so: it is the desk's rendering, read ``report.html`` for the checked text.
Cyrillic needs a Unicode font: DejaVu Sans (``TYSHA_PDF_FONT`` names another TTF). Without
fpdf2 or the font there is no PDF, and the bundle is otherwise the same.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

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


def render_pdf(page: bytes) -> bytes | None:
    """The PDF of ``report.html``'s body, or None where it cannot be made here."""
    try:
        from fpdf import FPDF
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
    try:
        pdf = FPDF()
        # A fixed date: the same data gives the same file (the bundle's time is its custody).
        pdf.set_creation_date(datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC))
        pdf.add_font("Body", "", str(font))
        pdf.add_font("Body", "B", str(bold if bold.is_file() else font))
        pdf.set_font("Body", size=9)
        pdf.add_page()
        pdf.write_html(html[start + len("<body>") : end], font_family="Body")
        return bytes(pdf.output())
    except Exception:  # a font or layout the library refuses: the HTML page stands alone
        return None
