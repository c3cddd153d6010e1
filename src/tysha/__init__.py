"""Tysha: a secure documentation network for civilians under occupation.

Layers (an arrow only points down; see ../shared/DESIGN.md):
``cli`` → ``drop``/``desk``/``source`` → ``store`` → ``evidence`` → ``protocol`` → ``tlog``.
"""

from tysha.errors import (
    ConfigError,
    ProtocolError,
    StorageError,
    TransportError,
    TyshaError,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ProtocolError",
    "StorageError",
    "TransportError",
    "TyshaError",
    "VerificationError",
    "__version__",
]
