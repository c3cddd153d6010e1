"""Size padding, so that an envelope's length says little about its content.

* Text-only content (and every content up to :data:`TEXT_BUCKET` bytes) is padded to exactly
  :data:`TEXT_BUCKET`: all short reports and replies look alike on the wire.
* Larger content (media) is padded with Padmé (Nikitin et al., "Reducing Metadata Leakage from
  Encrypted Files and Communication with PURBs", PETS 2019, §4): a length ``L`` is rounded up so
  that only its top ``floor(log2(floor(log2 L))) + 1`` bits may be non-zero. The overhead is at
  most about 12 % and a length leaks O(log log L) bits.

The padded length counts the 8-byte length prefix that the envelope puts in front of the
content (see :mod:`tysha.protocol.envelope`).
"""

from __future__ import annotations

__all__ = ["TEXT_BUCKET", "is_valid_padded_length", "padded_length", "padme"]

#: The one size every short (text-only) envelope payload has.
TEXT_BUCKET = 8 * 1024


def padme(length: int) -> int:
    """Padmé: round ``length`` up so that at most ``S`` leading bits are significant."""
    if length < 2:
        return length
    e = length.bit_length() - 1  # floor(log2 L)
    s = e.bit_length()  # floor(log2 E) + 1
    last_bits = e - s
    mask = (1 << last_bits) - 1
    return (length + mask) & ~mask


def padded_length(framed_length: int) -> int:
    """The padded size for ``framed_length`` bytes (content plus its 8-byte prefix)."""
    if framed_length <= TEXT_BUCKET:
        return TEXT_BUCKET
    return padme(framed_length)


def is_valid_padded_length(length: int) -> bool:
    """What the drop checks: is ``length`` one of the sizes senders produce?"""
    return length == TEXT_BUCKET or (length > TEXT_BUCKET and padme(length) == length)
