"""Hostile strings on screen: isolated, control characters made visible, never spoofing.

A source (or an impostor) chooses report text, place names and attachment names. Unicode
lets such a string reorder what is drawn around it: U+202E RIGHT-TO-LEFT OVERRIDE turns
``invoice‮gpj.exe`` into what reads as ``invoiceexe.jpg``, and a bidi run can pull a hash
prefix or a badge into the middle of a name (issue 9.12). So every user string is:

* wrapped in ``<bdi>`` (HTML's bidi isolation: its direction cannot leak out), and
* stripped of nothing, but each format/control character (Unicode categories Cc, Cf, Zl, Zp
  except tab and newline, plus the bidi controls) is *shown* as a visible ``⟨U+202E⟩`` token,
  so the handler sees that something odd is there.

Long unbroken strings wrap through CSS (``overflow-wrap: anywhere`` on ``.user``).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from tysha.evidence.visible import hidden

__all__ = ["plain_name", "user_text"]

_KEEP = {"\n", "\t"}


def _invisible(ch: str) -> bool:
    """The characters :mod:`tysha.evidence.visible` shows as tokens (one rule for the
    terminal, the bundle and these pages), but a page's own line breaks and tabs."""
    return ch not in _KEEP and hidden(ch)


def user_text(value: object, limit: int | None = None) -> Markup:
    """HTML for a user-supplied string: escaped, isolated, control characters visible."""
    s = "" if value is None else str(value)
    cut = limit is not None and len(s) > limit
    if cut:
        s = s[:limit]
    parts: list[str] = []
    for ch in s:
        if _invisible(ch):
            parts.append(f'<span class="ctl" title="hidden character">⟨U+{ord(ch):04X}⟩</span>')
        else:
            parts.append(str(escape(ch)))
    return Markup('<bdi class="user">' + "".join(parts) + ("…" if cut else "") + "</bdi>")


def plain_name(name: str) -> str:
    """An attachment name safe as a download name: no path, no control or bidi characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join("_" if _invisible(c) else c for c in base).strip(" .")
    return clean[:120] or "attachment"
