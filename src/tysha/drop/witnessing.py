"""The drop asks its witnesses to cosign its log, after each batch, off the receipt path.

A receipt carries the checkpoint as the drop signed it; the cosigned checkpoint follows, served
at ``GET /log/checkpoint.cosigned`` (the drop's checkpoint note with every witness's C2SP
tlog-cosignature line it obtained). :class:`Witnessing` runs in its own thread: ``notify()``
only sets a flag (no I/O, no lock held by the batch), so a receipt never waits for a witness;
the thread then cosigns the *latest* checkpoint (several batches in a row are cosigned once).

A witness that answers "inconsistent" (422, or 409 at the same size with another root) has
seen another history of this log under this key: that is recorded in ``forks`` and logged as
a warning naming the witness (never an IP or a report), and the cosigned checkpoint is not
replaced by one that witness refused. A witness whose own answer is junk or a false
cosignature (:class:`~tysha.witness.client.BadWitnessAnswer`) is logged as such, not as a fork.

Integration (for the drop's owner; one line each)::

    # DropService.__init__, when witnesses are configured ([(url, vkey), ...]):
    self.witnessing = Witnessing(configured, self.checkpoint, self.proof_consistency,
                                 self.data_dir / "checkpoint.cosigned")
    # DropService.start / stop:       self.witnessing.start()   /   self.witnessing.stop()
    # DropService._run_batch, after the futures are resolved (the documented call site):
    self.witnessing.notify()
    # drop/web.py routes, BEFORE Route("/log/{rest:path}"):  *witnessing_routes(svc.witnessing)

Witness configuration is read by :func:`load_witnesses` from ``witnesses.json`` in the drop's
data directory: ``[{"url": ..., "vkey": ...}, ...]``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tysha.errors import ConfigError, TyshaError, VerificationError
from tysha.tlog import Checkpoint, parse_note

if TYPE_CHECKING:  # the HTTP client is imported only by a drop that has witnesses
    from tysha.witness.client import Cosigned, WitnessClient

__all__ = ["Witnessing", "load_witnesses", "witnessing_routes"]

_log = logging.getLogger("tysha.drop.witnessing")


def load_witnesses(data_dir: Path) -> list[tuple[str, str]]:
    """``witnesses.json`` in the drop's data directory, or none."""
    path = Path(data_dir) / "witnesses.json"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError:
        raise ConfigError("cannot read witnesses.json") from None
    try:
        doc = json.loads(raw)
        out = [(str(w["url"]), str(w["vkey"])) for w in doc]
    except (ValueError, TypeError, KeyError):
        raise ConfigError("witnesses.json is a list of {url, vkey}") from None
    return out


