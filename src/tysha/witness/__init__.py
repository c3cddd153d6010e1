"""An independent witness for Tysha's logs (C2SP tlog-witness, tlog-cosignature).

- :mod:`tysha.witness.service` — the witness's durable state and the add-checkpoint decision.
- :mod:`tysha.witness.web` — ``POST /add-checkpoint`` over HTTP (Starlette).
- :mod:`tysha.witness.client` — what a drop or desk calls to obtain cosignatures.
- :mod:`tysha.witness.cli` — ``tysha witness init|serve``.

The wire format and the "k of these witnesses" policy are pure, in :mod:`tysha.tlog.witness`.

How a drop uses it (after each batch, off the receipt path)::

    clients = [WitnessClient(url, vkey) for url, vkey in configured]   # keep them open
    sizes: dict[str, int] = {}                                          # persist if you like
    note = signed_checkpoint_text                                        # as receipts carry it
    cosigned, results = cosign_all(note, clients, lambda a, b: consistency_proof(a, b, reader),
                                   sizes)
    # serve `cosigned`; a VerificationError in `results` means a witness saw another history.

How a source, desk or ``tysha verify`` checks one::

    policy = WitnessPolicy.from_vkeys(witness_vkeys, k)
    result = check_witnesses(cosigned, NoteVerifier.from_vkey(drop_vkey), policy)
    result.summary()   # which cosignatures were checked: valid / invalid / missing / other
    result.require()   # VerificationError unless k valid and none invalid
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tysha.witness.client import (
        Cosigned,
        ProofSource,
        WitnessClient,
        WitnessRefused,
        cosign_all,
    )

__all__ = ["Cosigned", "ProofSource", "WitnessClient", "WitnessRefused", "cosign_all"]


def __getattr__(name: str) -> Any:
    """The client's names, imported when first used: ``tysha witness init`` and every other
    command of the CLI (which registers ``tysha witness``) start without the HTTP client."""
    if name in __all__:
        from tysha.witness import client

        return getattr(client, name)
    raise AttributeError(f"module 'tysha.witness' has no attribute {name!r}")
