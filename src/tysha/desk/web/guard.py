"""Who may talk to the web desk at all: host names, origins, fetch metadata, login throttle, TOTP.

Threats (THREAT_MODEL A8/A9; issue 9, points 7, 10, 11):

* **DNS rebinding**: a hostile site whose name resolves to 127.0.0.1 reaches the desk with a
  foreign ``Host``; only the desk's own names are served (``127.0.0.1:PORT``, ``localhost:PORT``,
  ``[::1]:PORT`` and the configured host).
* **Other local ports**: a page on ``127.0.0.1:OTHER`` is *same-site* to the desk, so a
  ``SameSite=Strict`` cookie rides its requests. Every request whose ``Sec-Fetch-Site`` says
  ``same-site`` or ``cross-site`` is refused, every POST must carry our own ``Origin`` (or, when
  a browser sends none, a same-origin ``Sec-Fetch-Site``), and responses carry
  ``Cross-Origin-Resource-Policy: same-origin`` so no other origin can even embed them.
* **Lock-out**: the login throttle is not one counter for the desk. A browser that has logged
  in before holds a random *device cookie*; its failures count in its own bucket, so an
  attacker's guesses (which lack that cookie) slow down only anonymous attempts
  (the OWASP "device cookie" pattern). The delay is capped; nobody is locked out for good.
  One attempt per bucket is checked at a time: guesses sent together would otherwise all pass
  the throttle before the first of them had failed.
* **One-time codes** (RFC 6238): failures count like passphrase failures; a code is accepted
  once (``Desk.check_totp`` remembers the last accepted time step, sealed in the desk).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Throttle",
    "allowed_hosts",
    "harden",
    "host_ok",
    "refusal",
    "totp_at",
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def same_text(given: str, expected: str) -> bool:
    """Constant-time equality of a form value and a secret (a CSRF token, a preview digest).
    ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (TypeError, which would
    be a 500): both sides are compared as UTF-8 bytes instead (``surrogatepass``: any string a
    form decoder gives encodes, and distinct strings stay distinct)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def harden(headers: Any, csp: str) -> None:
    """Set the security headers on a response's headers (a page may keep a stricter CSP)."""
    if "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = csp
    for k, v in SECURITY_HEADERS.items():
        headers[k] = v


def allowed_hosts(host: str, port: int | None) -> frozenset[str]:
    """The ``Host`` values the desk answers: ``name:port``, or ``name:*`` (any port) when the
    port is not known to the app (a rebinding attacker's Host carries its own name anyway)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    h = host.strip().lower()
    if h:
        names.add(f"[{h}]" if ":" in h and not h.startswith("[") else h)
    return frozenset(f"{n}:{port if port is not None else '*'}" for n in names)


def host_ok(value: str, hosts: frozenset[str]) -> bool:
    value = value.strip().lower()
    if value in hosts:
        return True
    name, sep, port = value.rpartition(":")
    return bool(sep) and port.isdigit() and f"{name}:*" in hosts


def refusal(method: str, path: str, headers: Any, hosts: frozenset[str]) -> str | None:
    """Why this request must be refused before any handler runs (None: go ahead)."""
    host = headers.get("host", "").strip().lower()
    if not host_ok(host, hosts):
        return "host"
    site = headers.get("sec-fetch-site", "").lower()
    if site in ("same-site", "cross-site"):
        return "cross-site"
    if method not in ("GET", "HEAD"):
        origin = headers.get("origin")
        if origin is not None and origin.strip().lower() == "null":
            # Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` even for
            # our own forms; then only the browser's fetch metadata can vouch for it.
            if site != "same-origin":
                return "origin"
        elif origin is not None:
            # same origin exactly: this scheme, this host, this port (another local port is
            # another origin, even though it is the same site)
            if origin.strip().lower() != "http://" + host:
                return "origin"
        elif site not in ("", "same-origin", "none"):
            return "origin"
    return None


@dataclass
class Throttle:
    """Failed logins slow the next attempt from the same bucket: 0.5 s, 1 s, 2 s … capped."""

    cap: float = 30.0
    clock: Callable[[], float] = time.monotonic
    buckets: dict[str, tuple[int, float]] = field(default_factory=dict)
    devices: set[str] = field(default_factory=set)
    checking: set[str] = field(default_factory=set)

    def key(self, device_cookie: str) -> str:
        # Only a cookie this desk issued gets its own bucket; anything else is anonymous.
        if device_cookie and device_cookie in self.devices:
            return "device:" + device_cookie
        return "anonymous"

    def wait(self, key: str) -> float:
        _count, until = self.buckets.get(key, (0, 0.0))
        return max(0.0, until - self.clock())

    def begin(self, key: str) -> bool:
        """Start checking an attempt from this bucket; False (wait) while the bucket is slowed
        down or another of its attempts is being checked. :meth:`end` it, whatever happens."""
        if key in self.checking or self.wait(key) > 0:
            return False
        self.checking.add(key)
        return True

    def end(self, key: str) -> None:
        self.checking.discard(key)

    def fail(self, key: str) -> None:
        count, _until = self.buckets.get(key, (0, 0.0))
        count += 1
        self.buckets[key] = (count, self.clock() + min(self.cap, 2**count / 4))

    def succeed(self, key: str) -> str:
        """Forget the bucket's failures; return the device cookie to give this browser."""
        self.buckets.pop(key, None)
        if key.startswith("device:"):
            return key[len("device:"):]
        token = secrets.token_urlsafe(24)
        self.devices.add(token)
        return token


def totp_at(secret: bytes, step: int) -> str:
    """The six-digit RFC 6238 code of time step ``step`` (30 s steps, HMAC-SHA1, as the
    authenticator apps use); pyca/cryptography computes it."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    return TOTP(secret, 6, SHA1(), 30, enforce_key_length=False).generate(step * 30).decode()
