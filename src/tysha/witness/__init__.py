"""An independent witness for Tysha's logs (C2SP tlog-witness, tlog-cosignature).

- :mod:`tysha.witness.service` — the witness's durable state and the add-checkpoint decision.
- :mod:`tysha.witness.web` — ``POST /add-checkpoint`` over HTTP (Starlette).
- :mod:`tysha.witness.client` — what a drop or desk calls to obtain cosignatures.
- :mod:`tysha.witness.cli` — ``tysha witness init|serve``.

The wire format and the "k of these witnesses" policy are pure, in :mod:`tysha.tlog.witness`.
"""

from tysha.witness.client import Cosigned, ProofSource, WitnessClient, WitnessRefused, cosign_all

__all__ = ["Cosigned", "ProofSource", "WitnessClient", "WitnessRefused", "cosign_all"]
