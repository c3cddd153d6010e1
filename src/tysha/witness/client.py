"""Asking witnesses for cosignatures (the client side of C2SP tlog-witness).

A log (the drop) or a monitor (a desk) uses :class:`WitnessClient` per witness, or
:func:`cosign_all` for several. Given the signed checkpoint note, the size the witness is
believed to hold, and a *proof source* ``(old_size, new_size) -> list[bytes]`` giving
RFC 6962 consistency proofs of the log, it obtains the witness's cosignature line(s),
learning the witness's size from a ``409`` and retrying once if the first guess was wrong.

Every line returned is verified against the witness's vkey; lines by other keys are ignored
(tlog-witness: "The client MUST ignore any cosignatures from unknown keys").

Errors: TransportError if the witness cannot be reached or answers too slowly;
:class:`WitnessRefused` (a TransportError with ``status`` and, for 409, ``size``) for a refusal
that says nothing about the log's honesty (unknown log, our key not trusted, it already
cosigned a larger tree); :class:`BadWitnessAnswer` (a VerificationError) when the witness's own
answer is false or malformed (no valid cosignature, an answer beyond the protocol's size):
the witness misbehaves, which says nothing about the log; any other VerificationError when the
witness says the checkpoint is *inconsistent* with what it cosigned (422, or 409 at the same
size with another root): the log has forked or lied, and the caller must report it, not retry
it away.

A witness's answer is read no further than :data:`MAX_ANSWER` bytes and must arrive whole
within the client's ``timeout`` (a per-read timeout alone lets a witness drip one byte at a
time for ever).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from tysha.errors import ProtocolError, TransportError, TyshaError, VerificationError
from tysha.tlog import Checkpoint, CosignatureVerifier, add_signatures, parse_note
from tysha.tlog.witness import (
    SIZE_CONTENT_TYPE,
    format_add_checkpoint,
    parse_cosignature_lines,
    parse_size_body,
)
from tysha.transport.client import AnswerTooLong, AnswerTooSlow, read_capped, tls_context

__all__ = [
    "MAX_ANSWER",
    "BadWitnessAnswer",
    "Cosigned",
    "ProofSource",
    "WitnessClient",
    "WitnessRefused",
    "WitnessWentBack",
    "cosign_all",
]

#: ``proof_source(old_size, new_size)`` -> the log's consistency proof between the two sizes.
ProofSource = Callable[[int, int], Sequence[bytes]]

#: The longest answer read from a witness: a 200 is a few cosignature lines, a 409 one number.
MAX_ANSWER = 64 << 10


class WitnessRefused(TransportError):
    """The witness answered and refused, for a reason that is not a fork (see module doc)."""

    hint = "check the witness's configuration for this log; the checkpoint stays valid"

    def __init__(self, message: str, *, status: int, size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.size = size


class WitnessWentBack(WitnessRefused):
    """The witness holds a smaller tree than one it cosigned for this caller: its state is an
    older copy (restored from a backup, a disk snapshot, or the same key run in two places),
    so it may cosign a fork of what it signed. It is not asked to cosign from that size."""

    hint = "its operator must retire that witness key and start a new witness"


class BadWitnessAnswer(VerificationError):
    """The witness's answer is false or malformed: the witness misbehaves (not the log)."""


@dataclass(frozen=True)
class Cosigned:
    """A witness's verified cosignature line(s) on one checkpoint, and their timestamp."""

    witness: str
    size: int
    lines: tuple[str, ...]
    timestamp: int


