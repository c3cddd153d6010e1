"""Checking receipts offline: one receipt, or every receipt of a courier's receipts file.

A receipt (DESIGN.md step 5) proves an envelope's digest is a leaf of the drop's log: the
checkpoint is a signed note under the drop's key, the inclusion proof (RFC 9162 §2.1.3) leads
from the leaf to the checkpoint's root. Whoever holds a drop key can sign such proofs for a log
of their own, so the key must be *pinned*: given by the verifier, obtained from the drop itself.
A receipt file names its key (``vkey``); without a pin that key is only reported (UNPINNED).
A courier's receipts file names none, so it cannot be checked without a pin.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tysha.errors import BadInput, TyshaError, VerificationError
from tysha.protocol import Receipt
from tysha.tlog import Checkpoint

__all__ = [
    "ReceiptCheck",
    "check_courier_receipts",
    "check_drop_pins",
    "check_receipt",
    "pinned",
]


def _norm(key: str) -> str:
    return "".join(str(key).split())


def check_drop_pins(drop_pins: Sequence[str]) -> list[str]:
    """The pins as given, each checked to be a drop verifier key (C2SP signed-note vkey), so a
    typo is named rather than reported as a mismatch."""
    from tysha.tlog import NoteVerifier

    out = []
    for pin in drop_pins:
        try:
            NoteVerifier.from_vkey(_norm(pin))
        except TyshaError:
            raise BadInput(
                f"--drop-key {str(pin)[:60]!r} is not a drop key (`tysha drop info --json` "
                'gives it as "vkey")'
            ) from None
        out.append(_norm(pin))
    return out


def pinned(vkey: str, drop_pins: Sequence[str]) -> bool:
    """True if ``vkey`` is one of the pins; raises if pins are given and it is none of them;
    False (UNPINNED) if there are no pins."""
    if not drop_pins:
        return False
    if _norm(vkey) not in {_norm(p) for p in drop_pins}:
        raise VerificationError(f"signed by drop key {vkey!r}, not a pinned one")
    return True


def check_receipt(receipt: Receipt, vkey: str, drop_pins: Sequence[str] = ()) -> Checkpoint:
    """The pin, then the checkpoint's signature and the inclusion proof."""
    pinned(vkey, drop_pins)
    cp: Checkpoint = receipt.verify(vkey)
    return cp


@dataclass(frozen=True)
class ReceiptCheck:
    """One receipt of a courier's file: its checkpoint when it holds, else why not."""

    position: int  # 1-based, as a person counts
    receipt: Receipt
    checkpoint: Checkpoint | None
    error: str | None


def check_courier_receipts(
    note: str, receipts: Sequence[Receipt], drop_pins: Sequence[str]
) -> list[ReceiptCheck]:
    """Every receipt against the file's one final checkpoint, under one of the pinned keys.

    The file's consistency proof links that checkpoint to the one the source saw before; only
    the source device holds that one, so it is checked there (``source import-receipts``)."""
    if not drop_pins:
        raise BadInput(
            "a courier's receipts file names no drop key: give the drop's key with --drop-key VKEY"
        )
    out = []
    for n, r in enumerate(receipts, 1):
        if r.checkpoint != note:
            out.append(ReceiptCheck(n, r, None, "not proved against the file's checkpoint"))
            continue
        cp: Checkpoint | None = None
        error: str | None = "no pinned key signed its checkpoint"
        for pin in drop_pins:
            try:
                cp, error = r.verify(pin), None
                break
            except TyshaError as exc:
                error = exc.message
        out.append(ReceiptCheck(n, r, cp, error))
    return out
