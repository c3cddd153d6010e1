"""Invitations for the source tests, today's and after signed invitations land (wt-core)."""

from __future__ import annotations

import os

from tysha.protocol import Identity, Invitation


def make_invitation(
    url: str, vkey: str, handler: Identity, escrow: Identity | None = None
) -> Invitation:
    """A fresh invitation from ``handler``: signed when the protocol signs invitations."""
    esc = escrow.public() if escrow else None
    create = getattr(Invitation, "create", None)
    if create is not None:
        return create((url,), vkey, handler, esc, os.urandom(16))  # type: ignore[no-any-return]
    return Invitation((url,), vkey, handler.public(), esc, os.urandom(16))