class WitnessClient:
    """One witness at ``url`` (its submission prefix), identified by its vkey (type 0x04)."""

    def __init__(
        self,
        url: str,
        vkey: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.verifier = CosignatureVerifier.from_vkey(vkey)
        #: Seconds for each network step, and for the whole answer to arrive.
        self.timeout = timeout
        self._own = client is None
        self._http = client or httpx.Client(timeout=timeout, verify=tls_context())

    @property
    def name(self) -> str:
        return self.verifier.name

    def close(self) -> None:
        if self._own:
            self._http.close()

    def __enter__(self) -> WitnessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_checkpoint(self, note: str, old_size: int, proof: Sequence[bytes]) -> Cosigned:
        """One add-checkpoint call; the verified cosignature on success, else raises."""
        text, _ = parse_note(note)
        checkpoint = Checkpoint.parse(text)
        body = format_add_checkpoint(old_size, proof, note)
        status, ctype, content = self._post(body)
        if status == 200:
            return self._verified(checkpoint, content)
        if status == 409:
            size = self._conflict_size(ctype, content)
            if old_size == checkpoint.size and size == checkpoint.size:
                raise VerificationError(
                    f"witness {self.name} cosigned another tree of size {checkpoint.size} for "
                    f"{checkpoint.origin}: the log has two histories (a fork)"
                )
            raise WitnessRefused(
                f"witness {self.name} holds size {size} for {checkpoint.origin}, not {old_size}",
                status=409,
                size=size,
            )
        if status == 422:
            raise VerificationError(
                f"witness {self.name} refuses size {checkpoint.size} of {checkpoint.origin}: "
                f"it is not consistent with size {old_size} it cosigned (a fork, or a bad proof)"
            )
        what = {
            400: "found the request malformed",
            403: "does not trust this log's key",
            404: "does not follow this log",
            413: "found the request too large",
        }.get(status, f"answered HTTP {status}")
        raise WitnessRefused(f"witness {self.name} {what}", status=status)

    def cosign(
        self, note: str, proof_source: ProofSource, known_size: int = 0, *, tries: int = 3
    ) -> Cosigned:
        """Obtain the witness's cosignature on ``note``, learning its size from a 409.

        ``known_size`` is the size of the largest tree the caller holds this witness's valid
        cosignature on (0 if none). A witness already past this checkpoint raises
        WitnessRefused (it cannot cosign an older tree); one whose 409 names a size smaller
        than ``known_size`` raises :class:`WitnessWentBack` (its state went back: it is not
        asked again from there); an inconsistency raises VerificationError.
        """
        text, _ = parse_note(note)
        size = Checkpoint.parse(text).size
        old = known_size
        for _ in range(max(1, tries)):
            if old > size:
                raise WitnessRefused(
                    f"witness {self.name} already cosigned size {old}, past this checkpoint "
                    f"({size})",
                    status=409,
                    size=old,
                )
            proof = [] if old in (0, size) else list(proof_source(old, size))
            try:
                return self.add_checkpoint(note, old, proof)
            except WitnessRefused as exc:
                if exc.status != 409 or exc.size is None or exc.size == old:
                    raise
                if exc.size < known_size:
                    raise WitnessWentBack(
                        f"witness {self.name} holds size {exc.size} of this log, but it cosigned"
                        f" size {known_size} before (its cosignature is kept): its state is an"
                        " older copy (restored from a backup or a snapshot, or its key run in"
                        " two places) and it may cosign a fork of what it signed; it is not"
                        " asked to cosign from there: its operator must start a new witness"
                        " with a new key",
                        status=409,
                        size=exc.size,
                    ) from None
                old = exc.size
        raise WitnessRefused(
            f"witness {self.name} kept changing its size; try again later", status=409, size=old
        )

    def cosigned_in(self, note: str) -> int | None:
        """The size of ``note``'s checkpoint when the note carries this witness's valid
        cosignature on it, else None."""
        try:
            text, _ = parse_note(note)
            checkpoint = Checkpoint.parse(text)
            return self._verified(checkpoint, note.split("\n\n", 1)[1].encode("utf-8")).size
        except (TyshaError, IndexError, UnicodeError):
            return None

    def _post(self, body: bytes) -> tuple[int, str, bytes]:
        """POST add-checkpoint: (status, media type, answer), the answer bounded in size and
        time (see the module doc)."""
        deadline = time.monotonic() + self.timeout
        try:
            with self._http.stream(
                "POST",
                self.url + "/add-checkpoint",
                content=body,
                headers={"content-type": "text/plain; charset=utf-8"},
            ) as resp:
                body = read_capped(resp, MAX_ANSWER, lambda _n: time.monotonic() > deadline)
                return resp.status_code, resp.headers.get("content-type", ""), body
        except AnswerTooLong:
            raise BadWitnessAnswer(
                f"witness {self.name} sent a longer answer than the protocol allows"
            ) from None
        except AnswerTooSlow:
            raise TransportError(f"witness {self.name} answered too slowly") from None
        except httpx.HTTPError:
            raise TransportError(f"witness {self.name} could not be reached") from None

    def _conflict_size(self, content_type: str, content: bytes) -> int:
        ctype = content_type.split(";")[0].strip()
        try:
            if ctype != SIZE_CONTENT_TYPE:
                raise ProtocolError("wrong content type")
            return parse_size_body(content)
        except ProtocolError:
            raise WitnessRefused(
                f"witness {self.name} answered 409 without its tree size", status=409
            ) from None

    def _verified(self, checkpoint: Checkpoint, content: bytes) -> Cosigned:
        try:
            lines = parse_cosignature_lines(content)
        except ProtocolError:
            raise BadWitnessAnswer(
                f"witness {self.name} answered without well-formed cosignature lines"
            ) from None
        mine: list[str] = []
        stamp = -1
        for line in lines:
            _, sigs = parse_note("x\n\n" + line)
            sig = sigs[0]
            if (sig.name, sig.key_id) != (self.verifier.name, self.verifier.key_id):
                continue  # another key of the witness, or junk: ignored, as the spec says
            try:
                stamp = self.verifier.verify_line(checkpoint, line)
            except (VerificationError, ProtocolError):
                raise BadWitnessAnswer(
                    f"witness {self.name} answered with a cosignature that does not verify"
                ) from None
            mine.append(line)
        if not mine:
            raise BadWitnessAnswer(f"witness {self.name} answered without its cosignature")
        return Cosigned(self.name, checkpoint.size, tuple(mine), stamp)


def cosign_all(
    note: str,
    witnesses: Sequence[WitnessClient],
    proof_source: ProofSource,
    known_sizes: dict[str, int] | None = None,
) -> tuple[str, dict[str, Cosigned | TyshaError]]:
    """Ask every witness at once; return the note with all cosignatures obtained, and per
    witness (by name) its :class:`Cosigned` or the error it gave.

    One failing or slow witness never stops the others (each runs in its own thread, bounded
    by its client's timeout). ``known_sizes`` (name -> size) is read for each witness's
    starting guess and updated with its new size. ``proof_source`` may be called from
    several threads at once.
    """
    sizes = known_sizes if known_sizes is not None else {}

    def ask(witness: WitnessClient) -> Cosigned | TyshaError:
        try:
            return witness.cosign(note, proof_source, sizes.get(witness.name, 0))
        except TyshaError as exc:
            return exc

    if not witnesses:
        return note, {}
    with ThreadPoolExecutor(max_workers=min(16, len(witnesses))) as pool:
        answers = list(pool.map(ask, witnesses))
    results: dict[str, Cosigned | TyshaError] = {}
    lines: list[str] = []
    for witness, got in zip(witnesses, answers, strict=True):
        results[witness.name] = got
        if isinstance(got, Cosigned):
            sizes[witness.name] = got.size
            lines.extend(got.lines)
    return (add_signatures(note, lines) if lines else note), results
