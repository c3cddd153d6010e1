"""One-time form tokens: a form that must not act twice (a reply, a triage note, a share, an
invitation, an incident or act) carries a fresh token, and the session remembers the last
:data:`KEPT` tokens that came back, with what the first submission led to. A double click or
a resubmitted page then acts once and is shown where the first one went.

Two ways to use them, by whether the action waits between its check and its work:

* :func:`claim` before an action that awaits (a reply sent on a worker thread): a second
  submission arriving meanwhile is caught; :func:`release` when nothing was done, so the same
  form may try again.
* :func:`result` then :func:`keep` around an action that runs without awaiting (the event loop
  runs nothing else in between): the first submission's outcome is what a repeat is shown.

Tokens live in the session's memory only, never on disk or in a log; any string is accepted
(one the desk never issued is simply not seen before).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

__all__ = ["KEPT", "claim", "fresh", "keep", "release", "result"]

#: One-time tokens a session remembers (the oldest are forgotten first).
KEPT = 1000


def fresh() -> str:
    """A new token for a form."""
    return secrets.token_urlsafe(16)


def _seen(s: dict[str, Any]) -> OrderedDict[str, Any]:
    seen: OrderedDict[str, Any] = s.setdefault("once", OrderedDict())
    return seen


def _remember(s: dict[str, Any], token: str, value: Any) -> None:
    seen = _seen(s)
    seen[token] = value
    while len(seen) > KEPT:
        seen.popitem(last=False)


def claim(s: dict[str, Any], token: str) -> bool:
    """True the first time ``token`` comes back in this session (the form was not submitted
    before); it is remembered from now on."""
    if token in _seen(s):
        return False
    _remember(s, token, None)
    return True


def release(s: dict[str, Any], token: str) -> None:
    """Forget a claimed token: nothing was done, the same form may be sent again."""
    _seen(s).pop(token, None)


def result(s: dict[str, Any], token: str) -> Any:
    """What the first submission of ``token`` led to (:func:`keep`), or None."""
    return _seen(s).get(token) if token else None


def keep(s: dict[str, Any], token: str, outcome: Any) -> None:
    """Remember what the submission of ``token`` led to (nothing for an empty token)."""
    if token:
        _remember(s, token, outcome)
