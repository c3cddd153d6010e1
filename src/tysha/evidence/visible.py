"""Someone else's words made safe to show as text: each control, format or separator
character becomes a visible token (``⟨U+001B⟩``).

A report's place, a photo's C2PA signer, a file name are the sender's: an ESC there starts a
terminal escape sequence (cursor up, erase line, hyperlinks, the window title), CR and a line
break rewrite or add lines, U+202E reverses what follows. The categories replaced are Cc (C0
and C1 controls, tab aside), Cf (bidi overrides and isolates, zero-width characters), Zl and Zp
(separators), Co, Cs and Cn (private, surrogate, unassigned): the set the web desk shows as
tokens too (tysha.desk.web.display). The token says which character was there, so nothing is
hidden silently. Pure.
"""

from __future__ import annotations

import unicodedata

__all__ = ["hidden", "visible"]

_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def hidden(ch: str) -> bool:
    """Whether ``ch`` is one of the characters :func:`visible` shows as a token."""
    return unicodedata.category(ch) in _HIDDEN


def visible(value: object, keep: str = "\t") -> str:
    """``value`` with each such character as a token, but those in ``keep`` (by default a tab:
    so one line, a line break too made a token)."""
    s = "" if value is None else str(value)
    return "".join(
        f"\u27e8U+{ord(c):04X}\u27e9" if c not in keep and unicodedata.category(c) in _HIDDEN else c
        for c in s
    )
