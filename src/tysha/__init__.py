"""Tysha: a secure documentation network for civilians under occupation.

Layers (an arrow only points down; see ../shared/DESIGN.md):
``cli`` → ``drop``/``desk``/``source`` → ``store`` → ``evidence`` → ``protocol`` → ``tlog``.
"""

import sys

# The source must leave no trace of its use outside the vault (issue 9.17): a freshly written
# __pycache__ file dates the first run. Set before anything else of Tysha is imported, so only
# this file's own bytecode could still be written (pip compiles it at install time). Only for
# the source and courier commands: the desk and drop are trusted machines and keep the cache.
if sys.argv[1:2] in (["source"], ["courier"]):
    sys.dont_write_bytecode = True

from tysha.errors import (  # noqa: E402
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
