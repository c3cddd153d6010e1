"""How envelopes travel: the drop's HTTP client over pluggable transports, and courier files.

The client's names are loaded on first use (PEP 562): the servers import
:mod:`tysha.transport.serving` from this package, and a drop or witness process that serves
and never calls another server does not pay for importing the HTTP client (httpx and what it
pulls in, ~0.06 s of CPU at every process start and every worker process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tysha.transport.client import (
        DirectTransport,
        DropClient,
        Socks5Transport,
        TorTransport,
        Transport,
        is_onion,
        transport_for,
        transport_from_env,
    )

__all__ = [
    "DirectTransport",
    "DropClient",
    "Socks5Transport",
    "TorTransport",
    "Transport",
    "is_onion",
    "transport_for",
    "transport_from_env",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("tysha.transport.client"), name)
        globals()[name] = value  # once: later lookups do not come here
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
