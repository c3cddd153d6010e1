"""The one exception tree of Tysha.

::

    TyshaError                    every failure a person may see; has diagnostics()
    ├── ProtocolError             malformed, non-canonical, oversized or wrong-version input
    ├── VerificationError         a signature, proof, digest or consistency check failed
    ├── StorageError              a store, vault or blob folder cannot do what was asked
    ├── TransportError            a drop or transport could not be reached
    │   └── DropRefused           the drop answered, and refused (HTTP status and body, typed)
    └── ConfigError               missing or wrong settings, keys or options
        ├── NotFound              the thing named (a report, a source, a folder) does not exist
        ├── NotAllowed            it exists, but this role, state or policy forbids the action
        ├── BadPassphrase         the passphrase (or one-time code) does not open this
        └── BadInput              a value given by the user has the wrong form or range

Parsers raise only their own family (a property test checks it); the CLI turns any
``TyshaError`` into one line on stderr and exit code 1.
"""

from __future__ import annotations

__all__ = [
    "BadInput",
    "BadPassphrase",
    "ConfigError",
    "DropRefused",
    "NotAllowed",
    "NotFound",
    "ProtocolError",
    "StorageError",
    "TransportError",
    "TyshaError",
    "VerificationError",
]


class TyshaError(Exception):
    """Root of every error Tysha raises on purpose."""

    #: What a person can do about this family of failure.
    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def diagnostics(self) -> str:
        """One or two lines for a person: what went wrong and what to do."""
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ProtocolError(TyshaError):
    """Input does not have the form the protocol requires."""

    hint = "the data is malformed, truncated or from an incompatible version"


class VerificationError(TyshaError):
    """A check that protects the evidence or the user failed; never ignore it."""

    hint = "do not trust this item; keep it aside and tell your contact or auditor"


class StorageError(TyshaError):
    """The store could not read or write what was asked."""

    hint = "check the path, free disk space and the passphrase"


class TransportError(TyshaError):
    """The network or a drop refused or failed."""

    hint = "the drop may be unreachable; nothing was lost, try again later"


class ConfigError(TyshaError):
    """Settings, keys or passphrases are missing or wrong."""

    hint = "check the command's options and environment variables"


class DropRefused(TransportError):
    """The drop answered but refused the request; ``status`` and ``body`` say how."""

    hint = "the drop refused the request; the item is kept and can be sent again"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: dict[str, object] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body: dict[str, object] = dict(body or {})

    @property
    def busy(self) -> bool:
        """A server failure (5xx) or a busy answer (429 Too Many Requests, 408 Request
        Timeout: often a proxy in front of the drop): it denies nothing, try again later -
        never evidence against the drop (a fork)."""
        return (self.status or 500) >= 500 or self.status in (408, 429)


class NotFound(ConfigError):
    """The report, source, invitation, file or folder named does not exist."""

    hint = "check the name or id (the list command shows what exists)"


class NotAllowed(ConfigError):
    """The action is forbidden for this role, state or policy."""

    hint = "this desk's role or the item's state does not allow it"


class BadPassphrase(ConfigError):
    """The passphrase or one-time code does not open what was asked."""

    hint = "check the passphrase (TYSHA_PASSPHRASE for scripts) and try again"


class BadInput(ConfigError):
    """A value the user gave has the wrong form or is out of range."""

    hint = "see the command's --help for the accepted forms"
