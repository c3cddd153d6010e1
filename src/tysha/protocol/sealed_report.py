"""The sealed-report recipe: from an envelope's content to a checked report (DESIGN.md, 2–6).

One place for what the desk's fetch, ``tysha verify`` and the source each did on their own:

1. split the content into the signed manifest and the attachments' bytes
   (:class:`~tysha.protocol.manifest.ContentSplitter`; the manifest is fully type-checked and
   its signature verified there);
2. hash each attachment as it streams (SHA-256), compare hash and size with the manifest;
3. check each capture attestation: signed by the manifest's sender, over the same hash;
4. collect, without failing, what a person must see: attachments whose capture does not hold,
   and capture claims dropped as implausible.

A malformed content or manifest raises ``ProtocolError`` (or ``VerificationError`` for a
manifest signature that does not hold): the caller quarantines that envelope and moves on. A
failed attestation does *not* raise: it is a flag on a report that is otherwise kept.

Use:

* streaming (big attachments, the desk): ``r = ReportReader(sink=lambda i: writer())``,
  ``r.feed(piece)`` for each content piece, ``opened = r.finish()``; each sink gets
  ``write(bytes)`` calls and one ``close()``; on an exception call ``r.abort()``, which calls
  ``abort()`` on every sink it opened that has one;
* in memory (``tysha verify``, replies): ``opened, files = read_report(content_pieces)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol.capture import claims_for_display
from tysha.protocol.manifest import Attachment, ContentSplitter, Manifest

__all__ = ["AttachmentCheck", "AttachmentSink", "OpenedReport", "ReportReader", "read_report"]


class AttachmentSink(Protocol):
    def write(self, data: bytes, /) -> Any: ...

    def close(self) -> Any: ...


@dataclass(frozen=True)
class AttachmentCheck:
    """One attachment as received and checked."""

    index: int
    attachment: Attachment
    sha256: bytes
    size: int
    capture_verified: bool
    problem: str | None
    #: the plausible capture claims, JSON-safe (bytes as hex); {} without an attestation
    claims: dict[str, Any]
    #: one line per capture claim dropped as implausible
    implausible: tuple[str, ...]


@dataclass(frozen=True)
class OpenedReport:
    manifest: Manifest
    attachments: tuple[AttachmentCheck, ...]
    capture_verified: bool
    #: "name: reason" for each attachment whose capture check failed
    capture_problems: tuple[str, ...]
    #: "name: claim: reason" for each implausible capture claim (a flag, not a failure)
    implausible_claims: tuple[str, ...] = field(default=())


class _Memory:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> None:
        pass


class ReportReader:
    """Streaming form of the recipe (see the module docstring)."""

    def __init__(
        self,
        sink: Callable[[int], AttachmentSink] | None = None,
        kind: str | None = "report",
    ) -> None:
        """``kind``: the manifest kind expected (another raises ``ProtocolError`` as soon as
        the manifest is read); ``None`` reads any kind and leaves the decision to the caller
        (the desk's fetch, which skips kinds that are not for its inbox)."""
        self._splitter = ContentSplitter()
        self._sink_factory = sink
        self._kind = kind
        self._sinks: dict[int, AttachmentSink] = {}
        self._opened: list[AttachmentSink] = []
        self._hash: dict[int, Any] = {}
        self._size: dict[int, int] = {}
        self._done: dict[int, tuple[bytes, int]] = {}
        self.memory: dict[int, _Memory] = {}

    def _sink(self, index: int) -> AttachmentSink:
        if index not in self._sinks:
            if self._sink_factory is None:
                s: AttachmentSink = self.memory.setdefault(index, _Memory())
            else:
                s = self._sink_factory(index)
            self._sinks[index] = s
            self._opened.append(s)
            self._hash[index] = hashlib.sha256()
            self._size[index] = 0
        return self._sinks[index]

    def feed(self, piece: bytes) -> None:
        for ev in self._splitter.feed(piece):
            if ev[0] == "manifest":
                if self._kind is not None and ev[1].kind != self._kind:
                    raise ProtocolError(f"expected a {self._kind}, found a {ev[1].kind}")
            elif ev[0] == "data":
                self._sink(ev[1]).write(ev[2])
                self._hash[ev[1]].update(ev[2])
                self._size[ev[1]] += len(ev[2])
            elif ev[0] == "end":
                sink = self._sink(ev[1])
                sink.close()
                self._done[ev[1]] = (self._hash[ev[1]].digest(), self._size[ev[1]])

    @property
    def sinks(self) -> dict[int, AttachmentSink]:
        """The sink of each attachment seen so far (index → sink)."""
        return dict(self._sinks)

    def abort(self) -> None:
        """Abort every sink that has ``abort()`` (after an exception)."""
        for s in self._opened:
            stop = getattr(s, "abort", None)
            if callable(stop):
                stop()

    def finish(self) -> OpenedReport:
        self._splitter.finish()
        manifest = self._splitter.manifest
        if manifest is None:  # finish() above makes this unreachable; keep mypy honest
            raise ProtocolError("content ended before the manifest")
        checks: list[AttachmentCheck] = []
        problems: list[str] = []
        implausible: list[str] = []
        for n, att in enumerate(manifest.attachments):
            sha, size = self._done[n]
            problem = None
            if sha != att.sha256 or size != att.size:
                problem = "the file differs from the hash or size its manifest lists"
            elif att.attestation is None:
                problem = "no capture attestation"
            else:
                try:
                    att.attestation.verify(signer=manifest.sender.sign, original_sha256=sha)
                except VerificationError as exc:
                    problem = exc.message
            if problem is not None:
                problems.append(f"{att.name}: {problem}")
            dropped = att.attestation.implausible if att.attestation else ()
            implausible.extend(f"{att.name}: {d}" for d in dropped)
            claims = claims_for_display(att.attestation.claims) if att.attestation else {}
            checks.append(
                AttachmentCheck(n, att, sha, size, problem is None, problem, claims, dropped)
            )
        return OpenedReport(
            manifest, tuple(checks), not problems, tuple(problems), tuple(implausible)
        )


def read_report(
    content: Iterable[bytes], kind: str = "report"
) -> tuple[OpenedReport, list[bytes]]:
    """The recipe in memory: ``(checked report, each attachment's bytes)``."""
    reader = ReportReader(kind=kind)
    for piece in content:
        reader.feed(piece)
    opened = reader.finish()
    files = [
        b"".join(reader.memory[n].parts) if n in reader.memory else b""
        for n in range(len(opened.manifest.attachments))
    ]
    return opened, files
