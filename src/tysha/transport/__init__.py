"""How envelopes travel: the drop's HTTP client over pluggable transports, and courier files."""

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