class Witnessing:
    """Cosigns the drop's latest checkpoint with its witnesses, in a background thread."""

    def __init__(
        self,
        witnesses: Sequence[tuple[str, str]] | Sequence[WitnessClient],
        checkpoint: Callable[[], tuple[int, str]],
        proof: Callable[[int, int], Sequence[bytes]],
        path: Path | None = None,
    ) -> None:
        from tysha.witness.client import WitnessClient

        self.clients = [
            w if isinstance(w, WitnessClient) else WitnessClient(w[0], w[1]) for w in witnesses
        ]
        self._checkpoint = checkpoint
        self._proof = proof
        self._path = path
        self._sizes: dict[str, int] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cosigned: str | None = None
        self._cosigned_size = -1
        #: witness name -> what it said when it refused a checkpoint as inconsistent.
        self.forks: dict[str, str] = {}
        #: witness name -> the last answer (Cosigned or the error), for status pages.
        self.last: dict[str, Cosigned | TyshaError] = {}
        self.rounds = 0
        #: witness name -> what the operator was last told of it (until it cosigns again).
        self._told: dict[str, str] = {}
        #: witness name -> the latest note carrying its valid cosignature (kept beside the
        #: cosigned checkpoint): what it signed, so a witness whose state went back is caught
        #: also after the drop restarts, and the proof for its operator.
        self._signed: dict[str, str] = {}
        if path is not None:
            with contextlib.suppress(OSError, UnicodeDecodeError, TyshaError):
                note = path.read_text("utf-8")
                self._cosigned_size = Checkpoint.parse(parse_note(note)[0]).size
                self._cosigned = note
            kept: Any = {}
            with contextlib.suppress(OSError, UnicodeDecodeError, ValueError):
                kept = json.loads(self._signed_path().read_text("utf-8"))
            notes = [str(n) for n in kept.values()] if isinstance(kept, dict) else []
            for c in self.clients:
                for n in [self._cosigned or "", *notes]:
                    size = c.cosigned_in(n) if n else None
                    if size is not None and size > self._sizes.get(c.name, -1):
                        self._sizes[c.name], self._signed[c.name] = size, n

    # --- the receipt path calls only this -------------------------------------------------
    def notify(self) -> None:
        """A batch was committed: cosign the latest checkpoint soon. Never blocks."""
        self._wake.set()

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if not self.clients or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="drop-witnessing", daemon=True)
        self._thread.start()
        self._wake.set()  # cosign what the log holds at start

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        for c in self.clients:
            c.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self.cosign_now()
            except Exception as exc:  # the thread must outlive any one failure
                _log.warning("witnessing round failed: %s", type(exc).__name__)

    # --- one round (also callable directly, e.g. by tests and `drop` tooling) ---------------
    def cosign_now(self) -> str | None:
        size, note = self._checkpoint()
        if size == self._cosigned_size:
            return self._cosigned
        from tysha.witness.client import (
            BadWitnessAnswer,
            Cosigned,
            WitnessRefused,
            WitnessWentBack,
            cosign_all,
        )

        cosigned, results = cosign_all(note, self.clients, self._proof, self._sizes)
        self.rounds += 1
        self.last = results
        good = 0
        for name, got in results.items():
            if isinstance(got, BadWitnessAnswer):
                # The witness's own answer is junk or false: it misbehaves, not the log.
                self._tell(name, "bad", f"witness {name} answered without a valid cosignature")
            elif isinstance(got, VerificationError):
                self.forks[name] = got.message
                self._tell(name, "fork", f"witness {name} refused the log as inconsistent")
            elif isinstance(got, WitnessWentBack):
                # Its state is older than a checkpoint it cosigned: it may cosign a fork.
                if self._told.get(name) != "went back":
                    self._told[name] = "went back"
                    _log.error("%s", got.message)
            elif isinstance(got, Cosigned):
                good += 1
                self._signed[name] = cosigned
                if self._told.pop(name, None) is not None:
                    _log.warning("witness %s cosigns the log again", name)
            elif isinstance(got, WitnessRefused):  # our client's words: no address, no entry
                self._tell(name, f"refused {got.status}", f"{got.message}; it cosigns nothing")
            else:
                self._tell(name, "away", f"witness {name} cannot be reached; it cosigns nothing")
        if good:
            with self._lock:
                self._cosigned, self._cosigned_size = cosigned, size
            self._persist(cosigned)
            self._persist_signed()
        return cosigned if good else self._cosigned

    def _signed_path(self) -> Path:
        assert self._path is not None
        return self._path.with_name(self._path.name + ".witnesses")

    def _persist_signed(self) -> None:
        """Keep, per witness, the latest note it cosigned (see ``_signed``)."""
        if self._path is None:
            return
        self._write(self._signed_path(), json.dumps(self._signed, sort_keys=True))

    def _tell(self, name: str, kind: str, line: str) -> None:
        """Say ``line`` of witness ``name`` once per ``kind`` of failure, not every round:
        rounds follow every batch, and a witness away for an hour would otherwise write a
        line per few submissions."""
        if self._told.get(name) != kind:
            self._told[name] = kind
            _log.warning("%s", line)

    def _persist(self, note: str) -> None:
        if self._path is None:
            return
        self._write(self._path, note)

    @staticmethod
    def _write(path: Path, text: str) -> None:
        # One temporary name per process: several worker processes of one drop may persist at
        # once, and each must rename a whole file of its own into place.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError:
            _log.warning("cannot keep the cosigned checkpoint on disk")

    def cosigned(self) -> str | None:
        """The latest checkpoint note with the witnesses' cosignatures, if any."""
        with self._lock:
            return self._cosigned

    def status(self) -> dict[str, Any]:
        return {
            "witnesses": [c.name for c in self.clients],
            "cosigned_size": self._cosigned_size,
            "forks": dict(self.forks),
        }


def witnessing_routes(witnessing: Witnessing | None) -> list[Any]:
    """``GET /log/checkpoint.cosigned``: the latest cosigned checkpoint (404 while none)."""
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def cosigned(request: Request) -> Response:
        note = witnessing.cosigned() if witnessing is not None else None
        if note is None:
            return PlainTextResponse("no cosigned checkpoint yet\n", status_code=404)
        return Response(
            note,
            media_type="text/plain; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    return [Route("/log/checkpoint.cosigned", cosigned, methods=["GET"])]
